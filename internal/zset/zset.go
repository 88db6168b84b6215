// Package zset is a naive Z-set of rows: a multiset whose rows carry signed
// integer weights. Operator tests use it as the reference model: the
// integral (running sum) of an operator's output must equal a naive
// recomputation over the integral of its input.
//
// Rows are keyed by a canonical text of their values, so two rows are the
// same element when types.RowsEqual would say so (numerics compare by value:
// 1.50 and 1.5 are one element).
package zset

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/eddysql/eddy/types"
)

// Entry is one element of a Z-set.
type Entry struct {
	Row    types.Row
	Weight int64
}

// ZSet maps a row's canonical key to its entry. The zero value is not
// usable; make one with New or make(ZSet).
type ZSet map[string]*Entry

// New returns an empty Z-set.
func New() ZSet { return make(ZSet) }

// Key returns the canonical key of a row.
func Key(r types.Row) string {
	var b strings.Builder
	for _, d := range r {
		writeKey(&b, d)
		b.WriteByte('|')
	}
	return b.String()
}

func writeKey(b *strings.Builder, d types.Datum) {
	switch x := d.(type) {
	case nil:
		b.WriteString("N")
	case *apd.Decimal:
		var r apd.Decimal
		r.Reduce(x)
		b.WriteString("n:" + r.Text('f'))
	case types.Array:
		b.WriteString("a{")
		for _, e := range x {
			writeKey(b, e)
			b.WriteByte(',')
		}
		b.WriteString("}")
	case string:
		fmt.Fprintf(b, "s:%q", x)
	default:
		fmt.Fprintf(b, "%T:%s", d, types.FormatText(d))
	}
}

// Add adds w to the weight of row r. The row is not copied.
func (z ZSet) Add(r types.Row, w int64) {
	if w == 0 {
		return
	}
	k := Key(r)
	if e, ok := z[k]; ok {
		e.Weight += w
		if e.Weight == 0 {
			delete(z, k)
		}
		return
	}
	z[k] = &Entry{Row: r, Weight: w}
}

// AddOp adds a change: +1 for inserts, -1 for deletes.
func (z ZSet) AddOp(op types.Op, r types.Row) { z.Add(r, op.Weight()) }

// AddChunk adds every change of a chunk (the chunk is not released).
func (z ZSet) AddChunk(c *types.Chunk) {
	for i := 0; i < c.NumRows(); i++ {
		z.AddOp(c.Ops[i], c.Row(i))
	}
}

// AddAll adds every entry of o, scaled by sign (+1 or -1).
func (z ZSet) AddAll(o ZSet, sign int64) {
	for _, e := range o {
		z.Add(e.Row, sign*e.Weight)
	}
}

// Clone returns a copy of z.
func (z ZSet) Clone() ZSet {
	out := make(ZSet, len(z))
	for k, e := range z {
		c := *e
		out[k] = &c
	}
	return out
}

// Diff returns a - b.
func Diff(a, b ZSet) ZSet {
	out := a.Clone()
	out.AddAll(b, -1)
	return out
}

// Equal reports whether a and b hold the same rows with the same weights.
func Equal(a, b ZSet) bool { return len(Diff(a, b)) == 0 }

// Consolidate returns the non-zero entries in a canonical order: by row
// (types.CompareRows, NULLs last), then by key.
func (z ZSet) Consolidate() []Entry {
	out := make([]Entry, 0, len(z))
	for _, e := range z {
		if e.Weight != 0 {
			out = append(out, *e)
		}
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if c := compareRows(a.Row, b.Row); c != 0 {
			return c
		}
		return strings.Compare(Key(a.Row), Key(b.Row))
	})
	return out
}

// compareRows is types.CompareRows made total over mismatched kinds
// (which a reference model may produce by mistake): those compare by key.
func compareRows(a, b types.Row) (c int) {
	defer func() {
		if recover() != nil {
			c = strings.Compare(Key(a), Key(b))
		}
	}()
	return types.CompareRows(a, b)
}

// Rows returns the rows of z with positive weight, each repeated weight
// times, in canonical order. It reports false if some weight is negative
// (z is then not a set of rows).
func (z ZSet) Rows() ([]types.Row, bool) {
	var out []types.Row
	ok := true
	for _, e := range z.Consolidate() {
		if e.Weight < 0 {
			ok = false
			continue
		}
		for range e.Weight {
			out = append(out, e.Row)
		}
	}
	return out, ok
}

// Chunk returns z as a chunk of changes in canonical order: a row with
// weight w appears |w| times, as inserts when w > 0 and deletes otherwise.
func (z ZSet) Chunk(ts []types.Type) *types.Chunk {
	var ops []types.Op
	var rows []types.Row
	for _, e := range z.Consolidate() {
		op, n := types.Insert, e.Weight
		if n < 0 {
			op, n = types.Delete, -n
		}
		for range n {
			ops = append(ops, op)
			rows = append(rows, e.Row)
		}
	}
	return types.NewChunk(ts, ops, rows)
}

// String renders z one entry a line as "<weight> <values...>", in canonical
// order; for test failure messages.
func (z ZSet) String() string {
	var b strings.Builder
	for _, e := range z.Consolidate() {
		fmt.Fprintf(&b, "%+d", e.Weight)
		for _, d := range e.Row {
			b.WriteString(" ")
			if d == nil {
				b.WriteString(".")
			} else {
				b.WriteString(types.FormatText(d))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
