package operators

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortKeyedGroups checks the flush order sort against a comparison
// sort on dense, sparse, negative and extreme keys, small and large.
func TestSortKeyedGroups(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	gens := map[string]func() int64{
		"dense":    func() int64 { return rnd.Int64N(100_000) },
		"negative": func() int64 { return rnd.Int64N(1<<30) - 1<<29 },
		"wide":     func() int64 { return rnd.Int64N(1<<43) - 1<<42 },
		"any":      func() int64 { return int64(rnd.Uint64()) },
	}
	var tmp []keyedGroup
	for name, gen := range gens {
		for _, n := range []int{0, 1, 255, 256, 1000, 20_000} {
			seen := map[int64]bool{}
			var gs []keyedGroup
			for len(gs) < n {
				if k := gen(); !seen[k] {
					seen[k] = true
					gs = append(gs, keyedGroup{k: k, g: &group{ikey: k}})
				}
			}
			if name == "dense" && n == 256 {
				// The extremes of int64: a span needing every bit.
				gs[0].k, gs[1].k = math.MinInt64, math.MaxInt64
				gs[0].g.ikey, gs[1].g.ikey = math.MinInt64, math.MaxInt64
			}
			want := slices.Clone(gs)
			slices.SortStableFunc(want, func(a, b keyedGroup) int {
				switch {
				case a.k < b.k:
					return -1
				case a.k > b.k:
					return 1
				}
				return 0
			})
			tmp = sortKeyedGroups(gs, tmp)
			for i := range gs {
				if gs[i].k != want[i].k || gs[i].g.ikey != gs[i].k {
					t.Fatalf("%s, n=%d: position %d holds %d, want %d", name, n, i, gs[i].k, want[i].k)
				}
			}
		}
	}
}
