package engine

import (
	"github.com/eddysql/eddy/operators"
	"github.com/eddysql/eddy/planner"
)

// buildOverWindow builds the OverWindow operator of a StreamOverWindow
// (default frames only: the planner rejects explicit frames).
func buildOverWindow(b *builder, n *planner.StreamOverWindow) (*operators.OverWindow, error) {
	calls := make([]operators.WindowCall, len(n.Funcs))
	for i, f := range n.Funcs {
		c := operators.WindowCall{Name: f.Name, Args: f.Args, Distinct: f.Distinct, Filter: -1, Type: f.Type}
		if (f.Name == "lag" || f.Name == "lead") && len(f.Args) == 1 {
			c.Offset = 1
		}
		calls[i] = c
	}
	return operators.NewOverWindow(operators.OverWindowArgs{
		PartitionBy: n.PartitionBy,
		OrderBy:     n.OrderBy,
		Calls:       calls,
		InputTypes:  n.Input.Schema().Types(),
		StreamKey:   keyOrAllCols(n.Input),
		Store:       b.store,
		Table:       n.Table,
	})
}
