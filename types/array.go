package types

import "cmp"

// Multidimensional arrays. A value of an array type is an Array; a
// multidimensional value is an Array of Arrays (one level per extra
// dimension), rectangular as in Postgres: every sub-array of a level has the
// same length.

// ArrayDims returns the dimensions of a (rectangular) array value: nil for
// an empty array, one length per level otherwise.
func ArrayDims(a Array) []int {
	if len(a) == 0 {
		return nil
	}
	var dims []int
	for cur := a; ; {
		dims = append(dims, len(cur))
		if len(cur) == 0 {
			return dims
		}
		sub, ok := cur[0].(Array)
		if !ok {
			return dims
		}
		cur = sub
	}
}

// FlattenArray returns the dimensions of a and its elements in row-major
// order.
func FlattenArray(a Array) ([]int, Array) {
	dims := ArrayDims(a)
	if len(dims) <= 1 {
		return dims, a
	}
	n := 1
	for _, d := range dims {
		n *= d
	}
	flat := make(Array, 0, n)
	regular := true
	var walk func(x Array, depth int)
	walk = func(x Array, depth int) {
		if len(x) != dims[depth] {
			regular = false
		}
		for _, e := range x {
			sub, isArr := e.(Array)
			if depth+1 < len(dims) && isArr {
				walk(sub, depth+1)
				continue
			}
			if depth+1 < len(dims) || isArr {
				regular = false
			}
			if isArr {
				// A ragged value (never built by SQL functions): keep its
				// leaves.
				_, leaves := FlattenArray(sub)
				flat = append(flat, leaves...)
				continue
			}
			flat = append(flat, e)
		}
	}
	walk(a, 0)
	if !regular {
		return nil, flat
	}
	return dims, flat
}

// ReshapeArray builds the nested value of the given dimensions from
// elements in row-major order.
func ReshapeArray(flat Array, dims []int) Array {
	if len(dims) <= 1 {
		return flat
	}
	step := len(flat) / max(dims[0], 1)
	out := make(Array, dims[0])
	for i := range out {
		out[i] = ReshapeArray(flat[i*step:(i+1)*step], dims[1:])
	}
	return out
}

// compareArrays orders arrays as Postgres does: by their elements in
// row-major order, then by element count, rank and dimensions.
func compareArrays(x, y Array) int {
	dx, fx := FlattenArray(x)
	dy, fy := FlattenArray(y)
	for i := 0; i < len(fx) && i < len(fy); i++ {
		if c := Compare(fx[i], fy[i]); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(len(fx), len(fy)); c != 0 {
		return c
	}
	if c := cmp.Compare(len(dx), len(dy)); c != 0 {
		return c
	}
	for i := range dx {
		if c := cmp.Compare(dx[i], dy[i]); c != 0 {
			return c
		}
	}
	return 0
}
