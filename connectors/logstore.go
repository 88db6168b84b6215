package connectors

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// LogStoreOptions configure a LogStore.
type LogStoreOptions struct {
	// Store is the state store; the log is a state table in it, so its
	// content becomes durable with the engine's checkpoints.
	Store *state.Store
	// TableID is the state table holding this sink's log (allocated by the
	// engine like any other state table; never 0).
	TableID uint32
	// Name names the log in errors and EXPLAIN ("sink_<name>_log").
	Name string
	// Sink receives the changes.
	Sink Sink
	// Types are the column types of the sink's input rows.
	Types []types.Type
	// RequireDurable delivers an epoch only after MarkDurable covers it.
	// With an epoch-fenced sink (Redis) this gives exactly-once effects: an
	// epoch is never delivered unless it will also be replayed with the same
	// number after a crash. Without it epochs are delivered as soon as they
	// are sealed (lower latency, at-least-once).
	RequireDurable bool
	// MinBackoff and MaxBackoff bound the retry delay while the target is
	// down (defaults 50 ms and 5 s).
	MinBackoff, MaxBackoff time.Duration
	// OnError is told about every failed delivery attempt (for logs and
	// metrics); delivery keeps retrying.
	OnError func(error)
}

// LogLag says how far delivery is behind.
type LogLag struct {
	Epochs    int    // epochs appended but not yet committed by the sink
	Rows      int64  // their rows
	Delivered uint64 // newest epoch the sink has committed
	Retries   int64  // failed delivery attempts so far
}

type logEpoch struct {
	epoch  uint64
	chunks []*types.Chunk
	seqs   int64
	rows   int64
}

// LogStore decouples a sink from the dataflow. The dataflow Appends each
// epoch's changes, which are written to a state table (key = epoch, seq;
// value = the encoded rows) and queued in memory, and never waits for the
// target. A delivery goroutine hands the epochs, in order, to the sink
// (Write then Commit), retrying with exponential backoff while the target
// is down and reopening the sink; after the sink commits an epoch its log
// rows are deleted. After a crash NewLogStore reloads the rows that were
// durable but not yet truncated and delivers them again; sinks are
// idempotent or fenced for that.
//
// Engine protocol: Append(epoch, chunk) for the changes of the open epoch;
// Seal(epoch) when the barrier of epoch has passed the sink (no more
// appends for it); MarkDurable(epoch) after the checkpoint of epoch is
// committed.
type LogStore struct {
	o       LogStoreOptions
	table   *state.Table
	persist bool // false for a Discarder sink: nothing goes to the table

	mu        sync.Mutex
	cond      *sync.Cond
	queue     []*logEpoch // ascending epochs
	sealed    uint64
	durable   uint64
	delivered uint64
	retries   int64
	closed    bool
	lastErr   error

	cancel context.CancelFunc
	done   chan struct{}
}

// LogTableLayout returns the layout of a sink log's state table: (epoch
// bigint, seq bigint, rows bytea), primary key (epoch, seq).
func LogTableLayout(id uint32, name string) types.TableLayout {
	return types.TableLayout{ID: id, Name: name, Cols: []types.Type{types.Int64, types.Int64, types.Bytea}, PK: []int{0, 1}}
}

// NewLogStore opens the log of a sink and reloads undelivered epochs.
// Start begins delivery.
func NewLogStore(o LogStoreOptions) (*LogStore, error) {
	if o.Store == nil || o.Sink == nil || o.TableID == 0 {
		return nil, errors.New("connectors: LogStoreOptions needs Store, Sink and a non-zero TableID")
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 50 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.Name == "" {
		o.Name = fmt.Sprintf("sink_log_%d", o.TableID)
	}
	l := &LogStore{o: o, table: o.Store.Table(LogTableLayout(o.TableID, o.Name)), persist: true}
	if d, ok := o.Sink.(Discarder); ok && d.Discards() {
		l.persist = false
	}
	l.cond = sync.NewCond(&l.mu)
	if !l.persist {
		// A log written before the sink was known to discard: drop it.
		var stale []types.Row
		if err := l.table.Scan(nil, func(r types.Row) bool {
			stale = append(stale, types.Row{r[0], r[1]})
			return true
		}); err != nil {
			return nil, err
		}
		for _, k := range stale {
			l.table.Delete(k)
		}
		return l, nil
	}
	var decodeErr error
	err := l.table.Scan(nil, func(r types.Row) bool {
		ep, seq := uint64(r[0].(int64)), r[1].(int64)
		c, err := decodeLogChunk(r[2].([]byte), o.Types)
		if err != nil {
			decodeErr = fmt.Errorf("connectors: log %s epoch %d seq %d: %w", o.Name, ep, seq, err)
			return false
		}
		e := l.tail(ep)
		e.chunks = append(e.chunks, c)
		e.seqs = max(e.seqs, seq+1)
		e.rows += int64(c.NumRows())
		return true
	})
	if err != nil {
		return nil, err
	}
	if decodeErr != nil {
		return nil, decodeErr
	}
	if n := len(l.queue); n > 0 {
		// Everything reloaded was sealed (and committed) before the restart.
		l.sealed = l.queue[n-1].epoch
		l.durable = l.sealed
	}
	return l, nil
}

// tail returns the queue entry of epoch, appending one if needed. mu held
// (or not yet shared).
func (l *LogStore) tail(epoch uint64) *logEpoch {
	if n := len(l.queue); n > 0 && l.queue[n-1].epoch == epoch {
		return l.queue[n-1]
	}
	e := &logEpoch{epoch: epoch}
	l.queue = append(l.queue, e)
	return e
}

// Append logs the changes of c as part of epoch (which must not be below a
// sealed epoch). The chunk stays owned by the caller.
func (l *LogStore) Append(epoch uint64, c *types.Chunk) error {
	if c == nil || c.NumRows() == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("connectors: log store is closed")
	}
	if epoch <= l.sealed {
		return fmt.Errorf("connectors: log %s: append to epoch %d, but epoch %d is already sealed", l.o.Name, epoch, l.sealed)
	}
	if n := len(l.queue); n > 0 && l.queue[n-1].epoch > epoch {
		return fmt.Errorf("connectors: log %s: append to epoch %d after epoch %d", l.o.Name, epoch, l.queue[n-1].epoch)
	}
	e := l.tail(epoch)
	if l.persist {
		l.table.Put(types.Row{int64(epoch), e.seqs, encodeLogChunk(c)})
	}
	c.Retain()
	e.chunks = append(e.chunks, c)
	e.seqs++
	e.rows += int64(c.NumRows())
	return nil
}

// Seal records that every change of epochs ≤ epoch has been appended.
func (l *LogStore) Seal(epoch uint64) {
	l.mu.Lock()
	if epoch > l.sealed {
		l.sealed = epoch
	}
	l.mu.Unlock()
	l.cond.Broadcast()
}

// MarkDurable records that the checkpoint of epoch (and so the log up to
// it) is committed.
func (l *LogStore) MarkDurable(epoch uint64) {
	l.mu.Lock()
	if epoch > l.durable {
		l.durable = epoch
	}
	l.mu.Unlock()
	l.cond.Broadcast()
}

// Lag reports what is not yet delivered.
func (l *LogStore) Lag() LogLag {
	l.mu.Lock()
	defer l.mu.Unlock()
	lag := LogLag{Epochs: len(l.queue), Delivered: l.delivered, Retries: l.retries}
	for _, e := range l.queue {
		lag.Rows += e.rows
	}
	return lag
}

// LastError returns the error of the last failed delivery attempt since the
// last successful one, or nil.
func (l *LogStore) LastError() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastErr
}

// Start begins delivery on a goroutine; Close stops it.
func (l *LogStore) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.done = make(chan struct{})
	go l.deliver(ctx)
}

// WaitDelivered blocks until every appended change of epochs ≤ epoch has
// been committed by the sink, or ctx is done.
func (l *LogStore) WaitDelivered(ctx context.Context, epoch uint64) error {
	stop := context.AfterFunc(ctx, func() { l.cond.Broadcast() })
	defer stop()
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if len(l.queue) == 0 || l.queue[0].epoch > epoch {
			return nil
		}
		if err := ctx.Err(); err != nil {
			if l.lastErr != nil {
				return fmt.Errorf("%w (last delivery error: %v)", err, l.lastErr)
			}
			return err
		}
		if l.closed {
			return errors.New("connectors: log store is closed")
		}
		l.cond.Wait()
	}
}

// next waits for the next deliverable epoch.
func (l *LogStore) next(ctx context.Context) *logEpoch {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if ctx.Err() != nil || l.closed {
			return nil
		}
		if len(l.queue) > 0 {
			e := l.queue[0]
			limit := l.sealed
			if l.o.RequireDurable {
				limit = min(limit, l.durable)
			}
			if e.epoch <= limit {
				return e
			}
		}
		l.cond.Wait()
	}
}

func (l *LogStore) deliver(ctx context.Context) {
	defer close(l.done)
	stop := context.AfterFunc(ctx, func() { l.cond.Broadcast() })
	defer stop()
	backoff := l.o.MinBackoff
	open := false
	for {
		e := l.next(ctx)
		if e == nil {
			return
		}
		err := func() error {
			if !open {
				if err := l.o.Sink.Open(ctx); err != nil {
					return err
				}
				open = true
			}
			for _, c := range e.chunks {
				if err := l.o.Sink.Write(ctx, e.epoch, c); err != nil {
					return err
				}
			}
			return l.o.Sink.Commit(ctx, e.epoch)
		}()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			l.mu.Lock()
			l.retries++
			l.lastErr = err
			l.mu.Unlock()
			if l.o.OnError != nil {
				l.o.OnError(err)
			}
			// Drop whatever the sink buffered and reconnect on the next try.
			l.o.Sink.Close()
			open = false
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, l.o.MaxBackoff)
			continue
		}
		backoff = l.o.MinBackoff
		for seq := int64(0); l.persist && seq < e.seqs; seq++ {
			l.table.Delete(types.Row{int64(e.epoch), seq})
		}
		for _, c := range e.chunks {
			c.Release()
		}
		l.mu.Lock()
		l.queue = l.queue[1:]
		l.delivered = e.epoch
		l.lastErr = nil
		l.mu.Unlock()
		l.cond.Broadcast()
	}
}

// Close stops delivery and closes the sink. Undelivered epochs stay in the
// state table (as far as they were committed) for the next start.
func (l *LogStore) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.cond.Broadcast()
	if l.cancel != nil {
		l.cancel()
		<-l.done
	}
	l.mu.Lock()
	for _, e := range l.queue {
		for _, c := range e.chunks {
			c.Release()
		}
		e.chunks = nil
	}
	l.mu.Unlock()
	return l.o.Sink.Close()
}

// encodeLogChunk encodes a chunk's rows: uvarint row count, then per row
// the op byte, a uvarint length and state.EncodeValue of the row.
func encodeLogChunk(c *types.Chunk) []byte {
	buf := binary.AppendUvarint(nil, uint64(c.NumRows()))
	var row []byte
	for i := 0; i < c.NumRows(); i++ {
		row = state.EncodeValue(row[:0], c.Row(i), c.Types)
		buf = append(buf, byte(c.Ops[i]))
		buf = binary.AppendUvarint(buf, uint64(len(row)))
		buf = append(buf, row...)
	}
	return buf
}

func decodeLogChunk(b []byte, ts []types.Type) (*types.Chunk, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errors.New("corrupt log entry")
	}
	b = b[k:]
	ops := make([]types.Op, 0, n)
	rows := make([]types.Row, 0, n)
	for i := uint64(0); i < n; i++ {
		if len(b) < 2 {
			return nil, errors.New("corrupt log entry")
		}
		op := types.Op(b[0])
		l, k := binary.Uvarint(b[1:])
		if k <= 0 || uint64(len(b)-1-k) < l {
			return nil, errors.New("corrupt log entry")
		}
		row, err := state.DecodeValue(b[1+k:1+k+int(l)], ts)
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
		rows = append(rows, row)
		b = b[1+k+int(l):]
	}
	return types.NewChunk(ts, ops, rows), nil
}
