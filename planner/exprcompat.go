package planner

// This file isolates the planner's knowledge of the shapes of expr.AggCall
// and expr.SortKey, so that a change there touches one place.

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/types"
)

func newSortKey(col int, desc, nullsFirst bool) expr.SortKey {
	return expr.SortKey{Col: col, Desc: desc, NullsFirst: nullsFirst}
}

func sortCol(k expr.SortKey) int         { return k.Col }
func sortDesc(k expr.SortKey) bool       { return k.Desc }
func sortNullsFirst(k expr.SortKey) bool { return k.NullsFirst }

func withSortCol(k expr.SortKey, col int) expr.SortKey { k.Col = col; return k }

// aggSpec is the planner's own description of an aggregate call, converted
// to expr.AggCall by toAggCall.
type aggSpec struct {
	Name     string
	Args     []int
	Distinct bool
	Filter   int // column holding the FILTER condition, -1 for none
	OrderBy  []expr.SortKey
	Type     types.Type
	ArgTypes []types.Type
}

func toAggCall(s aggSpec) expr.AggCall {
	return expr.AggCall{Name: s.Name, Args: s.Args, ArgTypes: s.ArgTypes, Distinct: s.Distinct, Filter: s.Filter, OrderBy: s.OrderBy, Type: s.Type}
}

func fromAggCall(a expr.AggCall) aggSpec {
	return aggSpec{Name: a.Name, Args: a.Args, ArgTypes: a.ArgTypes, Distinct: a.Distinct, Filter: a.Filter, OrderBy: a.OrderBy, Type: a.Type}
}

func aggType(a expr.AggCall) types.Type { return a.Type }

// remapAgg rewrites the input column positions of an aggregate call.
func remapAgg(a expr.AggCall, m func(int) int) expr.AggCall {
	s := fromAggCall(a)
	args := make([]int, len(s.Args))
	for i, x := range s.Args {
		args[i] = m(x)
	}
	s.Args = args
	if s.Filter >= 0 {
		s.Filter = m(s.Filter)
	}
	ob := make([]expr.SortKey, len(s.OrderBy))
	for i, k := range s.OrderBy {
		ob[i] = withSortCol(k, m(sortCol(k)))
	}
	if s.OrderBy == nil {
		ob = nil
	}
	s.OrderBy = ob
	return toAggCall(s)
}

// aggInputs returns every input column an aggregate call reads.
func aggInputs(a expr.AggCall) []int {
	s := fromAggCall(a)
	cols := append([]int(nil), s.Args...)
	if s.Filter >= 0 {
		cols = append(cols, s.Filter)
	}
	for _, k := range s.OrderBy {
		cols = append(cols, sortCol(k))
	}
	return cols
}

func aggString(a expr.AggCall) string {
	s := fromAggCall(a)
	var b strings.Builder
	b.WriteString(s.Name)
	b.WriteByte('(')
	if s.Distinct {
		b.WriteString("distinct ")
	}
	if len(s.Args) == 0 {
		b.WriteByte('*')
	}
	b.WriteString(intListBare(s.Args))
	if len(s.OrderBy) > 0 {
		b.WriteString(" order by " + strings.Trim(sortKeys(s.OrderBy), "[]"))
	}
	b.WriteByte(')')
	if s.Filter >= 0 {
		fmt.Fprintf(&b, " filter $%d", s.Filter)
	}
	return b.String()
}
