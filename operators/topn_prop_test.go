package operators

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/internal/zset"
	"github.com/eddysql/eddy/types"
)

// naiveTopN recomputes a top-N from scratch: rows grouped by partition,
// sorted by (v with its direction and NULL placement, then id), ranked, and
// filtered on lo < rank <= hi. Written independently of GroupTopN.
func naiveTopN(rows []types.Row, desc, nullsFirst bool, kind RankKind, limit, offset int64, rankCol bool) zset.ZSet {
	parts := map[int64][]types.Row{}
	for _, r := range rows {
		parts[r[0].(int64)] = append(parts[r[0].(int64)], r)
	}
	less := func(a, b types.Row) int {
		av, bv := a[2], b[2]
		switch {
		case av == nil && bv != nil:
			if nullsFirst {
				return -1
			}
			return 1
		case av != nil && bv == nil:
			if nullsFirst {
				return 1
			}
			return -1
		case av != nil && bv != nil && av.(int64) != bv.(int64):
			if (av.(int64) < bv.(int64)) != desc {
				return -1
			}
			return 1
		}
		if a[1].(int64) < b[1].(int64) {
			return -1
		}
		return 1
	}
	same := func(a, b types.Datum) bool {
		if a == nil || b == nil {
			return a == nil && b == nil
		}
		return a.(int64) == b.(int64)
	}
	out := zset.New()
	for _, ps := range parts {
		slices.SortFunc(ps, less)
		var rank, dense int64
		for i, r := range ps {
			if i == 0 || !same(ps[i-1][2], r[2]) {
				rank = int64(i + 1)
				dense++
			}
			rk := int64(i + 1)
			switch kind {
			case Rank:
				rk = rank
			case DenseRank:
				rk = dense
			}
			if rk <= offset || (limit >= 0 && rk > offset+limit) {
				continue
			}
			o := r
			if rankCol {
				o = append(r.Copy(), rk)
			}
			out.Add(o, 1)
		}
	}
	return out
}

func TestTopNProperty(t *testing.T) {
	type cfg struct {
		kind          RankKind
		limit, offset int64
		desc, nf      bool
		rankCol       bool
		appendOnly    bool
	}
	var cfgs []cfg
	for _, k := range []RankKind{RowNumber, Rank, DenseRank} {
		cfgs = append(cfgs,
			cfg{k, 3, 0, true, true, true, false},
			cfg{k, 2, 1, false, false, false, false},
			cfg{k, 1, 0, true, false, true, false}, // DESC NULLS LAST: full-load path
			cfg{k, 5, 2, false, false, true, false},
			cfg{k, -1, 3, true, true, true, false},
			cfg{k, 2, 0, false, false, false, true},
		)
	}
	for ci, c := range cfgs {
		for seed := uint64(1); seed <= 4; seed++ {
			t.Run(fmt.Sprintf("%s/cfg%d/seed%d", c.kind, ci, seed), func(t *testing.T) {
				a := GroupTopNArgs{PartitionBy: []int{0}, OrderBy: []expr.SortKey{{Col: 2, Desc: c.desc, NullsFirst: c.nf}},
					Limit: c.limit, Offset: c.offset, Kind: c.kind, RankCol: c.rankCol, AppendOnly: c.appendOnly, CachePartitions: 2}
				h := newHarness(t, topnBuilder(a))
				defer h.close()
				rng := rand.New(rand.NewPCG(seed, uint64(ci)))
				live := map[int64]types.Row{}
				nextID := int64(1)
				got := zset.New()
				keyed := map[string]types.Row{} // the output applied by stream key (id)
				for epoch := uint64(1); epoch <= 40; epoch++ {
					var ops []types.Op
					var rows []types.Row
					for range rng.IntN(30) + 1 {
						if len(live) > 0 && !c.appendOnly && rng.IntN(3) == 0 {
							// delete (or update) a random live row, often a top one
							ids := make([]int64, 0, len(live))
							for id := range live {
								ids = append(ids, id)
							}
							slices.Sort(ids)
							id := ids[rng.IntN(len(ids))]
							old := live[id]
							if rng.IntN(2) == 0 {
								ops = append(ops, types.Delete)
								rows = append(rows, old)
								delete(live, id)
							} else {
								part := old[0]
								if rng.IntN(3) == 0 {
									part = int64(rng.IntN(3)) // moves to another partition
								}
								nr := types.Row{part, id, topnRandV(rng)}
								ops = append(ops, types.UpdateDelete, types.UpdateInsert)
								rows = append(rows, old, nr)
								live[id] = nr
							}
							continue
						}
						r := types.Row{int64(rng.IntN(3)), nextID, topnRandV(rng)}
						nextID++
						ops = append(ops, types.Insert)
						rows = append(rows, r)
						live[r[1].(int64)] = r
					}
					in := types.NewChunk(topnTypes, ops, rows)
					for _, ch := range rechunk([]*types.Chunk{in}, 1+rng.IntN(7)) {
						h.push(0, ch)
					}
					h.barrier(epoch)
					got.AddAll(h.takeKeyed([]int{1}, keyed), 1)
					var all []types.Row
					for _, r := range live {
						all = append(all, r)
					}
					want := naiveTopN(all, c.desc, c.nf, c.kind, c.limit, c.offset, c.rankCol)
					if !zset.Equal(got, want) {
						t.Fatalf("epoch %d: output integral differs from naive top-n\n got:\n%s\nwant:\n%s", epoch, got, want)
					}
					if rng.IntN(8) == 0 {
						h.commit(epoch)
						h.restart()
					}
				}
			})
		}
	}
}

func topnRandV(rng *rand.Rand) types.Datum {
	if rng.IntN(10) == 0 {
		return nil
	}
	return int64(rng.IntN(8))
}
