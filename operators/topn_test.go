package operators

import (
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// Input of the top-N scripts: (p, id, v): partition p, stream key id,
// ranked by v.
var topnTypes = []types.Type{types.Int64, types.Int64, types.Int64}

func topnBuilder(a GroupTopNArgs) buildFunc {
	return func(s *state.Store) (Node, error) {
		a.Store = s
		if a.InputTypes == nil {
			a.InputTypes = topnTypes
		}
		if a.StreamKey == nil {
			a.StreamKey = []int{1}
		}
		a.Table = GroupTopNLayout(1, "topn", a.InputTypes, a.PartitionBy, a.OrderBy, a.StreamKey)
		return NewGroupTopN(a)
	}
}

var (
	topnVDesc = []expr.SortKey{{Col: 2, Desc: true, NullsFirst: true}}
	topnVAsc  = []expr.SortKey{{Col: 2}}
)

func TestTopNScripts(t *testing.T) {
	runTimeScripts(t, "testdata/topn_basic.txt", map[string]buildFunc{
		"rank3":     topnBuilder(GroupTopNArgs{PartitionBy: []int{0}, OrderBy: topnVDesc, Limit: 3, Kind: Rank, RankCol: true}),
		"rownum":    topnBuilder(GroupTopNArgs{PartitionBy: []int{0}, OrderBy: topnVDesc, Limit: 2, Offset: 1, Kind: RowNumber}),
		"dense2":    topnBuilder(GroupTopNArgs{PartitionBy: []int{0}, OrderBy: topnVDesc, Limit: 2, Kind: DenseRank, RankCol: true}),
		"global":    topnBuilder(GroupTopNArgs{OrderBy: topnVAsc, Limit: 2, Kind: RowNumber}),
		"ties":      topnBuilder(GroupTopNArgs{OrderBy: topnVAsc, Limit: 2, Kind: RowNumber, WithTies: true}),
		"dedup":     topnBuilder(GroupTopNArgs{PartitionBy: []int{0}, OrderBy: topnVAsc, Limit: 1, Kind: RowNumber, AppendOnly: true}),
		"nullslast": topnBuilder(GroupTopNArgs{OrderBy: []expr.SortKey{{Col: 2, Desc: true}}, Limit: 2, Kind: RowNumber}),
		"clean":     topnBuilder(GroupTopNArgs{PartitionBy: []int{0}, OrderBy: topnVDesc, Limit: 1, Kind: RowNumber, CleanOnWatermark: true}),
		"unlimited": topnBuilder(GroupTopNArgs{PartitionBy: []int{0}, OrderBy: topnVDesc, Limit: -1, Offset: 1, Kind: Rank, RankCol: true}),
	})
}
