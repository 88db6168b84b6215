package planner

import (
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// srfCall is a set-returning function met in a SELECT list; ph is the
// placeholder standing for its value.
type srfCall struct {
	ph int
	f  *expr.SetFunc
}

// setFuncCall binds a set-returning function call of a SELECT list and
// returns the placeholder of its value.
func (c *exprCtx) setFuncCall(x *parser.FuncCall) expr.Expr {
	name := funcName(x)
	if c.srf == nil {
		where := c.clause
		if c.inAgg {
			failAt(x.Pos, sqlerr.FeatureNotSupported, "aggregate function calls cannot contain set-returning function calls")
		}
		failAt(x.Pos, sqlerr.FeatureNotSupported, "set-returning functions are not allowed in %s", where)
	}
	args := make([]expr.Expr, len(x.Args))
	for i, a := range x.Args {
		args[i] = c.bind(a)
	}
	f, err := expr.ResolveSetFunc(name, args)
	check(x.Pos, err)
	if len(f.Cols) != 1 {
		failAt(x.Pos, sqlerr.FeatureNotSupported, "set-returning function %s returning a record is only supported in FROM", name)
	}
	b := c.b
	b.nextPH++
	*c.srf = append(*c.srf, srfCall{ph: b.nextPH, f: f})
	return &placeholder{id: b.nextPH, t: f.Type()}
}

// buildProjectSets evaluates the SELECT list's set-returning functions over
// node: functions whose arguments use other set-returning functions go in
// a later ProjectSet (unnest(regexp_matches(…))).
func (b *binder) buildProjectSets(node Node, calls []srfCall) Node {
	pending := calls
	for len(pending) > 0 {
		var now, later []srfCall
		for _, c := range pending {
			resolved := true
			for _, a := range c.f.Args {
				if hasPlaceholder(b.resolvePH(a)) {
					resolved = false
				}
			}
			if resolved {
				now = append(now, c)
			} else {
				later = append(later, c)
			}
		}
		if len(now) == 0 {
			panic(bindError{sqlerr.New(sqlerr.InternalError, "unresolved set-returning function arguments")})
		}
		w := width(node)
		ps := &LogicalProjectSet{Input: node}
		for _, c := range now {
			args := make([]expr.Expr, len(c.f.Args))
			for i, a := range c.f.Args {
				args[i] = b.resolvePH(a)
			}
			ps.Funcs = append(ps.Funcs, c.f.WithArgs(args))
		}
		for i, c := range now {
			b.phs[c.ph] = colRef(w+i, c.f.Type(), c.f.Name)
		}
		node = ps
		pending = later
	}
	return node
}

// isSetTableFunc reports whether a FROM item is a set-returning function.
func isSetTableFunc(te parser.TableExpr) (*parser.TableFunc, bool) {
	tf, ok := te.(*parser.TableFunc)
	if !ok || len(tf.Func.Name) != 1 {
		return nil, false
	}
	switch funcName(tf.Func) {
	case "tumble", "hop":
		return nil, false
	}
	return tf, true
}

// bindSetTableFunc binds a set-returning function in FROM. Functions in
// FROM are implicitly LATERAL: their arguments may use the FROM items
// before them (left, with scope lsc; nil when the function comes first),
// and the function is evaluated once per left row — a ProjectSet over left.
func (b *binder) bindSetTableFunc(tf *parser.TableFunc, left Node, lsc *scope, parent *scope) (Node, *scope) {
	if left == nil {
		left = &LogicalValues{Rows: [][]expr.Expr{{}}}
		lsc = &scope{}
	}
	name := funcName(tf.Func)
	if tf.Func.Distinct || tf.Func.Star || len(tf.Func.OrderBy) > 0 || tf.Func.Filter != nil || tf.Func.Over != nil {
		failAt(tf.Pos, sqlerr.SyntaxError, "syntax error in table function %s", name)
	}
	ctx := &exprCtx{b: b, sc: &scope{cols: lsc.cols, parent: parent}, clause: "functions in FROM"}
	if !expr.IsSetReturning(name) {
		// A scalar function in FROM is a one-row relation.
		e := ctx.bind(tf.Func)
		if e.Type().Kind == types.KindUnknown {
			e = b.coerce(tf.Pos, e, types.Varchar, name)
		}
		return b.finishSetTableFunc(tf, &LogicalProjectSet{Input: left, Funcs: []*expr.SetFunc{expr.NewScalarSetFunc(name, e)}, OrdName: "ordinality", OrdVisible: tf.WithOrdinality}, lsc, parent)
	}
	args := make([]expr.Expr, len(tf.Func.Args))
	for i, a := range tf.Func.Args {
		args[i] = ctx.bind(a)
	}
	var funcs []*expr.SetFunc
	if name == "unnest" && len(args) > 1 {
		// unnest(a, b, …) in FROM zips the arrays.
		for i, a := range args {
			f, err := expr.ResolveSetFunc(name, []expr.Expr{a})
			check(tf.Func.Args[i].Position(), err)
			funcs = append(funcs, f)
		}
	} else {
		f, err := expr.ResolveSetFunc(name, args)
		check(tf.Pos, err)
		funcs = append(funcs, f)
	}
	ps := &LogicalProjectSet{Input: left, Funcs: funcs, OrdName: "ordinality", OrdVisible: tf.WithOrdinality}
	return b.finishSetTableFunc(tf, ps, lsc, parent)
}

// finishSetTableFunc names the columns of a function in FROM and returns
// the scope over left ++ function columns.
func (b *binder) finishSetTableFunc(tf *parser.TableFunc, ps *LogicalProjectSet, lsc *scope, parent *scope) (Node, *scope) {
	name := funcName(tf.Func)
	left := ps.Input
	nf := ps.funcWidth()
	qual := name
	if tf.Alias != nil {
		qual = tf.Alias.Name
		names := make([]string, nf)
		if len(tf.Alias.Columns) > 0 {
			if len(tf.Alias.Columns) > nf+boolInt(tf.WithOrdinality) {
				failAt(tf.Alias.Pos, sqlerr.SyntaxError, "table \"%s\" has %d columns available but %d columns specified", qual, nf+boolInt(tf.WithOrdinality), len(tf.Alias.Columns))
			}
			copy(names, tf.Alias.Columns)
			if tf.WithOrdinality && len(tf.Alias.Columns) > nf {
				ps.OrdName = tf.Alias.Columns[nf]
			}
		} else if nf == 1 {
			// A scalar-returning function's column takes the alias.
			names[0] = tf.Alias.Name
		}
		ps.Names = names
	}
	lw := width(left)
	sc := &scope{cols: append([]scopeCol(nil), lsc.cols...), parent: parent}
	s := ps.Schema()
	for i := lw; i < len(s); i++ {
		if s[i].Hidden {
			continue
		}
		sc.cols = append(sc.cols, scopeCol{table: qual, name: s[i].Name, typ: s[i].Type, idx: i})
	}
	return ps, sc
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
