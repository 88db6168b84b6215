package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// ErrEndOfInput is returned by Read when a bounded source has delivered
// everything (a datagen sequence reached its end, nexmark.event.num events
// were generated). It is not a failure.
var ErrEndOfInput = errors.New("connectors: end of input")

// ErrNotConnected is returned by Read, Write and Commit before Open or after
// Close.
var ErrNotConnected = errors.New("connectors: not connected")

// Offsets is the serialisable position of a source, stored in checkpoints:
// per Kafka partition offsets ("partition/3" → "1042", the next offset to
// read), a Postgres LSN ("lsn" → "0/16B3748"), generator positions
// ("split/0" → "5000"). Keys and values are opaque to the engine.
type Offsets map[string]string

// Clone returns a copy of o.
func (o Offsets) Clone() Offsets {
	if o == nil {
		return nil
	}
	c := make(Offsets, len(o))
	for k, v := range o {
		c[k] = v
	}
	return c
}

// Encode serialises o as JSON (keys sorted, so equal offsets encode
// equally).
func (o Offsets) Encode() []byte {
	b, _ := json.Marshal(map[string]string(o))
	return b
}

// DecodeOffsets parses what Offsets.Encode produced. Empty input gives nil.
func DecodeOffsets(b []byte) (Offsets, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("connectors: bad stored offsets: %w", err)
	}
	return Offsets(m), nil
}

// Source reads changes from outside. The lifecycle is:
//
//  1. A constructor (Registry.NewSource) validates the configuration; it does
//     not connect.
//  2. Open(ctx, offsets) connects and positions the source. nil offsets mean
//     "start as configured" (scan.startup.mode, the first event, an initial
//     snapshot); non-nil offsets come from the last durable checkpoint and the
//     source resumes exactly after them — no record is lost or repeated.
//  3. Read(ctx) blocks until it has a chunk, ctx is done (it then returns
//     ctx.Err()), or a bounded source is exhausted (ErrEndOfInput). Chunks
//     are owned by the caller (see types.Chunk). Read returns other errors
//     only when the source cannot go on; bad records are skipped and reported
//     to SourceConfig.Errors instead (unless error.policy='fail').
//  4. Offsets() returns the position right after the last chunk Read
//     returned. The engine calls it at a barrier, between Reads, and stores
//     it with the checkpoint.
//  5. Close releases connections and goroutines. It may be called at any
//     time after the constructor, once.
//
// Read, Offsets and Close are called from one goroutine (the source's
// driver); implementations may run their own goroutines internally.
type Source interface {
	Open(ctx context.Context, offsets Offsets) error
	Read(ctx context.Context) (*types.Chunk, error)
	Offsets() Offsets
	Close() error
}

// Acker is implemented by sources that must acknowledge consumed data
// upstream (the Postgres replication slot). The engine calls Ack with the
// offsets of a checkpoint only after that checkpoint is durable; the source
// may then let upstream discard everything before them.
type Acker interface {
	Ack(ctx context.Context, offsets Offsets) error
}

// SourceStats are counters a source exposes for metrics.
type SourceStats struct {
	Rows        int64 // rows returned by Read
	Bytes       int64 // payload bytes consumed
	BadMessages int64 // records skipped because they could not be decoded
}

// StatsReporter is implemented by sources that count what they read.
type StatsReporter interface {
	Stats() SourceStats
}

// FormatSpec is the FORMAT … ENCODE … ( … ) clause, with upper-case Format
// and Encode and lower-case option names. The zero value means no clause.
type FormatSpec struct {
	Format  string // PLAIN, UPSERT, DEBEZIUM
	Encode  string // JSON, CSV, TEMPLATE
	Options map[string]string
}

// BadMessage describes a record a source could not decode.
type BadMessage struct {
	Source    string // the source's name
	Topic     string // Kafka topic, or the upstream table for CDC
	Partition int
	Offset    int64
	Err       error
	Raw       []byte // the payload (value); may be truncated by the sink
	Key       []byte
	Time      time.Time // when it was seen
}

// ErrorSink receives bad records. Report must not block for long and must
// not keep Raw or Key past the call unless it copies them.
type ErrorSink interface {
	Report(BadMessage)
}

// ErrorSinkFunc adapts a function to ErrorSink.
type ErrorSinkFunc func(BadMessage)

// Report calls f(m).
func (f ErrorSinkFunc) Report(m BadMessage) { f(m) }

// ErrorLog is an ErrorSink that keeps the last Max bad messages in memory
// (with copies of their payloads), e.g. for an error table or tests.
type ErrorLog struct {
	Max  int // 0 = 1000
	mu   sync.Mutex
	msgs []BadMessage
	n    int64
}

// Report records m.
func (l *ErrorLog) Report(m BadMessage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.Max
	if limit == 0 {
		limit = 1000
	}
	m.Raw = append([]byte(nil), m.Raw...)
	m.Key = append([]byte(nil), m.Key...)
	l.msgs = append(l.msgs, m)
	if len(l.msgs) > limit {
		l.msgs = l.msgs[len(l.msgs)-limit:]
	}
	l.n++
}

// Messages returns the recorded messages, oldest first.
func (l *ErrorLog) Messages() []BadMessage {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]BadMessage(nil), l.msgs...)
}

// Count returns the number of messages reported so far.
func (l *ErrorLog) Count() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// SourceConfig is everything a source constructor gets.
type SourceConfig struct {
	// Name is the source's (or table's) name, for errors and metrics.
	Name string
	// Schema is the output row: the declared columns, then INCLUDE columns
	// (see Include), in chunk column order.
	Schema types.Schema
	// PK are positions in Schema of the primary key (UPSERT formats need it).
	PK []int
	// With holds the WITH options, names lower case, including "connector".
	With map[string]string
	// Format is the FORMAT clause; legacy WITH (format='json') is accepted
	// by the connectors that used it.
	Format FormatSpec
	// Include lists the INCLUDE columns (Kafka: key, partition, offset,
	// timestamp, header); their Column is a position in Schema.
	Include []Include
	// Errors receives undecodable records (nil: they are only counted).
	Errors ErrorSink
}

// Include is one INCLUDE kind [AS name] clause, resolved to a column.
type Include struct {
	Kind   string // key, partition, offset, timestamp, header
	Inner  string // header name for INCLUDE header 'name'
	Column int    // position in SourceConfig.Schema
}

// opts reads typed option values; the registry has validated them.
type opts map[string]string

func (o opts) str(k string) string { return o[k] }

func (o opts) strOr(k, def string) string {
	if v, ok := o[k]; ok && v != "" {
		return v
	}
	return def
}

func (o opts) int(k string, def int64) (int64, error) {
	v, ok := o[k]
	if !ok || strings.TrimSpace(v) == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value %q for option %q: expected an integer", v, k)
	}
	return n, nil
}

func (o opts) bool(k string, def bool) (bool, error) {
	v, ok := o[k]
	if !ok || strings.TrimSpace(v) == "" {
		return def, nil
	}
	b, err := parseBool(v)
	if err != nil {
		return false, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value %q for option %q: expected true or false", v, k)
	}
	return b, nil
}

func (o opts) dur(k string, def time.Duration) (time.Duration, error) {
	v, ok := o[k]
	if !ok || strings.TrimSpace(v) == "" {
		return def, nil
	}
	d, err := parseDuration(v)
	if err != nil {
		return 0, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value %q for option %q: expected a duration", v, k)
	}
	return d, nil
}

// merged returns the WITH options overlaid with the FORMAT options (the
// FORMAT clause wins).
func merged(with map[string]string, f FormatSpec) opts {
	o := opts{}
	for k, v := range with {
		o[strings.ToLower(k)] = v
	}
	for k, v := range f.Options {
		o[strings.ToLower(k)] = v
	}
	return o
}
