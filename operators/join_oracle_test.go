package operators

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/internal/zset"
	"github.com/eddysql/eddy/types"
)

// cmpCond is a residual condition for join tests: pair[A] <op> pair[B]
// with SQL three-valued logic (NULL when either side is NULL). It is
// written here so the join tests do not depend on the function library.
type cmpCond struct {
	Op   string // "<", "<=", "=", "<>"
	A, B int
}

var _ expr.Expr = (*cmpCond)(nil)

func (c *cmpCond) Type() types.Type { return types.Bool }
func (c *cmpCond) String() string   { return fmt.Sprintf("$%d %s $%d", c.A, c.Op, c.B) }

func (c *cmpCond) EvalRow(_ *expr.Context, r types.Row) (types.Datum, error) {
	a, b := r[c.A], r[c.B]
	if a == nil || b == nil {
		return nil, nil
	}
	x := types.Compare(a, b)
	switch c.Op {
	case "<":
		return x < 0, nil
	case "<=":
		return x <= 0, nil
	case "=":
		return x == 0, nil
	case "<>":
		return x != 0, nil
	}
	return nil, fmt.Errorf("cmpCond: bad op %q", c.Op)
}

func (c *cmpCond) Eval(ctx *expr.Context, ch *types.Chunk) (arrow.Array, error) {
	b := array.NewBooleanBuilder(types.Allocator)
	defer b.Release()
	for i := 0; i < ch.NumRows(); i++ {
		d, err := c.EvalRow(ctx, ch.Row(i))
		if err != nil {
			return nil, err
		}
		if d == nil {
			b.AppendNull()
		} else {
			b.Append(d.(bool))
		}
	}
	return b.NewArray(), nil
}

// naiveJoin computes a join of two bags of rows by nested loops, straight
// from SQL semantics; it is the reference the incremental join must match.
func naiveJoin(a HashJoinArgs, left, right zset.ZSet) (zset.ZSet, error) {
	out := zset.New()
	nl, nr := len(a.LeftTypes), len(a.RightTypes)
	n := len(a.LeftKeys)
	ctx := &expr.Context{}
	// holds evaluates the residual condition to TRUE/FALSE/NULL (nil).
	holds := func(l, r types.Row) (types.Datum, error) {
		if a.Cond == nil {
			return true, nil
		}
		pair := append(append(types.Row{}, l...), r...)
		return a.Cond.EvalRow(ctx, pair)
	}
	// keyEq is SQL "=" on key k (or IS NOT DISTINCT FROM when null-safe).
	keyEq := func(k int, l, r types.Row) bool {
		x, y := l[a.LeftKeys[k]], r[a.RightKeys[k]]
		if a.NullSafe != nil && a.NullSafe[k] {
			return types.Equal(x, y)
		}
		return x != nil && y != nil && types.Compare(x, y) == 0
	}
	matches := func(l, r types.Row) (bool, error) {
		for k := 0; k < n; k++ {
			if !keyEq(k, l, r) {
				return false, nil
			}
		}
		c, err := holds(l, r)
		return c == true, err
	}
	nulls := func(k int) types.Row { return make(types.Row, k) }
	project := func(r types.Row) types.Row {
		if a.OutputCols == nil {
			return r
		}
		return r.Project(a.OutputCols)
	}
	switch a.Kind {
	case JoinInner, JoinLeftOuter, JoinRightOuter, JoinFullOuter:
		rightMatched := map[string]bool{}
		for _, le := range left {
			matched := false
			for rk, re := range right {
				ok, err := matches(le.Row, re.Row)
				if err != nil {
					return nil, err
				}
				if ok {
					matched = true
					rightMatched[rk] = true
					out.Add(project(append(append(types.Row{}, le.Row...), re.Row...)), le.Weight*re.Weight)
				}
			}
			if !matched && (a.Kind == JoinLeftOuter || a.Kind == JoinFullOuter) {
				out.Add(project(append(append(types.Row{}, le.Row...), nulls(nr)...)), le.Weight)
			}
		}
		if a.Kind == JoinRightOuter || a.Kind == JoinFullOuter {
			for rk, re := range right {
				if !rightMatched[rk] {
					out.Add(project(append(nulls(nl), re.Row...)), re.Weight)
				}
			}
		}
	case JoinLeftSemi, JoinLeftAnti:
		for _, le := range left {
			found := false
			for _, re := range right {
				ok, err := matches(le.Row, re.Row)
				if err != nil {
					return nil, err
				}
				found = found || ok
			}
			if found == (a.Kind == JoinLeftSemi) {
				out.Add(project(le.Row), le.Weight)
			}
		}
	case JoinRightSemi, JoinRightAnti:
		for _, re := range right {
			found := false
			for _, le := range left {
				ok, err := matches(le.Row, re.Row)
				if err != nil {
					return nil, err
				}
				found = found || ok
			}
			if found == (a.Kind == JoinRightSemi) {
				out.Add(project(re.Row), re.Weight)
			}
		}
	case JoinNullAwareAnti:
		// l.a NOT IN (SELECT r.b FROM right WHERE <other keys> AND cond):
		// TRUE when the subquery is empty; otherwise FALSE if some r.b =
		// l.a, else NULL if l.a or some r.b is NULL, else TRUE.
		la, rb := a.LeftKeys[n-1], a.RightKeys[n-1]
		for _, le := range left {
			var sub []types.Row
			for _, re := range right {
				ok := true
				for k := 0; k < n-1; k++ {
					ok = ok && keyEq(k, le.Row, re.Row)
				}
				if !ok {
					continue
				}
				c, err := holds(le.Row, re.Row)
				if err != nil {
					return nil, err
				}
				if c == true {
					sub = append(sub, re.Row)
				}
			}
			var notIn types.Datum = true
			if len(sub) > 0 {
				x := le.Row[la]
				sawNull := x == nil
				for _, r := range sub {
					y := r[rb]
					if y == nil {
						sawNull = true
					} else if x != nil && types.Compare(x, y) == 0 {
						notIn = false
						break
					}
				}
				if notIn == true && sawNull {
					notIn = nil
				}
			}
			if notIn == true {
				out.Add(project(le.Row), le.Weight)
			}
		}
	default:
		return nil, fmt.Errorf("naiveJoin: kind %v", a.Kind)
	}
	return out, nil
}
