package engine

import (
	"context"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/types"
)

// relRuntime is the running dataflow of a table or materialized view
// (loop-owned).
type relRuntime struct {
	obj *object
	// stream is the relation's change stream: the output of its
	// Materialize. Downstream dataflows and subscriptions attach to it.
	stream *fanout
	// input is where DML chunks go (tables only).
	input operators.Node
	// sources receive every barrier (tables: the Input; MVs: Values nodes).
	sources []operators.Node
	// leaves are the dataflow's connections to upstream change streams.
	leaves []leaf
	// ctx is the evaluation context of the dataflow's expressions: NOW()
	// of the current epoch, non-strict error handling.
	ctx *expr.Context
	// usesNow: the dataflow's output changes as NOW() moves (temporal
	// filters, idle watermarks), so every epoch needs its barrier.
	usesNow bool
	// readers feed the dataflow's source leaves (and, for a table with a
	// connector, its input).
	readers []*reader
	// watermarks are the dataflow's watermark filters (late-row counters).
	watermarks []*operators.WatermarkFilter
}

// leaf is a table-scan leaf of a dataflow: a node fed by an upstream
// relation's change stream (or, in one-shot queries, by a snapshot scan).
type leaf struct {
	rel    string            // upstream relation name
	layout types.TableLayout // its storage table
	node   *scanNode
	rt     *relRuntime // upstream runtime (streaming dataflows)
	// source: the leaf reads a CREATE SOURCE (fed by a reader).
	source bool
	// prefix and rng (one-shot queries): read only the rows with this key
	// prefix, and with the next key column in rng.
	prefix types.Row
	rng    *planner.KeyRange
}

type target struct {
	node operators.Node
	port int
}

// fanout is the change stream of a relation: it forwards everything to
// its downstream nodes, which can be added and removed between messages,
// and records changes for subscriptions.
type fanout struct {
	outs []target
	subs []*Subscription
	// pending holds the current epoch's changes while there are
	// subscriptions.
	pending []Change
}

var _ operators.Node = (*fanout)(nil)

func (f *fanout) add(n operators.Node, port int) { f.outs = append(f.outs, target{n, port}) }

func (f *fanout) remove(n operators.Node) {
	out := f.outs[:0]
	for _, t := range f.outs {
		if t.node != n {
			out = append(out, t)
		}
	}
	f.outs = out
}

// Push implements operators.Node.
func (f *fanout) Push(_ int, c *types.Chunk) error {
	if len(f.subs) > 0 {
		for i := 0; i < c.NumRows(); i++ {
			f.pending = append(f.pending, Change{Op: c.Ops[i], Row: c.Row(i)})
		}
	}
	if len(f.outs) == 0 || c.NumRows() == 0 {
		c.Release()
		return nil
	}
	for i := 1; i < len(f.outs); i++ {
		c.Retain()
	}
	var firstErr error
	for _, t := range f.outs {
		if err := t.node.Push(t.port, c); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// Barrier implements operators.Node.
func (f *fanout) Barrier(_ int, b operators.Barrier) error {
	var firstErr error
	for _, t := range f.outs {
		if err := t.node.Barrier(t.port, b); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// Watermark implements operators.Node.
func (f *fanout) Watermark(_ int, w operators.Watermark) error {
	var firstErr error
	for _, t := range f.outs {
		if err := t.node.Watermark(t.port, w); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// deliver hands the epoch's changes to the subscriptions, once the epoch
// is visible.
func (f *fanout) deliver(epoch uint64) {
	if len(f.subs) == 0 {
		f.pending = nil
		return
	}
	batch := f.pending
	f.pending = nil
	live := f.subs[:0]
	for _, s := range f.subs {
		if s.isClosed() {
			continue
		}
		live = append(live, s)
		if len(batch) == 0 {
			continue
		}
		b := make([]Change, len(batch))
		for i, c := range batch {
			c.Epoch = epoch
			if s.visible > 0 && len(c.Row) > s.visible {
				c.Row = c.Row[:s.visible:s.visible]
			}
			b[i] = c
		}
		s.enqueue(b)
	}
	f.subs = live
}

// scanNode selects columns of an upstream relation's rows.
type scanNode struct {
	operators.Output
	cols     []int
	types    []types.Type
	identity bool
}

var _ operators.Node = (*scanNode)(nil)

func newScanNode(relTypes []types.Type, cols []int) *scanNode {
	n := &scanNode{cols: cols, identity: len(cols) == len(relTypes)}
	for i, c := range cols {
		n.types = append(n.types, relTypes[c])
		if c != i {
			n.identity = false
		}
	}
	return n
}

// Push implements operators.Node.
func (n *scanNode) Push(_ int, c *types.Chunk) error {
	if n.identity {
		return n.Emit(c)
	}
	out := &types.Chunk{Types: n.types, Cols: make([]arrow.Array, len(n.cols)), Ops: c.Ops}
	for i, col := range n.cols {
		a := c.Cols[col]
		a.Retain()
		out.Cols[i] = a
	}
	c.Release()
	// An update of only unselected columns is no change here.
	out = operators.DropUnchangedUpdates(out)
	if out.NumRows() == 0 {
		out.Release()
		return nil
	}
	return n.Emit(out)
}

// Barrier implements operators.Node.
func (n *scanNode) Barrier(_ int, b operators.Barrier) error { return n.EmitBarrier(b) }

// Watermark implements operators.Node: the column is renumbered, and
// watermarks of unselected columns are dropped.
func (n *scanNode) Watermark(_ int, w operators.Watermark) error {
	for i, c := range n.cols {
		if c == w.Col {
			w.Col = i
			return n.EmitWatermark(w)
		}
	}
	return nil
}

// pushRows pushes rows as Insert chunks of at most chunkRows rows.
func pushRows(n operators.Node, ts []types.Type, rows []types.Row) error {
	for len(rows) > 0 {
		k := len(rows)
		if k > chunkRows {
			k = chunkRows
		}
		if err := n.Push(0, types.NewInsertChunk(ts, rows[:k])); err != nil {
			return err
		}
		rows = rows[k:]
	}
	return nil
}

const chunkRows = 1024

// Change is one change of a subscribed materialized view, with the epoch
// in which it became visible.
type Change struct {
	Epoch uint64
	Op    types.Op
	Row   types.Row
}

// Subscription is an ordered stream of a materialized view's changes.
// The first batch holds the view's contents when the subscription started
// (as inserts); every later batch holds one visible epoch's changes, in
// epoch order.
type Subscription struct {
	// C delivers the batches. It is closed when the subscription ends
	// (its context is done, Close is called, or the view is dropped).
	C <-chan []Change

	ch      chan []Change
	visible int // number of visible columns; rows are trimmed to them
	mu      sync.Mutex
	queue   [][]Change
	notify  chan struct{}
	done    chan struct{}
	once    sync.Once
}

func newSubscription(ctx context.Context) *Subscription {
	s := &Subscription{ch: make(chan []Change), notify: make(chan struct{}, 1), done: make(chan struct{})}
	s.C = s.ch
	go s.run(ctx)
	return s
}

func (s *Subscription) run(ctx context.Context) {
	defer close(s.ch)
	for {
		s.mu.Lock()
		var next []Change
		if len(s.queue) > 0 {
			next = s.queue[0]
			s.queue = s.queue[1:]
		}
		s.mu.Unlock()
		if next != nil {
			select {
			case s.ch <- next:
				continue
			case <-ctx.Done():
				s.Close()
				return
			case <-s.done:
				return
			}
		}
		select {
		case <-s.notify:
		case <-ctx.Done():
			s.Close()
			return
		case <-s.done:
			// Deliver what is queued before ending? No: Close means stop.
			return
		}
	}
}

func (s *Subscription) enqueue(b []Change) {
	s.mu.Lock()
	s.queue = append(s.queue, b)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// Close ends the subscription.
func (s *Subscription) Close() { s.once.Do(func() { close(s.done) }) }

func (s *Subscription) isClosed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}
