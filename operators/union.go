package operators

import (
	"fmt"

	"github.com/eddysql/eddy/types"
)

// UnionArgs configures a Union.
type UnionArgs struct {
	Inputs int // number of input ports, ≥ 1
}

// Union concatenates the changes of its inputs (UNION ALL).
//
// State: none. Delta rule: Δout = Σ Δin_i. Barriers are aligned: once a
// port has delivered the barrier of the current epoch, its chunks are held
// back until the barrier has arrived on every port and has been forwarded.
// The output watermark of a column is the minimum over the inputs.
type Union struct {
	Output
	inputs  int
	align   Aligner
	blocked []bool           // port has delivered the current barrier
	held    [][]*types.Chunk // chunks of blocked ports, in arrival order per port
	marks   map[int][]types.Datum
	emitted map[int]types.Datum
}

var _ Node = (*Union)(nil)

// NewUnion returns a Union.
func NewUnion(args UnionArgs) *Union {
	n := max(args.Inputs, 1)
	return &Union{
		inputs:  n,
		align:   Aligner{Ports: n},
		blocked: make([]bool, n),
		held:    make([][]*types.Chunk, n),
		marks:   map[int][]types.Datum{},
		emitted: map[int]types.Datum{},
	}
}

func (u *Union) checkPort(port int) error {
	if port < 0 || port >= u.inputs {
		return fmt.Errorf("union: no input port %d (of %d)", port, u.inputs)
	}
	return nil
}

// Push implements Node.
func (u *Union) Push(port int, c *types.Chunk) error {
	if err := u.checkPort(port); err != nil {
		c.Release()
		return err
	}
	if u.blocked[port] {
		u.held[port] = append(u.held[port], c)
		return nil
	}
	return u.Emit(c)
}

// Barrier implements Node.
func (u *Union) Barrier(port int, b Barrier) error {
	if err := u.checkPort(port); err != nil {
		return err
	}
	if u.blocked[port] {
		return fmt.Errorf("union: barrier %d arrived twice on port %d", b.Epoch, port)
	}
	u.blocked[port] = true
	if !u.align.Arrive() {
		return nil
	}
	if err := u.EmitBarrier(b); err != nil {
		return err
	}
	for p := range u.blocked {
		u.blocked[p] = false
	}
	for p, cs := range u.held {
		u.held[p] = nil
		for i, c := range cs {
			if err := u.Emit(c); err != nil {
				for _, rest := range cs[i+1:] {
					rest.Release()
				}
				return err
			}
		}
	}
	return nil
}

// Watermark implements Node: it forwards the minimum over the inputs of
// the latest watermark of each column, once every input has one.
func (u *Union) Watermark(port int, w Watermark) error {
	if err := u.checkPort(port); err != nil {
		return err
	}
	ms := u.marks[w.Col]
	if ms == nil {
		ms = make([]types.Datum, u.inputs)
		u.marks[w.Col] = ms
	}
	ms[port] = w.Value
	var low types.Datum
	for _, v := range ms {
		if v == nil {
			return nil
		}
		if low == nil || types.Compare(v, low) < 0 {
			low = v
		}
	}
	if prev, ok := u.emitted[w.Col]; ok && types.Compare(low, prev) <= 0 {
		return nil
	}
	u.emitted[w.Col] = low
	return u.EmitWatermark(Watermark{Col: w.Col, Value: low})
}
