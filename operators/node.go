package operators

import (
	"github.com/eddysql/eddy/types"
)

// Mutation is a control change that travels on a barrier, so that it takes
// effect at an epoch boundary on every operator alike.
type Mutation uint8

// The mutations.
const (
	MutationNone Mutation = iota
	MutationStop          // the dataflow stops after this barrier
	MutationPause
	MutationResume
)

// Barrier separates epochs. Every source receives each barrier; operators
// with several inputs forward it once it has arrived on all of them.
type Barrier struct {
	Epoch      uint64
	Checkpoint bool              // this epoch's state will be committed durably
	Now        types.Timestamptz // NOW() for this epoch
	Mutation   Mutation
}

// Watermark says no future row on this stream has column Col below Value.
type Watermark struct {
	Col   int
	Value types.Datum
}

// Node is a stage of a push-based dataflow. The engine runs a dataflow on
// one goroutine: it pushes chunks and barriers into the source nodes, and
// each node pushes its output into its downstream nodes through an Output.
//
// Push transfers ownership of c to the node: the node releases it when done
// (or hands it on).
type Node interface {
	Push(port int, c *types.Chunk) error
	Barrier(port int, b Barrier) error
	Watermark(port int, w Watermark) error
}

type target struct {
	node Node
	port int
}

// Output fans an operator's output out to its downstream nodes. Operators
// embed it.
type Output struct {
	targets []target
}

// Connect adds a downstream node, fed on the given input port.
func (o *Output) Connect(n Node, port int) { o.targets = append(o.targets, target{n, port}) }

// Emit sends c to every downstream node. Emit takes ownership of c; empty
// chunks are dropped.
func (o *Output) Emit(c *types.Chunk) error {
	if c == nil {
		return nil
	}
	if c.NumRows() == 0 || len(o.targets) == 0 {
		c.Release()
		return nil
	}
	for i := 1; i < len(o.targets); i++ {
		c.Retain()
	}
	for i, t := range o.targets {
		if err := t.node.Push(t.port, c); err != nil {
			for j := i + 1; j < len(o.targets); j++ {
				c.Release()
			}
			return err
		}
	}
	return nil
}

// EmitBarrier forwards a barrier to every downstream node.
func (o *Output) EmitBarrier(b Barrier) error {
	for _, t := range o.targets {
		if err := t.node.Barrier(t.port, b); err != nil {
			return err
		}
	}
	return nil
}

// EmitWatermark forwards a watermark to every downstream node.
func (o *Output) EmitWatermark(w Watermark) error {
	for _, t := range o.targets {
		if err := t.node.Watermark(t.port, w); err != nil {
			return err
		}
	}
	return nil
}

// Aligner counts a barrier's arrivals on a node's input ports. Arrive
// returns true when the barrier has arrived on all of them, which is when a
// multi-input node acts on it and forwards it.
type Aligner struct {
	Ports   int
	arrived int
}

// Arrive records the barrier on one port and reports whether it is now
// aligned on all ports.
func (a *Aligner) Arrive() bool {
	a.arrived++
	if a.arrived >= a.Ports {
		a.arrived = 0
		return true
	}
	return false
}

// Collector is a sink node that keeps everything it receives, for tests and
// for ad-hoc queries.
type Collector struct {
	Chunks   []*types.Chunk
	Barriers []Barrier
	Marks    []Watermark
}

// Push keeps the chunk.
func (c *Collector) Push(_ int, ch *types.Chunk) error { c.Chunks = append(c.Chunks, ch); return nil }

// Barrier records the barrier.
func (c *Collector) Barrier(_ int, b Barrier) error { c.Barriers = append(c.Barriers, b); return nil }

// Watermark records the watermark.
func (c *Collector) Watermark(_ int, w Watermark) error { c.Marks = append(c.Marks, w); return nil }

// Take returns the changes received so far, as (op, row) pairs, releasing
// the chunks.
func (c *Collector) Take() ([]types.Op, []types.Row) {
	var ops []types.Op
	var rows []types.Row
	for _, ch := range c.Chunks {
		for i := 0; i < ch.NumRows(); i++ {
			ops = append(ops, ch.Ops[i])
			rows = append(rows, ch.Row(i))
		}
		ch.Release()
	}
	c.Chunks = nil
	return ops, rows
}
