package operators

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

var changelogIn = []types.Type{types.Int64, types.Varchar}

func changelogBuilder(s *state.Store) (Node, error) {
	return NewChangelog(ChangelogArgs{InputTypes: changelogIn, Store: s, Table: types.TableLayout{ID: 12, Name: "changelog"}})
}

func TestChangelogScript(t *testing.T) {
	runScripts(t, "testdata/changelog.txt", map[string]buildFunc{"changelog": changelogBuilder})
}

// TestChangelogProperty: random changes (inserts, deletes, update pairs)
// at chunk sizes 1, 3 and 1024 with restarts after commits. The output, in
// order, must be exactly the input changes, each an insert carrying its
// op's code and the ids 1, 2, 3 … in arrival order.
func TestChangelogProperty(t *testing.T) {
	codes := map[types.Op]int64{types.Insert: 1, types.Delete: 2, types.UpdateInsert: 3, types.UpdateDelete: 4}
	for _, size := range []int{1, 3, 1024} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(size), 5))
			h := newHarness(t, changelogBuilder)
			defer h.close()
			var want []types.Row
			for e := uint64(1); e <= 30; e++ {
				var ch []change
				for range rng.IntN(7) {
					r := types.Row{int64(rng.IntN(5)), []string{"a", "b"}[rng.IntN(2)]}
					if rng.IntN(3) == 0 {
						r2 := types.Row{r[0], "c"}
						ch = append(ch, change{types.UpdateDelete, r}, change{types.UpdateInsert, r2})
						continue
					}
					op := types.Insert
					if rng.IntN(2) == 0 {
						op = types.Delete
					}
					ch = append(ch, change{op, r})
				}
				for _, c := range ch {
					want = append(want, types.Row{c.row[0], c.row[1], codes[c.op], int64(len(want) + 1)})
				}
				for _, c := range chunksOf(changelogIn, ch, size) {
					h.push(0, c)
				}
				h.barrier(e)
				if rng.IntN(4) == 0 {
					h.commit(e)
					h.restart()
				}
			}
			var got []types.Row
			for _, c := range h.out.Chunks {
				for i := 0; i < c.NumRows(); i++ {
					if c.Ops[i] != types.Insert {
						t.Fatalf("op %v, want inserts only", c.Ops[i])
					}
					got = append(got, c.Row(i))
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for i := range got {
				if !types.RowsEqual(got[i], want[i]) {
					t.Fatalf("row %d: got %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}
