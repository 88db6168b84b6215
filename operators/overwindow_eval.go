package operators

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// WindowCall is one window function call of an OverWindow.
type WindowCall struct {
	// Name (lower case): row_number, rank, dense_rank, percent_rank,
	// cume_dist, ntile, lag, lead, first_value, last_value, nth_value, or an
	// aggregate: count, sum, avg, min, max, bool_and, bool_or, every,
	// array_agg, string_agg (and the stddev/variance family).
	Name string
	// Args are input columns. count(*): none. ntile: [buckets] or none (then
	// Offset is the bucket count). lag/lead: [value] (Offset and Default
	// are the constant offset and default; the planner sets Offset = 1 for
	// lag(x)), or [value, offset] / [value, offset, default] columns
	// evaluated per row. nth_value: [value] with Offset = n, or [value, n].
	// string_agg: [value, delimiter].
	Args    []int
	Offset  int64
	Default types.Datum
	Frame   Frame // the zero Frame is the default frame
	// Filter is the input column holding the FILTER (WHERE …) boolean of an
	// aggregate, or -1 for none.
	Filter int
	// Distinct aggregates over the distinct argument values (sorted, as a
	// plain DISTINCT aggregate does); Postgres rejects it for windows.
	Distinct bool
	// IgnoreNulls (lag, lead, first_value, last_value, nth_value) skips rows
	// whose value is NULL.
	IgnoreNulls bool
	Type        types.Type   // result type; zero = expr.AggReturnType's
	ArgTypes    []types.Type // types of Args (optional: taken from the input)
}

// String renders the call, e.g. "sum($2) OVER (ROWS BETWEEN 1 PRECEDING
// AND CURRENT ROW)".
func (c WindowCall) String() string {
	var b strings.Builder
	b.WriteString(c.Name + "(")
	if c.Distinct {
		b.WriteString("distinct ")
	}
	if len(c.Args) == 0 && c.Name == "count" {
		b.WriteString("*")
	}
	for i, a := range c.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", a)
	}
	b.WriteString(")")
	if c.IgnoreNulls {
		b.WriteString(" ignore nulls")
	}
	if c.Filter >= 0 {
		fmt.Fprintf(&b, " filter(where $%d)", c.Filter)
	}
	if !c.Frame.IsDefault() {
		b.WriteString(" over (" + c.Frame.String() + ")")
	}
	return b.String()
}

type owFn uint8

const (
	owRowNumber owFn = iota
	owRank
	owDenseRank
	owPercentRank
	owCumeDist
	owNtile
	owLag
	owLead
	owFirstValue
	owLastValue
	owNthValue
	owAggregate
)

var owFnNames = map[string]owFn{
	"row_number": owRowNumber, "rank": owRank, "dense_rank": owDenseRank, "percent_rank": owPercentRank,
	"cume_dist": owCumeDist, "ntile": owNtile, "lag": owLag, "lead": owLead, "first_value": owFirstValue,
	"last_value": owLastValue, "nth_value": owNthValue,
}

// owCall is a WindowCall compiled against the input.
type owCall struct {
	WindowCall
	fn         owFn
	frame      owFrame
	agg        aggSpec // owAggregate
	invertible bool    // the accumulator supports exact removal
	f32sum     bool    // sum(real): round each step to float32 like float4pl
}

func compileWindowCall(c WindowCall, orderBy []expr.SortKey, inputTypes []types.Type) (owCall, error) {
	oc := owCall{WindowCall: c}
	fail := func(format string, args ...any) (owCall, error) {
		return oc, fmt.Errorf("over window: %s: %s", c.Name, fmt.Sprintf(format, args...))
	}
	for _, a := range c.Args {
		if a < 0 || a >= len(inputTypes) {
			return fail("argument column %d out of range", a)
		}
	}
	if c.Filter >= len(inputTypes) || c.Filter < -1 {
		return fail("FILTER column %d out of range", c.Filter)
	}
	if len(oc.ArgTypes) == 0 {
		for _, a := range c.Args {
			oc.ArgTypes = append(oc.ArgTypes, inputTypes[a])
		}
	}
	if len(oc.ArgTypes) != len(c.Args) {
		return fail("%d args but %d arg types", len(c.Args), len(oc.ArgTypes))
	}
	fr, err := compileFrame(c.Frame, orderBy, inputTypes)
	if err != nil {
		return oc, err
	}
	oc.frame = fr
	fn, isWin := owFnNames[c.Name]
	if !isWin {
		if !expr.IsAggregate(c.Name) {
			return oc, sqlerr.New(sqlerr.UndefinedFunction, "function %s does not exist", c.Name)
		}
		if c.IgnoreNulls {
			return oc, sqlerr.New(sqlerr.FeatureNotSupported, "aggregate functions do not accept RESPECT/IGNORE NULLS")
		}
		oc.fn = owAggregate
		call := expr.AggCall{Name: c.Name, Args: c.Args, ArgTypes: oc.ArgTypes, Distinct: c.Distinct, Filter: c.Filter, Type: c.Type}
		if call.Type == (types.Type{}) {
			t, err := expr.AggReturnType(c.Name, oc.ArgTypes, c.Distinct)
			if err != nil {
				return oc, err
			}
			call.Type = t
		}
		spec, err := compileAgg(call, inputTypes, true)
		if err != nil {
			return oc, err
		}
		spec.finish()
		oc.agg = spec
		oc.Type = call.Type
		switch spec.kind {
		case aggCountStar, aggCount, aggSumInt, aggAvgInt, aggBoolAnd, aggBoolOr:
			oc.invertible = true
		case aggSumAny, aggAvgAny:
			oc.invertible = spec.argType.Kind == types.KindInterval
		case aggSumFloat:
			oc.f32sum = spec.argType.Kind == types.KindFloat32
		}
		if c.Distinct {
			oc.invertible = false
		}
	} else {
		oc.fn = fn
		if c.Filter >= 0 {
			return oc, sqlerr.New(sqlerr.FeatureNotSupported, "FILTER is not implemented for non-aggregate window functions")
		}
		if c.Distinct {
			return oc, sqlerr.New(sqlerr.FeatureNotSupported, "DISTINCT is not implemented for window functions")
		}
		if c.IgnoreNulls && fn < owLag {
			return oc, sqlerr.New(sqlerr.FeatureNotSupported, "function %s does not accept RESPECT/IGNORE NULLS", c.Name)
		}
		nargs := map[owFn][2]int{owRowNumber: {0, 0}, owRank: {0, 0}, owDenseRank: {0, 0}, owPercentRank: {0, 0},
			owCumeDist: {0, 0}, owNtile: {0, 1}, owLag: {1, 3}, owLead: {1, 3}, owFirstValue: {1, 1},
			owLastValue: {1, 1}, owNthValue: {1, 2}}[fn]
		if len(c.Args) < nargs[0] || len(c.Args) > nargs[1] {
			return oc, sqlerr.New(sqlerr.UndefinedFunction, "function %s with %d arguments does not exist", c.Name, len(c.Args))
		}
		if oc.Type == (types.Type{}) {
			switch fn {
			case owRowNumber, owRank, owDenseRank, owNtile:
				oc.Type = types.Int64
			case owPercentRank, owCumeDist:
				oc.Type = types.Float64
			default:
				oc.Type = oc.ArgTypes[0]
			}
		}
		switch d := oc.Default.(type) { // a constant lag/lead default of an integer literal
		case int64:
			switch {
			case oc.Type.Kind == types.KindNumeric:
				oc.Default = apd.New(d, 0)
			case oc.Type.IsFloat():
				oc.Default = float64(d)
			}
		}
		if fn == owNtile && len(c.Args) == 0 && c.Offset <= 0 {
			return oc, sqlerr.New("22014", "argument of ntile must be greater than zero")
		}
		if fn == owNthValue && len(c.Args) == 1 && c.Offset <= 0 {
			return oc, sqlerr.New("22016", "argument of nth_value must be greater than zero")
		}
	}
	return oc, nil
}

// owPartition is one partition's rows in window order, with peer groups.
type owPartition struct {
	rows   []types.Row
	grp    []int                    // peer group of each row
	gStart []int                    // first row of each group
	gEnd   []int                    // one past the last row of each group
	sess   map[*owFrame]*owSessions // SESSION frames, computed on first use
}

func (p *owPartition) n() int { return len(p.rows) }

// bounds returns the frame [s, e) of row i (e >= s).
func (f *owFrame) bounds(p *owPartition, i int) (int, int) {
	if f.Mode == FrameSession {
		return f.sessionBounds(p, i)
	}
	n := p.n()
	g := p.grp[i]
	ng := len(p.gStart)
	var s, e int
	switch f.Start.Kind {
	case BoundUnboundedPreceding:
		s = 0
	case BoundCurrentRow:
		s = i
		if f.Mode != FrameRows {
			s = p.gStart[g]
		}
	case BoundPreceding, BoundFollowing:
		back := f.Start.Kind == BoundPreceding
		switch f.Mode {
		case FrameRows:
			s = owStep(i, f.startN, back, n)
		case FrameGroups:
			if gi := owStep(g, f.startN, back, ng); gi >= ng {
				s = n
			} else if back && int64(g) < f.startN {
				s = 0
			} else {
				s = p.gStart[gi]
			}
		default:
			cv := p.rows[i][f.rng.col]
			s = sort.Search(n, func(j int) bool { return f.rng.headAt(p.rows[j][f.rng.col], cv, f.rng.start, back) })
		}
	}
	switch f.End.Kind {
	case BoundUnboundedFollowing:
		e = n
	case BoundCurrentRow:
		e = i + 1
		if f.Mode != FrameRows {
			e = p.gEnd[g]
		}
	case BoundPreceding, BoundFollowing:
		back := f.End.Kind == BoundPreceding
		switch f.Mode {
		case FrameRows:
			if back && int64(i) < f.endN {
				e = 0
			} else {
				e = min(owStep(i, f.endN, back, n)+1, n)
			}
		case FrameGroups:
			if back && int64(g) < f.endN {
				e = 0
			} else if gi := owStep(g, f.endN, back, ng); gi >= ng {
				e = n
			} else {
				e = p.gEnd[gi]
			}
		default:
			cv := p.rows[i][f.rng.col]
			e = sort.Search(n, func(j int) bool { return !f.rng.tailIncludes(p.rows[j][f.rng.col], cv, f.rng.end, back) })
		}
	}
	if e < s {
		e = s
	}
	return s, e
}

// owStep returns i - k (back) or i + k clamped to [0, limit].
func owStep(i int, k int64, back bool, limit int) int {
	if back {
		if int64(i) <= k {
			return 0
		}
		return i - int(k)
	}
	if k >= int64(limit-i) {
		return limit
	}
	return i + int(k)
}

// owSeg is a run [s, e) of frame rows; segments scans a frame minus the
// excluded rows, in order.
type owSeg struct{ s, e int }

func (f *owFrame) segments(dst []owSeg, p *owPartition, i, s, e int) []owSeg {
	dst = dst[:0]
	if f.Exclude == ExcludeNoOthers {
		if s < e {
			dst = append(dst, owSeg{s, e})
		}
		return dst
	}
	xs, xe := i, i+1
	if f.Exclude != ExcludeCurrentRow {
		xs, xe = p.gStart[p.grp[i]], p.gEnd[p.grp[i]]
	}
	if a := min(e, xs); s < a {
		dst = append(dst, owSeg{s, a})
	}
	if f.Exclude == ExcludeTies && s <= i && i < e {
		dst = append(dst, owSeg{i, i + 1})
	}
	if a := max(s, xe); a < e {
		dst = append(dst, owSeg{a, e})
	}
	return dst
}

// owAcc accumulates one aggregate call over frame rows.
type owAcc struct {
	c   *owCall
	a   acc
	arr types.Array // array_agg
	sb  []byte      // string_agg
	any bool        // array_agg / string_agg saw a value
	buf [1]types.Datum
}

func (g *owAcc) reset() {
	g.a = acc{}
	g.arr, g.sb, g.any = nil, nil, false
}

func (g *owAcc) counts(r types.Row) bool {
	if f := g.c.Filter; f >= 0 {
		if b, ok := r[f].(bool); !ok || !b {
			return false
		}
	}
	return true
}

// add adds (w = 1) or removes (w = -1, invertible kinds only) a row.
func (g *owAcc) add(r types.Row, w int64) error {
	if !g.counts(r) {
		return nil
	}
	return g.addArgs(r, w)
}

func (g *owAcc) addArgs(r types.Row, w int64) error {
	s := &g.c.agg
	switch s.kind {
	case aggArray:
		g.arr = append(g.arr, r[g.c.Args[0]])
		g.any = true
		return nil
	case aggString:
		v := r[g.c.Args[0]]
		if v == nil {
			return nil
		}
		if g.any {
			if d := r[g.c.Args[1]]; d != nil {
				g.sb = append(g.sb, asBytes(d)...)
			}
		}
		g.sb = append(g.sb, asBytes(v)...)
		g.any = true
		return nil
	}
	if s.kind != aggCountStar {
		g.buf[0] = r[g.c.Args[0]]
	}
	if err := s.update(&g.a, g.buf[:], w); err != nil {
		return err
	}
	if g.c.f32sum {
		g.a.f = float64(float32(g.a.f))
	}
	return nil
}

func (g *owAcc) result() (types.Datum, error) {
	switch g.c.agg.kind {
	case aggArray:
		if !g.any {
			return nil, nil
		}
		return slices.Clone(g.arr), nil
	case aggString:
		if !g.any {
			return nil, nil
		}
		if g.c.agg.argType.Kind == types.KindBytea {
			return slices.Clone(g.sb), nil
		}
		return string(g.sb), nil
	}
	return g.c.agg.result(&g.a)
}

// evalPartition computes the window outputs of a partition whose rows are
// in window order: each output row is the input row followed by one value
// per call.
func evalPartition(calls []owCall, p *owPartition, width int) ([]types.Row, error) {
	n := p.n()
	outs := make([]types.Row, n)
	for i, r := range p.rows {
		o := make(types.Row, width, width+len(calls))
		copy(o, r)
		outs[i] = o[:width+len(calls)]
	}
	for k := range calls {
		if err := calls[k].eval(p, outs, width+k); err != nil {
			return nil, err
		}
	}
	return outs, nil
}

func (c *owCall) eval(p *owPartition, outs []types.Row, col int) error {
	n := p.n()
	switch c.fn {
	case owRowNumber:
		for i := range n {
			outs[i][col] = int64(i + 1)
		}
	case owRank:
		for i := range n {
			outs[i][col] = int64(p.gStart[p.grp[i]] + 1)
		}
	case owDenseRank:
		for i := range n {
			outs[i][col] = int64(p.grp[i] + 1)
		}
	case owPercentRank:
		for i := range n {
			v := 0.0
			if n > 1 {
				v = float64(p.gStart[p.grp[i]]) / float64(n-1)
			}
			outs[i][col] = v
		}
	case owCumeDist:
		for i := range n {
			outs[i][col] = float64(p.gEnd[p.grp[i]]) / float64(n)
		}
	case owNtile:
		return c.evalNtile(p, outs, col)
	case owLag, owLead:
		return c.evalLagLead(p, outs, col)
	case owFirstValue, owLastValue, owNthValue:
		return c.evalNth(p, outs, col)
	case owAggregate:
		return c.evalAgg(p, outs, col)
	}
	return nil
}

// evalNtile follows Postgres' window_ntile: the bucket count is read at the
// first row where it is not NULL and then fixed for the partition.
func (c *owCall) evalNtile(p *owPartition, outs []types.Row, col int) error {
	n := int64(p.n())
	var ntile, perBucket, boundary, remainder int64
	for i, r := range p.rows {
		if ntile == 0 {
			nb := c.Offset
			if len(c.Args) > 0 {
				v := r[c.Args[0]]
				if v == nil {
					outs[i][col] = nil
					continue
				}
				nb = v.(int64)
			}
			if nb <= 0 {
				return sqlerr.New("22014", "argument of ntile must be greater than zero")
			}
			ntile, perBucket = 1, 0
			boundary = n / nb
			if boundary <= 0 {
				boundary = 1
			} else {
				remainder = n % nb
				if remainder != 0 {
					boundary++
				}
			}
		}
		perBucket++
		if boundary < perBucket {
			if remainder != 0 && ntile == remainder {
				remainder = 0
				boundary--
			}
			ntile++
			perBucket = 1
		}
		outs[i][col] = ntile
	}
	return nil
}

func (c *owCall) evalLagLead(p *owPartition, outs []types.Row, col int) error {
	n := p.n()
	vc := c.Args[0]
	var nonNull []int // positions of non-NULL values (IgnoreNulls)
	if c.IgnoreNulls {
		for j, r := range p.rows {
			if r[vc] != nil {
				nonNull = append(nonNull, j)
			}
		}
	}
	for i, r := range p.rows {
		off := c.Offset
		if len(c.Args) > 1 {
			v := r[c.Args[1]]
			if v == nil {
				outs[i][col] = nil
				continue
			}
			off = v.(int64)
		}
		def := c.Default
		if len(c.Args) > 2 {
			def = r[c.Args[2]]
		}
		if c.fn == owLag {
			off = -off
		}
		// Now the target is off rows after i (negative: before).
		if !c.IgnoreNulls || off == 0 {
			j := int64(i) + off
			if (off > 0 && j < int64(i)) || (off < 0 && j > int64(i)) || j < 0 || j >= int64(n) {
				outs[i][col] = def
			} else {
				outs[i][col] = p.rows[j][vc]
			}
			continue
		}
		var k int64
		if off > 0 {
			// the off-th non-NULL value after i
			q := sort.SearchInts(nonNull, i+1)
			k = int64(q) + off - 1
		} else {
			q := sort.SearchInts(nonNull, i) // count of non-NULL positions before i
			k = int64(q) + off
		}
		if k < 0 || k >= int64(len(nonNull)) {
			outs[i][col] = def
		} else {
			outs[i][col] = p.rows[nonNull[k]][vc]
		}
	}
	return nil
}

func (c *owCall) evalNth(p *owPartition, outs []types.Row, col int) error {
	vc := c.Args[0]
	var segs []owSeg
	for i, r := range p.rows {
		s, e := c.frame.bounds(p, i)
		segs = c.frame.segments(segs, p, i, s, e)
		nth := int64(1)
		fromEnd := c.fn == owLastValue
		if c.fn == owNthValue {
			nth = c.Offset
			if len(c.Args) > 1 {
				v := r[c.Args[1]]
				if v == nil {
					outs[i][col] = nil
					continue
				}
				nth = v.(int64)
			}
			if nth <= 0 {
				return sqlerr.New("22016", "argument of nth_value must be greater than zero")
			}
		}
		var out types.Datum
		if !fromEnd {
		fwd:
			for _, sg := range segs {
				if !c.IgnoreNulls {
					if int64(sg.e-sg.s) >= nth {
						out = p.rows[sg.s+int(nth)-1][vc]
						break
					}
					nth -= int64(sg.e - sg.s)
					continue
				}
				for j := sg.s; j < sg.e; j++ {
					if v := p.rows[j][vc]; v != nil {
						if nth--; nth == 0 {
							out = v
							break fwd
						}
					}
				}
			}
		} else {
		bwd:
			for k := len(segs) - 1; k >= 0; k-- {
				sg := segs[k]
				for j := sg.e - 1; j >= sg.s; j-- {
					if v := p.rows[j][vc]; v != nil || !c.IgnoreNulls {
						out = v
						break bwd
					}
				}
			}
		}
		outs[i][col] = out
	}
	return nil
}

// evalAgg computes an aggregate over each row's frame. Invertible
// accumulators (counts, exact integer and interval sums, bool counts) slide:
// rows entering the frame are added and rows leaving it removed. The
// others (float and numeric sums, min/max, array_agg, string_agg) grow
// while the frame head stays put and restart from the new head when it
// moves, as Postgres does for aggregates without an inverse transition,
// so float rounding and numeric display scales match Postgres. Frames
// with EXCLUDE subtract the excluded rows from a copy (invertible) or are
// folded row by row; DISTINCT folds each frame's sorted distinct values.
func (c *owCall) evalAgg(p *owPartition, outs []types.Row, col int) error {
	n := p.n()
	g := &owAcc{c: c}
	a, b := 0, 0 // rows [a, b) are in g
	prevS, prevE := -1, -1
	var prev types.Datum
	var segs []owSeg
	excl := c.frame.Exclude != ExcludeNoOthers
	for i := range n {
		s, e := c.frame.bounds(p, i)
		if c.Distinct {
			segs = c.frame.segments(segs, p, i, s, e)
			v, err := c.distinctFold(p, segs)
			if err != nil {
				return err
			}
			outs[i][col] = v
			continue
		}
		if excl && !c.invertible {
			segs = c.frame.segments(segs, p, i, s, e)
			g.reset()
			for _, sg := range segs {
				for j := sg.s; j < sg.e; j++ {
					if err := g.add(p.rows[j], 1); err != nil {
						return err
					}
				}
			}
			v, err := g.result()
			if err != nil {
				return err
			}
			outs[i][col] = v
			continue
		}
		if !excl && s == prevS && e == prevE {
			outs[i][col] = owShare(prev)
			continue
		}
		if c.invertible && s >= a && e >= b {
			for ; b < e; b++ {
				if err := g.add(p.rows[b], 1); err != nil {
					return err
				}
			}
			for ; a < s; a++ {
				if err := g.add(p.rows[a], -1); err != nil {
					return err
				}
			}
		} else {
			if s != a || e < b {
				g.reset()
				a, b = s, s
			}
			for ; b < e; b++ {
				if err := g.add(p.rows[b], 1); err != nil {
					return err
				}
			}
		}
		if excl { // invertible: remove the excluded rows from a copy
			saved := g.a
			segs = c.frame.segments(segs, p, i, s, e)
			j := s
			for _, sg := range segs {
				for ; j < sg.s; j++ {
					if err := g.add(p.rows[j], -1); err != nil {
						return err
					}
				}
				j = sg.e
			}
			for ; j < e; j++ {
				if err := g.add(p.rows[j], -1); err != nil {
					return err
				}
			}
			v, err := g.result()
			g.a = saved
			if err != nil {
				return err
			}
			outs[i][col] = v
			continue
		}
		v, err := g.result()
		if err != nil {
			return err
		}
		outs[i][col] = v
		prev, prevS, prevE = v, s, e
	}
	return nil
}

// owShare returns a value that may be stored in another output row
// (arrays and byte strings are cloned).
func owShare(d types.Datum) types.Datum {
	switch x := d.(type) {
	case types.Array:
		return slices.Clone(x)
	case []byte:
		return slices.Clone(x)
	}
	return d
}

// distinctFold aggregates the distinct argument tuples of the frame rows,
// in ascending order (NULLs last), as a plain DISTINCT aggregate does.
func (c *owCall) distinctFold(p *owPartition, segs []owSeg) (types.Datum, error) {
	var vals []types.Row
	for _, sg := range segs {
		for j := sg.s; j < sg.e; j++ {
			r := p.rows[j]
			if c.Filter >= 0 {
				if b, ok := r[c.Filter].(bool); !ok || !b {
					continue
				}
			}
			vals = append(vals, r.Project(c.Args))
		}
	}
	cmpT := func(x, y types.Row) int {
		for k := range x {
			if r := compareSortKey(x[k], y[k], expr.SortKey{}); r != 0 {
				return r
			}
		}
		return 0
	}
	slices.SortFunc(vals, cmpT)
	vals = slices.CompactFunc(vals, func(x, y types.Row) bool { return cmpT(x, y) == 0 })
	cc := *c
	cc.Args = make([]int, len(c.Args))
	for k := range cc.Args {
		cc.Args[k] = k
	}
	cc.Filter = -1
	g := &owAcc{c: &cc}
	for _, v := range vals {
		if err := g.add(v, 1); err != nil {
			return nil, err
		}
	}
	return g.result()
}

// owIdentical reports whether two output values are the same value and
// print the same (numeric scale, float sign of zero, interval fields).
func owIdentical(a, b types.Datum) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case types.Interval:
		y, ok := b.(types.Interval)
		return ok && x == y
	case types.Array:
		y, ok := b.(types.Array)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !owIdentical(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	if x, ok := a.(*apd.Decimal); ok {
		// Shown the same: the same value with the same exponent (no text
		// formatting: HashAgg calls this for every changed group).
		y, ok := b.(*apd.Decimal)
		if !ok {
			return false
		}
		if x.Form != apd.Finite || y.Form != apd.Finite {
			return x.Form == y.Form && x.Negative == y.Negative
		}
		if x.Exponent > 0 || y.Exponent > 0 {
			return types.FormatText(a) == types.FormatText(b) // 13E+1 prints as 130
		}
		return x.Exponent == y.Exponent && x.Cmp(y) == 0
	}
	return types.Equal(a, b)
}

func owRowsIdentical(a, b types.Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !owIdentical(a[i], b[i]) {
			return false
		}
	}
	return true
}
