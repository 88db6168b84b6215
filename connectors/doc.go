// Package connectors connects Eddy to the outside world: sources that read
// changes from Kafka, Postgres (CDC) and built-in generators (datagen,
// nexmark), and sinks that push changes to Redis, Kafka, Postgres, files and
// the blackhole.
//
// # Registry
//
// Every connector registers itself by name, with a Spec that lists its
// options, in an init function of this package (RegisterSource,
// RegisterSink). The engine validates the WITH (...) options of CREATE
// SOURCE/TABLE/SINK against the spec (Registry.Validate) before it builds
// anything, and docs/connectors.md is generated from the same specs (see
// TestConnectorsDoc; regenerate with `go test ./connectors -run
// TestConnectorsDoc -update`). Tests use NewRegistry to get an empty
// registry, or Default.Clone() for a copy of the built-in one.
//
// # Lifecycle
//
// A Source is built from a SourceConfig, then Open(ctx, offsets) positions it
// (nil offsets = the startup mode's start; otherwise exactly after the last
// chunk whose offsets were stored in a durable checkpoint). Read returns
// chunks of changes; Offsets returns the position right after the last chunk
// Read returned, which the engine stores in the checkpoint of the epoch that
// chunk belongs to. Close releases everything. See Source for the contract.
//
// A Sink is built from a SinkConfig; Open connects, Write buffers or sends an
// epoch's changes, and Commit(epoch) makes them effective. Sinks usually sit
// behind a LogStore, which persists the changes of each epoch in the state
// store so that the dataflow never waits on an external system, and which
// delivers them in order with retries. See Sink and LogStore.
//
// # Formats
//
// The format subpackage decodes JSON (PLAIN, UPSERT and DEBEZIUM) straight
// into Arrow column builders, and encodes rows as JSON for sinks.
package connectors
