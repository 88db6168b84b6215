package engine

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/types"
)

// execBulkInsert runs a bulk INSERT … VALUES of plain literals straight
// from its text: parser.BulkInsert reads the elements one by one and each
// is appended to its column's builder, with no AST, no Literal per value
// and no planner. handled is false when the statement is not of that shape
// or anything is unusual (an unknown table, a value that does not convert
// cleanly, a NULL key, a table with defaults): nothing has happened then,
// and the caller runs the statement the ordinary way, which reports any
// error as usual.
func (e *Engine) execBulkInsert(ctx context.Context, s *Session, sql string) (res *Result, handled bool, err error) {
	b, ok := parser.ScanBulkInsert(sql)
	if !ok {
		return nil, false, nil
	}
	o := e.lookup(planner.NormalizeName(b.Table))
	if o == nil || o.Kind != KindTable {
		return nil, false, nil
	}
	vb, ok := e.newValuesBuilder(o, b.Columns)
	if !ok {
		return nil, false, nil
	}
	vb.expect = strings.Count(sql[b.ValuesPos:], "(") // at least the rows
	last := len(vb.targets) - 1
	var v parser.BulkValue
	for b.NextRow() {
		for j := range vb.targets {
			if !b.Value(&v) || v.EndRow != (j == last) ||
				!vb.conv[j].appendBulk(vb.column(j), &v, vb.isKey[vb.targets[j]]) {
				vb.release()
				return nil, false, nil
			}
		}
		vb.endRow()
	}
	if !b.Done() {
		vb.release()
		return nil, false, nil
	}
	chunks, n := vb.finish()
	fastInserts.Add(1)
	if err := e.pushInsertChunks(ctx, o, chunks); err != nil {
		return nil, true, err
	}
	if err := e.afterDML(ctx, s); err != nil {
		return nil, true, err
	}
	return &Result{Tag: "INSERT 0 " + strconv.Itoa(n)}, true, nil
}

// valuesBuilder builds the chunks of a table's rows from VALUES elements
// appended row by row, insertChunkRows rows per chunk: columns not
// targeted are NULL, and the hidden row id is numbered in order.
type valuesBuilder struct {
	e        *Engine
	ts       []types.Type // the table's layout columns
	targets  []int        // layout column of each VALUES element
	isKey    []bool       // per layout column: a declared primary key column
	conv     []constConv  // per element
	rowIDCol int
	idle     []bool // per layout column: not targeted (NULL, or the row id)

	expect int             // rows expected in all (to size the builders)
	bs     []array.Builder // the current chunk's builders (nil between chunks)
	k      int             // rows in the current chunk
	n      int             // rows in all
	chunks []*types.Chunk
}

// newValuesBuilder prepares the rows of an INSERT into o that lists cols
// (all visible columns when cols is empty). ok is false when the list is
// not plain (unknown, hidden or repeated names), when a column not listed
// is a key, and when the table has defaults (the planner fills them in).
func (e *Engine) newValuesBuilder(o *object, cols []string) (*valuesBuilder, bool) {
	rel := o.rel
	for _, d := range rel.Defaults {
		if d != nil {
			return nil, false
		}
	}
	var targets []int
	if len(cols) > 0 {
		for _, name := range cols {
			i := rel.Schema.Index(name)
			if i < 0 || rel.Schema[i].Hidden || slices.Contains(targets, i) {
				return nil, false
			}
			targets = append(targets, i)
		}
	} else {
		for i, c := range rel.Schema {
			if !c.Hidden {
				targets = append(targets, i)
			}
		}
	}
	ts := rel.Layout.Cols
	vb := &valuesBuilder{e: e, ts: ts, targets: targets, rowIDCol: rowIDColumn(rel),
		isKey: make([]bool, len(ts)), idle: make([]bool, len(ts)), conv: make([]constConv, len(targets))}
	if vb.rowIDCol < 0 {
		for _, k := range rel.PK {
			vb.isKey[k] = true
		}
	}
	for c := range ts {
		vb.idle[c] = !slices.Contains(targets, c)
		if vb.idle[c] && vb.isKey[c] {
			return nil, false // NULL key: the generic path reports it
		}
	}
	for j, c := range targets {
		vb.conv[j] = constConv{t: ts[c], mod: rel.Schema[c].Mod}
	}
	return vb, true
}

// column returns the builder of VALUES element j in the current row.
func (vb *valuesBuilder) column(j int) array.Builder {
	if vb.bs == nil {
		vb.bs = make([]array.Builder, len(vb.ts))
		for c, t := range vb.ts {
			vb.bs[c] = array.NewBuilder(types.Allocator, types.ArrowType(t))
			vb.bs[c].Reserve(max(1, min(vb.expect-vb.n, insertChunkRows)))
		}
	}
	return vb.bs[vb.targets[j]]
}

// endRow ends a row whose elements have all been appended.
func (vb *valuesBuilder) endRow() {
	vb.k++
	vb.n++
	if vb.k == insertChunkRows {
		vb.flush()
	}
}

// flush turns the current chunk's builders into a chunk.
func (vb *valuesBuilder) flush() {
	if vb.k == 0 {
		return
	}
	k := vb.k
	var first int64
	if vb.rowIDCol >= 0 {
		first = vb.e.rowID.Add(int64(k)) - int64(k) + 1
	}
	ch := &types.Chunk{Types: vb.ts, Cols: make([]arrow.Array, len(vb.ts)), Ops: make([]types.Op, k)}
	for c, bl := range vb.bs {
		switch {
		case c == vb.rowIDCol:
			ib := bl.(*array.Int64Builder)
			for i := range k {
				ib.UnsafeAppend(first + int64(i))
			}
		case vb.idle[c]:
			bl.AppendNulls(k)
		}
		ch.Cols[c] = bl.NewArray()
		bl.Release()
	}
	vb.chunks = append(vb.chunks, ch)
	vb.bs, vb.k = nil, 0
}

// finish returns the chunks and the number of rows.
func (vb *valuesBuilder) finish() ([]*types.Chunk, int) {
	vb.flush()
	return vb.chunks, vb.n
}

// release drops everything built so far (the statement goes the generic
// way).
func (vb *valuesBuilder) release() {
	for _, bl := range vb.bs {
		bl.Release()
	}
	for _, c := range vb.chunks {
		c.Release()
	}
	vb.bs, vb.chunks = nil, nil
}

// appendBulk is append for one element of a bulk INSERT: DEFAULT (NULL,
// as the table has no defaults), a literal converted without allocating
// for the common literal/column pairs, or else a literal converted as
// append converts it.
func (cv *constConv) appendBulk(bl array.Builder, v *parser.BulkValue, key bool) bool {
	if v.Default {
		if key {
			return false
		}
		bl.AppendNull()
		return true
	}
	if cv.appendLiteral(bl, &v.Literal, key) {
		return true
	}
	lit := v.Literal
	lit.Text = strings.Clone(lit.Text) // v.Text may alias the scanner's buffer
	return cv.append(bl, &lit, key)
}

// appendLiteral appends lit converted to the column type when that needs
// no allocation and cannot fail: an integer into an integer column it fits
// (or a float column holding it exactly, or a numeric column), a plain
// decimal into a numeric column, a string into a text column, a boolean
// into a boolean column, NULL into a non-key column. It reports false,
// having appended nothing, for anything else (and for any column with a
// type modifier), which append then converts the general way.
func (cv *constConv) appendLiteral(bl array.Builder, lit *parser.Literal, key bool) bool {
	if cv.mod.Set {
		return false
	}
	switch lit.Kind {
	case parser.LitInteger:
		switch cv.t.Kind {
		case types.KindInt64:
			bl.(*array.Int64Builder).Append(lit.Int)
			return true
		case types.KindInt32:
			if lit.Int >= math.MinInt32 && lit.Int <= math.MaxInt32 {
				bl.(*array.Int32Builder).Append(int32(lit.Int))
				return true
			}
		case types.KindInt16:
			if lit.Int >= math.MinInt16 && lit.Int <= math.MaxInt16 {
				bl.(*array.Int16Builder).Append(int16(lit.Int))
				return true
			}
		case types.KindFloat64:
			if lit.Int >= -1<<53 && lit.Int <= 1<<53 {
				bl.(*array.Float64Builder).Append(float64(lit.Int))
				return true
			}
		case types.KindNumeric:
			if canonicalDecimal(lit.Text) {
				bl.(*array.StringBuilder).Append(lit.Text)
				return true
			}
		}
	case parser.LitNumeric:
		if cv.t.Kind == types.KindNumeric && canonicalDecimal(lit.Text) {
			bl.(*array.StringBuilder).Append(lit.Text)
			return true
		}
	case parser.LitString:
		if cv.t.Kind == types.KindVarchar {
			bl.(*array.StringBuilder).Append(lit.Text)
			return true
		}
	case parser.LitBool:
		if cv.t.Kind == types.KindBool {
			bl.(*array.BooleanBuilder).Append(lit.Bool)
			return true
		}
	case parser.LitNull:
		if !key {
			bl.AppendNull()
			return true
		}
	}
	return false
}

// canonicalDecimal reports whether s is a decimal as NUMERIC prints it:
// -?(0|[1-9][0-9]*)(.[0-9]+)?, not a negative zero, and short enough to be
// well inside NUMERIC's limits. Such a literal is stored as its text.
func canonicalDecimal(s string) bool {
	if len(s) == 0 || len(s) > 40 {
		return false
	}
	i := 0
	if s[0] == '-' {
		i++
	}
	intStart := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == intStart || (s[intStart] == '0' && i-intStart > 1) {
		return false
	}
	if i < len(s) {
		if s[i] != '.' || i+1 == len(s) {
			return false
		}
		for i++; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
	}
	if s[0] == '-' && strings.Trim(s[1:], "0.") == "" {
		return false // -0, -0.00: NUMERIC drops the sign
	}
	return true
}
