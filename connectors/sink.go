package connectors

import (
	"context"

	"github.com/eddysql/eddy/types"
)

// Sink pushes changes to an external system. The lifecycle is:
//
//  1. A constructor (Registry.NewSink) validates the configuration; it does
//     not connect. Sinks with warnings implement Warner.
//  2. Open(ctx) connects. It may be retried after an error.
//  3. Write(ctx, epoch, chunk) hands over changes of an epoch, in order;
//     epochs never decrease. A sink may send them at once or buffer them.
//     The caller keeps ownership of the chunk (the sink copies what it
//     keeps).
//  4. Commit(ctx, epoch) makes every change of epochs ≤ epoch effective in
//     the target (flushes, commits a transaction, moves a fence). After a
//     crash the same epoch may be written and committed again; each sink
//     documents whether that is idempotent (upsert sinks) or fenced (Redis).
//  5. Close releases connections. Changes not committed may be lost; the
//     LogStore still has them and delivers them again.
//
// A failed Write or Commit may be retried with the same arguments after
// Open succeeds again; the LogStore does exactly that.
type Sink interface {
	Open(ctx context.Context) error
	Write(ctx context.Context, epoch uint64, c *types.Chunk) error
	Commit(ctx context.Context, epoch uint64) error
	Close() error
}

// Discarder is implemented by sinks whose deliveries nobody can observe
// (blackhole). Redelivering to them after a crash changes nothing, so
// their LogStore keeps the changes in memory only and writes nothing to
// the state store.
type Discarder interface {
	Discards() bool
}

// SinkConfig is everything a sink constructor gets.
type SinkConfig struct {
	// Name is the sink's name; the Redis fence key and error messages use
	// it.
	Name string
	// Schema is the input row; Hidden columns are not written.
	Schema types.Schema
	// PK are positions in Schema of the primary key (upsert key).
	PK []int
	// With holds the WITH options, names lower case, including "connector".
	With map[string]string
	// Format is the FORMAT clause.
	Format FormatSpec
	// Snapshot is true when the sink first receives the current content of
	// its input (CREATE SINK … FROM mv), false when it only gets new
	// changes.
	Snapshot bool
	// AppendOnly is true when the input can only insert (the planner knows).
	// FORMAT PLAIN sinks over Kafka and files refuse other inputs unless
	// force_append_only is set.
	AppendOnly bool
}

// visibleCols returns the positions of the non-hidden columns.
func visibleCols(s types.Schema) []int {
	var out []int
	for i, c := range s {
		if !c.Hidden {
			out = append(out, i)
		}
	}
	return out
}
