package expr

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/types"
)

// Vectorized kernels for the hot cases: arithmetic and comparisons on
// integer and float columns, string and boolean comparisons, AND/OR/NOT
// and IS NULL. Anything else runs row by row.

type number interface {
	~int16 | ~int32 | ~int64 | ~float32 | ~float64
}

// values returns the typed value slice of a primitive array.
func values[T number](a arrow.Array) []T {
	switch x := a.(type) {
	case *array.Int16:
		if v, ok := any(x.Int16Values()).([]T); ok {
			return v
		}
	case *array.Int32:
		if v, ok := any(x.Int32Values()).([]T); ok {
			return v
		}
	case *array.Int64:
		if v, ok := any(x.Int64Values()).([]T); ok {
			return v
		}
	case *array.Float32:
		if v, ok := any(x.Float32Values()).([]T); ok {
			return v
		}
	case *array.Float64:
		if v, ok := any(x.Float64Values()).([]T); ok {
			return v
		}
	case *array.Date32:
		vs := x.Date32Values()
		out := make([]T, len(vs))
		for i, v := range vs {
			out[i] = T(v)
		}
		return out
	case *array.Timestamp:
		vs := x.TimestampValues()
		out := make([]T, len(vs))
		for i, v := range vs {
			out[i] = T(v)
		}
		return out
	}
	return nil
}

// validity returns the combined validity of the arrays as a []bool, or nil
// when no array has nulls.
func validity(n int, arrs ...arrow.Array) []bool {
	nulls := false
	for _, a := range arrs {
		if a.NullN() > 0 {
			nulls = true
		}
	}
	if !nulls {
		return nil
	}
	v := make([]bool, n)
	for i := range v {
		v[i] = true
	}
	for _, a := range arrs {
		if a.NullN() == 0 {
			continue
		}
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				v[i] = false
			}
		}
	}
	return v
}

// newPrimitive wraps vals (and an optional validity) as an array without
// copying the values.
func newPrimitive[T number](t types.Type, vals []T, valid []bool) arrow.Array {
	n := len(vals)
	var bitmap *memory.Buffer
	nulls := 0
	if valid != nil {
		bits := make([]byte, bitutil.BytesForBits(int64(n)))
		for i, v := range valid {
			if v {
				bitutil.SetBit(bits, i)
			} else {
				nulls++
			}
		}
		bitmap = memory.NewBufferBytes(bits)
	}
	data := array.NewData(types.ArrowType(t), n, []*memory.Buffer{bitmap, memory.NewBufferBytes(arrow.GetBytes(vals))}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// newPrimitiveBits is newPrimitive with a ready null bitmap.
func newPrimitiveBits[T number](t types.Type, vals []T, bits []byte, nulls int) arrow.Array {
	var bitmap *memory.Buffer
	if bits != nil {
		bitmap = memory.NewBufferBytes(bits)
	}
	data := array.NewData(types.ArrowType(t), len(vals), []*memory.Buffer{bitmap, memory.NewBufferBytes(arrow.GetBytes(vals))}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// andBitmaps returns the combined validity bitmap of the arrays (nil when
// none has nulls) and the null count; ok is false when an array has an
// offset, in which case callers use validity().
func andBitmaps(n int, arrs ...arrow.Array) (bits []byte, nulls int, ok bool) {
	for _, a := range arrs {
		if a.NullN() == 0 {
			continue
		}
		if a.Data().Offset() != 0 {
			return nil, 0, false
		}
		src := a.NullBitmapBytes()
		if bits == nil {
			bits = make([]byte, bitutil.BytesForBits(int64(n)))
			copy(bits, src)
			continue
		}
		for i := range bits {
			bits[i] &= src[i]
		}
	}
	if bits == nil {
		return nil, 0, true
	}
	return bits, n - bitutil.CountSetBits(bits, 0, n), true
}

func newPrimitiveSlow[T number](t types.Type, vals []T, valid []bool) arrow.Array {
	b := array.NewBuilder(types.Allocator, types.ArrowType(t))
	defer b.Release()
	switch x := b.(type) {
	case *array.Int16Builder:
		x.AppendValues(any(vals).([]int16), valid)
	case *array.Int32Builder:
		x.AppendValues(any(vals).([]int32), valid)
	case *array.Int64Builder:
		x.AppendValues(any(vals).([]int64), valid)
	case *array.Float32Builder:
		x.AppendValues(any(vals).([]float32), valid)
	case *array.Float64Builder:
		x.AppendValues(any(vals).([]float64), valid)
	}
	return b.NewArray()
}

func newBoolsBits(vals []bool, arrs ...arrow.Array) arrow.Array {
	n := len(vals)
	bits, nulls, ok := andBitmaps(n, arrs...)
	if !ok {
		return newBools(vals, validity(n, arrs...))
	}
	vb := make([]byte, bitutil.BytesForBits(int64(n)))
	for i, v := range vals {
		if v {
			bitutil.SetBit(vb, i)
		}
	}
	var bitmap *memory.Buffer
	if bits != nil {
		bitmap = memory.NewBufferBytes(bits)
	}
	data := array.NewData(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{bitmap, memory.NewBufferBytes(vb)}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

func newBools(vals []bool, valid []bool) arrow.Array {
	b := array.NewBooleanBuilder(types.Allocator)
	defer b.Release()
	b.AppendValues(vals, valid)
	return b.NewArray()
}

// vecArith returns the kernel of an arithmetic operator on type t.
func vecArith(op string, t types.Type) vecFn {
	switch t.Kind {
	case types.KindInt16:
		return intArith[int16](op, t)
	case types.KindInt32:
		return intArith[int32](op, t)
	case types.KindInt64:
		return intArith[int64](op, t)
	case types.KindFloat32:
		return floatArith[float32](op, t)
	case types.KindFloat64:
		return floatArith[float64](op, t)
	}
	return nil
}

func intArith[T int16 | int32 | int64](op string, t types.Type) vecFn {
	if op == "^" {
		return nil
	}
	lo, hi := intBounds(t.Kind)
	return func(ctx *Context, c *Call, args []arrow.Array, n int) (arrow.Array, error) {
		x, y := values[T](args[0]), values[T](args[1])
		if x == nil || y == nil {
			return nil, nil
		}
		if op == "+" || op == "-" {
			if out, ok := fastAddSub(t, op, x[:n], y[:n], args, lo, hi); ok {
				return out, nil
			}
		}
		valid := validity(n, args[0], args[1])
		out := make([]T, n)
		for i := 0; i < n; i++ {
			if valid != nil && !valid[i] {
				continue
			}
			a, b := int64(x[i]), int64(y[i])
			var r int64
			bad := false
			switch op {
			case "+":
				r = a + b
				if t.Kind == types.KindInt64 {
					bad = (a > 0 && b > 0 && r < 0) || (a < 0 && b < 0 && r >= 0)
				} else {
					bad = r < lo || r > hi
				}
			case "-":
				r = a - b
				if t.Kind == types.KindInt64 {
					bad = (a >= 0 && b < 0 && r < 0) || (a < 0 && b > 0 && r >= 0)
				} else {
					bad = r < lo || r > hi
				}
			case "*":
				if t.Kind == types.KindInt64 {
					d, err := mulInt(a, b, t)
					if err != nil {
						bad = true
					} else {
						r = d.(int64)
					}
				} else {
					r = a * b
					bad = r < lo || r > hi
				}
			case "/", "%":
				if b == 0 || (b == -1 && a == lo && op == "/") {
					var err error
					if op == "/" {
						_, err = divInt(a, b, t)
					} else {
						_, err = modInt(a, b)
					}
					if _, err = ctx.fail(err); err != nil {
						return nil, err
					}
					valid = setNull(valid, n, i)
					continue
				}
				if b == -1 {
					if op == "/" {
						r = -a
					}
				} else if op == "/" {
					r = a / b
				} else {
					r = a % b
				}
			}
			if bad {
				if _, err := ctx.fail(intRangeErr(t)); err != nil {
					return nil, err
				}
				valid = setNull(valid, n, i)
				continue
			}
			out[i] = T(r)
		}
		return newPrimitive(t, out, valid), nil
	}
}

func setNull(valid []bool, n, i int) []bool {
	if valid == nil {
		valid = make([]bool, n)
		for j := range valid {
			valid[j] = true
		}
	}
	valid[i] = false
	return valid
}

func floatArith[T float32 | float64](op string, t types.Type) vecFn {
	if op == "^" || op == "%" {
		return nil
	}
	return func(ctx *Context, c *Call, args []arrow.Array, n int) (arrow.Array, error) {
		x, y := values[T](args[0]), values[T](args[1])
		if x == nil || y == nil {
			return nil, nil
		}
		valid := validity(n, args[0], args[1])
		out := make([]T, n)
		for i := 0; i < n; i++ {
			if valid != nil && !valid[i] {
				continue
			}
			a, b := float64(x[i]), float64(y[i])
			var r float64
			switch op {
			case "+":
				r = a + b
			case "-":
				r = a - b
			case "*":
				r = a * b
				if r == 0 && a != 0 && b != 0 {
					goto slow
				}
			case "/":
				if b == 0 {
					goto slow
				}
				r = a / b
				if r == 0 && a != 0 && !math.IsInf(b, 0) {
					goto slow
				}
			}
			if t.Kind == types.KindFloat32 {
				r32 := float32(r)
				if math.IsInf(float64(r32), 0) && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
					goto slow
				}
				out[i] = T(r32)
				continue
			}
			if math.IsInf(r, 0) && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
				goto slow
			}
			out[i] = T(r)
			continue
		slow:
			{
				d, err := arithImplRow(op, a, b, t)
				if err != nil {
					if _, err = ctx.fail(err); err != nil {
						return nil, err
					}
					valid = setNull(valid, n, i)
					continue
				}
				out[i] = T(d.(float64))
			}
		}
		return newPrimitive(t, out, valid), nil
	}
}

func arithImplRow(op string, a, b float64, t types.Type) (types.Datum, error) {
	switch op {
	case "+":
		return addFloat(a, b, t)
	case "-":
		return subFloat(a, b, t)
	case "*":
		return mulFloat(a, b, t)
	}
	return divFloat(a, b, t)
}

func vecNeg(t types.Type) vecFn {
	return func(ctx *Context, c *Call, args []arrow.Array, n int) (arrow.Array, error) {
		switch t.Kind {
		case types.KindFloat64:
			x := values[float64](args[0])
			out := make([]float64, n)
			for i := range out {
				out[i] = -x[i]
			}
			return newPrimitive(t, out, validity(n, args[0])), nil
		case types.KindInt64:
			x := values[int64](args[0])
			out := make([]int64, n)
			valid := validity(n, args[0])
			for i := range out {
				if x[i] == math.MinInt64 && (valid == nil || valid[i]) {
					return nil, nil
				}
				out[i] = -x[i]
			}
			return newPrimitive(t, out, valid), nil
		}
		return nil, nil
	}
}

func cmpResult(op string, c int) bool {
	switch op {
	case "=":
		return c == 0
	case "<>":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

// vecCompare returns the kernel of a comparison on type t.
func vecCompare(op string, t types.Type) vecFn {
	switch t.Kind {
	case types.KindInt16:
		return numCompare[int16](op)
	case types.KindInt32:
		return numCompare[int32](op)
	case types.KindInt64, types.KindDate, types.KindTimestamp, types.KindTimestamptz:
		return numCompare[int64](op)
	case types.KindFloat32:
		return floatCompare[float32](op)
	case types.KindFloat64:
		return floatCompare[float64](op)
	case types.KindVarchar:
		return func(ctx *Context, c *Call, args []arrow.Array, n int) (arrow.Array, error) {
			x, ok1 := args[0].(*array.String)
			y, ok2 := args[1].(*array.String)
			if !ok1 || !ok2 {
				return nil, nil
			}
			out := make([]bool, n)
			for i := 0; i < n; i++ {
				a, b := x.Value(i), y.Value(i)
				switch op {
				case "=":
					out[i] = a == b
				case "<>":
					out[i] = a != b
				case "<":
					out[i] = a < b
				case "<=":
					out[i] = a <= b
				case ">":
					out[i] = a > b
				default:
					out[i] = a >= b
				}
			}
			return newBools(out, validity(n, args[0], args[1])), nil
		}
	case types.KindBool:
		return func(ctx *Context, c *Call, args []arrow.Array, n int) (arrow.Array, error) {
			x, y := args[0].(*array.Boolean), args[1].(*array.Boolean)
			out := make([]bool, n)
			for i := 0; i < n; i++ {
				a, b := b2i(x.Value(i)), b2i(y.Value(i))
				out[i] = cmpResult(op, a-b)
			}
			return newBools(out, validity(n, args[0], args[1])), nil
		}
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func numCompare[T int16 | int32 | int64](op string) vecFn {
	return func(ctx *Context, c *Call, args []arrow.Array, n int) (arrow.Array, error) {
		x, y := values[T](args[0]), values[T](args[1])
		if x == nil || y == nil {
			return nil, nil
		}
		out := make([]bool, n)
		x, y = x[:n], y[:n]
		switch op {
		case "=":
			for i := range out {
				out[i] = x[i] == y[i]
			}
		case "<>":
			for i := range out {
				out[i] = x[i] != y[i]
			}
		case "<":
			for i := range out {
				out[i] = x[i] < y[i]
			}
		case "<=":
			for i := range out {
				out[i] = x[i] <= y[i]
			}
		case ">":
			for i := range out {
				out[i] = x[i] > y[i]
			}
		default:
			for i := range out {
				out[i] = x[i] >= y[i]
			}
		}
		return newBoolsBits(out, args[0], args[1]), nil
	}
}

func floatCompare[T float32 | float64](op string) vecFn {
	return func(ctx *Context, c *Call, args []arrow.Array, n int) (arrow.Array, error) {
		x, y := values[T](args[0]), values[T](args[1])
		if x == nil || y == nil {
			return nil, nil
		}
		out := make([]bool, n)
		for i := range out {
			a, b := float64(x[i]), float64(y[i])
			var c int
			switch {
			case math.IsNaN(a) || math.IsNaN(b):
				c = types.Compare(a, b)
			case a < b:
				c = -1
			case a > b:
				c = 1
			}
			out[i] = cmpResult(op, c)
		}
		return newBools(out, validity(n, args[0], args[1])), nil
	}
}

// vecCast handles the cheap numeric widenings; nil means "not handled".
func vecCast(a arrow.Array, from, to types.Type) arrow.Array {
	n := a.Len()
	switch {
	case from.IsInteger() && (to.Kind == types.KindInt64 || to.Kind == types.KindFloat64) && numRank(to.Kind) > numRank(from.Kind):
		valid := validity(n, a)
		if to.Kind == types.KindInt64 {
			out := make([]int64, n)
			switch x := a.(type) {
			case *array.Int16:
				for i, v := range x.Int16Values() {
					out[i] = int64(v)
				}
			case *array.Int32:
				for i, v := range x.Int32Values() {
					out[i] = int64(v)
				}
			}
			return newPrimitive(to, out, valid)
		}
		out := make([]float64, n)
		switch x := a.(type) {
		case *array.Int16:
			for i, v := range x.Int16Values() {
				out[i] = float64(v)
			}
		case *array.Int32:
			for i, v := range x.Int32Values() {
				out[i] = float64(v)
			}
		case *array.Int64:
			for i, v := range x.Int64Values() {
				out[i] = float64(v)
			}
		}
		return newPrimitive(to, out, valid)
	case from.Kind == types.KindInt16 && to.Kind == types.KindInt32:
		out := make([]int32, n)
		for i, v := range a.(*array.Int16).Int16Values() {
			out[i] = int32(v)
		}
		return newPrimitive(to, out, validity(n, a))
	case from.Kind == types.KindFloat32 && to.Kind == types.KindFloat64:
		out := make([]float64, n)
		for i, v := range a.(*array.Float32).Float32Values() {
			out[i] = float64(v)
		}
		return newPrimitive(to, out, validity(n, a))
	}
	return nil
}

func vecNot(a *array.Boolean) arrow.Array {
	n := a.Len()
	out := make([]bool, n)
	for i := range out {
		out[i] = !a.Value(i)
	}
	return newBools(out, validity(n, a))
}

func vecIsNull(a arrow.Array, not bool) arrow.Array {
	n := a.Len()
	out := make([]bool, n)
	for i := range out {
		out[i] = a.IsNull(i) != not
	}
	return newBools(out, nil)
}

// evalLogic evaluates AND (and=true) or OR over a chunk. The arguments are
// evaluated vectorized in strict mode; if one fails, the expression is
// evaluated row by row so that short-circuiting avoids errors on rows that
// do not need the failing argument.
func evalLogic(ctx *Context, e Expr, args []Expr, c *types.Chunk, and bool) (arrow.Array, error) {
	n := c.NumRows()
	sctx := ctx.strict()
	vals := make([]bool, n)
	nulls := make([]bool, n)
	for i := range vals {
		vals[i] = and
	}
	for _, a := range args {
		arr, err := a.Eval(sctx, c)
		if err != nil {
			return evalRowwise(ctx, e, c)
		}
		b := arr.(*array.Boolean)
		for i := 0; i < n; i++ {
			if b.IsNull(i) {
				nulls[i] = true
				continue
			}
			if v := b.Value(i); v != and {
				vals[i] = v
			}
		}
		arr.Release()
	}
	var valid []bool
	for i := 0; i < n; i++ {
		if vals[i] == and && nulls[i] {
			valid = setNull(valid, n, i)
		}
	}
	return newBools(vals, valid), nil
}

// fastAddSub adds or subtracts without per-row branches; it declines (ok
// false) when some valid row overflows, leaving errors to the slow path.
func fastAddSub[T int16 | int32 | int64](t types.Type, op string, x, y []T, args []arrow.Array, lo, hi int64) (arrow.Array, bool) {
	n := len(x)
	bits, nulls, ok := andBitmaps(n, args[0], args[1])
	if !ok {
		return nil, false
	}
	out := make([]T, n)
	var over T
	if t.Kind == types.KindInt64 {
		if op == "+" {
			for i := range out {
				r := x[i] + y[i]
				over |= (x[i] ^ r) & (y[i] ^ r)
				out[i] = r
			}
		} else {
			for i := range out {
				r := x[i] - y[i]
				over |= (x[i] ^ y[i]) & (x[i] ^ r)
				out[i] = r
			}
		}
		if over < 0 {
			return nil, false
		}
	} else {
		bad := false
		for i := range out {
			var r int64
			if op == "+" {
				r = int64(x[i]) + int64(y[i])
			} else {
				r = int64(x[i]) - int64(y[i])
			}
			bad = bad || r < lo || r > hi
			out[i] = T(r)
		}
		if bad {
			return nil, false
		}
	}
	_ = over
	return newPrimitiveBits(t, out, bits, nulls), true
}
