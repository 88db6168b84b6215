package parser

import "strings"

func (p *parser) parseQuery() *Query {
	p.enter()
	defer p.leave()
	q := &Query{Pos: p.pos()}
	if p.isKw("with") {
		q.With = p.parseWith()
	}
	q.Body = p.parseSetExpr(1)
	if p.acceptKw("order", "by") {
		q.OrderBy = p.parseOrderList()
	}
	for {
		switch {
		case p.isKw("limit") && q.Limit == nil:
			p.next()
			if !p.acceptKw("all") {
				q.Limit = p.parseExpr()
			}
			if p.acceptOp(",") { // MySQL/SQLite LIMIT offset, count
				q.Offset = q.Limit
				q.Limit = p.parseExpr()
			}
			continue
		case p.isKw("offset") && q.Offset == nil:
			p.next()
			q.Offset = p.parseExprPrec(precOther)
			if !p.acceptKw("rows") {
				p.acceptKw("row")
			}
			continue
		case p.isKw("fetch") && q.Limit == nil:
			p.next()
			if !p.acceptKw("first") {
				p.expectKw("next")
			}
			if p.isKw("row") || p.isKw("rows") {
				q.Limit = &Literal{Pos: p.pos(), Kind: LitInteger, Text: "1", Int: 1}
			} else {
				q.Limit = p.parseExprPrec(precOther)
			}
			if !p.acceptKw("rows") {
				p.expectKw("row")
			}
			if !p.acceptKw("only") {
				p.expectKw("with", "ties")
				q.WithTies = true
			}
			continue
		}
		break
	}
	return q
}

func (p *parser) parseWith() *With {
	w := &With{Pos: p.next().pos}
	w.Recursive = p.acceptKw("recursive")
	for {
		c := &CTE{Pos: p.pos(), Name: p.ident()}
		if p.isOp("(") {
			c.Columns = p.parenIdentList()
		}
		p.expectKw("as")
		if p.acceptKw("changelog") {
			// RisingWave: name AS CHANGELOG FROM relation.
			p.expectKw("from")
			c.ChangelogFrom = p.qualName()
			w.CTEs = append(w.CTEs, c)
			if !p.acceptOp(",") {
				return w
			}
			continue
		}
		if !p.acceptKw("materialized") {
			p.acceptKw("not", "materialized")
		}
		p.expectOp("(")
		c.Query = p.parseQuery()
		p.expectOp(")")
		w.CTEs = append(w.CTEs, c)
		if !p.acceptOp(",") {
			return w
		}
	}
}

func setOpPrec(t token) int {
	if t.kind != tIdent {
		return 0
	}
	switch t.val {
	case "union", "except":
		return 1
	case "intersect":
		return 2
	}
	return 0
}

func (p *parser) parseSetExpr(min int) SetExpr {
	p.enter()
	defer p.leave()
	left := p.parseSetPrimary()
	for {
		t := p.peek()
		prec := setOpPrec(t)
		if prec == 0 || prec < min {
			return left
		}
		p.next()
		op := &SetOp{Pos: left.Position(), Op: upperASCII(t.val), Left: left}
		if p.acceptKw("all") {
			op.All = true
		} else {
			p.acceptKw("distinct")
		}
		if p.acceptKw("corresponding") {
			op.Corresponding = true
			if p.acceptKw("by") {
				op.CorrespondingBy = p.parenIdentList()
			}
		}
		op.Right = p.parseSetExpr(prec + 1)
		left = op
	}
}

func (p *parser) parseSetPrimary() SetExpr {
	t := p.peek()
	if t.kind == tOp && t.val == "(" {
		p.next()
		q := p.parseQuery()
		p.expectOp(")")
		if q.With == nil && q.OrderBy == nil && q.Limit == nil && q.Offset == nil {
			return q.Body
		}
		return q
	}
	if t.kind == tIdent {
		switch t.val {
		case "select":
			return p.parseSelectCore()
		case "values":
			return p.parseValues()
		case "table":
			p.next()
			name := p.qualName()
			return &SelectCore{Pos: t.pos, Items: []*SelectItem{{Pos: t.pos, Star: true}},
				From: []TableExpr{&TableName{Pos: t.pos, Name: name}}}
		}
	}
	p.fail("expected SELECT, VALUES or (")
	return nil
}

func (p *parser) parseValues() *ValuesClause {
	v := &ValuesClause{Pos: p.next().pos}
	for {
		p.expectOp("(")
		row := []Expr{}
		if !p.isOp(")") {
			row = p.exprList()
		}
		p.expectOp(")")
		v.Rows = append(v.Rows, row)
		if !p.acceptOp(",") {
			return v
		}
	}
}

// selectEnd reports whether the current token ends a select list.
func (p *parser) selectListEnd() bool {
	t := p.peek()
	if t.kind == tEOF || t.kind == tOp && (t.val == ";" || t.val == ")") {
		return true
	}
	if t.kind == tIdent {
		switch t.val {
		case "from", "where", "group", "having", "window", "order", "limit", "offset", "fetch",
			"union", "intersect", "except", "into":
			return true
		}
	}
	return false
}

func (p *parser) parseSelectCore() *SelectCore {
	s := &SelectCore{Pos: p.next().pos}
	if p.acceptKw("distinct") {
		s.Distinct = true
		if p.acceptKw("on") {
			p.expectOp("(")
			s.DistinctOn = p.exprList()
			p.expectOp(")")
		}
	} else {
		p.acceptKw("all")
	}
	if !p.selectListEnd() {
		s.Items = p.parseSelectItems()
	}
	if p.acceptKw("from") {
		s.From = p.parseFromList()
	}
	if p.acceptKw("where") {
		s.Where = p.parseExpr()
	}
	if p.acceptKw("group", "by") {
		if !p.acceptKw("all") {
			p.acceptKw("distinct")
		}
		s.GroupBy = []Expr{p.parseGroupingElem()}
		for p.acceptOp(",") {
			s.GroupBy = append(s.GroupBy, p.parseGroupingElem())
		}
	}
	if p.acceptKw("having") {
		s.Having = p.parseExpr()
	}
	if p.acceptKw("window") {
		for {
			nw := &NamedWindow{Pos: p.pos(), Name: p.ident()}
			p.expectKw("as")
			nw.Spec = p.parseWindowSpec()
			s.Windows = append(s.Windows, nw)
			if !p.acceptOp(",") {
				break
			}
		}
	}
	return s
}

func (p *parser) parseSelectItems() []*SelectItem {
	var items []*SelectItem
	for {
		items = append(items, p.parseSelectItem())
		if !p.acceptOp(",") {
			return items
		}
	}
}

func (p *parser) parseSelectItem() *SelectItem {
	pos := p.pos()
	if p.isOp("*") {
		p.next()
		return &SelectItem{Pos: pos, Star: true, Except: p.parseStarExcept()}
	}
	e := p.parseExpr()
	if st, ok := e.(*Star); ok {
		return &SelectItem{Pos: pos, Star: true, StarTable: strings.Join(st.Qualifier, "."), Except: p.parseStarExcept()}
	}
	it := &SelectItem{Pos: pos, Expr: e}
	if p.acceptKw("as") {
		it.Alias = p.label()
	} else if t := p.peek(); t.kind == tQIdent || t.kind == tIdent && !reserved[t.val] && !noBareAlias[t.val] {
		p.next()
		it.Alias = t.val
	}
	return it
}

func (p *parser) parseGroupingElem() Expr {
	pos := p.pos()
	switch {
	case p.isOp("(") && p.isOpN(1, ")"):
		p.next()
		p.next()
		return &RowExpr{Pos: pos, Elems: []Expr{}}
	case (p.isKw("rollup") || p.isKw("cube")) && p.isOpN(1, "("):
		g := &GroupingSet{Pos: pos, Kind: upperASCII(p.next().val)}
		p.next()
		g.Items = p.groupingItems()
		return g
	case p.isKw("grouping") && p.isKwN(1, "sets"):
		p.next()
		p.next()
		g := &GroupingSet{Pos: pos, Kind: "GROUPING SETS"}
		p.expectOp("(")
		g.Items = p.groupingItems()
		return g
	}
	return p.parseExpr()
}

// groupingItems parses grouping elements up to and including ')'.
func (p *parser) groupingItems() []Expr {
	p.enter()
	defer p.leave()
	items := []Expr{}
	if p.acceptOp(")") {
		return items
	}
	for {
		items = append(items, p.parseGroupingElem())
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return items
}

func (p *parser) parseFromList() []TableExpr {
	l := []TableExpr{p.parseTableRef()}
	for p.acceptOp(",") {
		l = append(l, p.parseTableRef())
	}
	return l
}

func (p *parser) parseTableRef() TableExpr {
	p.enter()
	defer p.leave()
	left := p.parseTablePrimary()
	for {
		pos := p.pos()
		natural := p.acceptKw("natural")
		kind := ""
		switch {
		case p.acceptKw("asof", "join"):
			kind = "ASOF"
		case p.acceptKw("asof", "left", "join"), p.acceptKw("asof", "left", "outer", "join"):
			kind = "ASOF LEFT"
		case p.acceptKw("cross", "join"):
			kind = "CROSS"
		case p.acceptKw("join"), p.acceptKw("inner", "join"):
			kind = "INNER"
		case p.acceptKw("left"):
			p.acceptKw("outer")
			p.expectKw("join")
			kind = "LEFT"
		case p.acceptKw("right"):
			p.acceptKw("outer")
			p.expectKw("join")
			kind = "RIGHT"
		case p.acceptKw("full"):
			p.acceptKw("outer")
			p.expectKw("join")
			kind = "FULL"
		default:
			if natural {
				p.fail("expected JOIN")
			}
			return left
		}
		j := &Join{Pos: left.Position(), Kind: kind, Natural: natural, Left: left}
		if strings.HasPrefix(kind, "ASOF") {
			j.Asof = true
			j.Kind = strings.TrimSpace(strings.TrimPrefix(kind, "ASOF"))
			if j.Kind == "" {
				j.Kind = "INNER"
			}
			kind = j.Kind
		}
		_ = pos
		j.Right = p.parseTablePrimary()
		if kind != "CROSS" && !natural {
			if p.acceptKw("on") {
				j.On = p.parseExpr()
			} else if p.acceptKw("using") {
				j.Using = p.parenIdentList()
			} else {
				p.fail("expected ON or USING")
			}
		}
		left = j
	}
}

func (p *parser) parseAlias(required bool) *Alias {
	pos := p.pos()
	var name string
	if p.acceptKw("as") {
		name = p.ident()
	} else if t := p.peek(); t.kind == tQIdent || t.kind == tIdent && !reserved[t.val] && !noBareAlias[t.val] {
		p.next()
		name = t.val
	} else {
		if required {
			p.fail("expected an alias")
		}
		return nil
	}
	a := &Alias{Pos: pos, Name: name}
	if p.isOp("(") {
		a.Columns = p.parenIdentList()
	}
	return a
}

func (p *parser) parseTablePrimary() TableExpr {
	p.enter()
	defer p.leave()
	t := p.peek()
	lateral := p.acceptKw("lateral")
	if p.isOp("(") {
		if p.looksLikeQuery() {
			var d *DerivedTable
			if p.try(func() {
				p.next()
				q := p.parseQuery()
				p.expectOp(")")
				d = &DerivedTable{Pos: t.pos, Query: q, Lateral: lateral}
			}) {
				d.Alias = p.parseAlias(false)
				return d
			}
		}
		if lateral {
			p.fail("expected a subquery")
		}
		p.next()
		inner := p.parseTableRef()
		p.expectOp(")")
		if a := p.parseAlias(false); a != nil {
			return &ParenTable{Pos: t.pos, Table: inner, Alias: a}
		}
		return inner
	}
	name := p.qualName()
	if p.isOp("(") {
		f := p.parseFuncCall(t.pos, name)
		tf := &TableFunc{Pos: t.pos, Func: f, Lateral: lateral}
		if p.acceptKw("with", "ordinality") {
			tf.WithOrdinality = true
		}
		tf.Alias = p.parseAlias(false)
		return tf
	}
	if lateral {
		p.fail("expected a subquery or function")
	}
	tn := &TableName{Pos: t.pos, Name: name}
	if p.acceptKw("for", "system_time", "as", "of") {
		fn := p.peek()
		if !(fn.kind == tIdent && (fn.val == "proctime" || fn.val == "now") && p.isOpN(1, "(") && p.isOpN(2, ")")) {
			p.fail("expected PROCTIME()")
		}
		p.next()
		p.next()
		p.next()
		tn.ForSystemTimeAsOfProctime = true
	}
	tn.Alias = p.parseAlias(false)
	return tn
}

func (p *parser) parseStarExcept() []Expr {
	if p.isKw("except") && p.isOpN(1, "(") && !p.looksLikeQueryAt(1) {
		p.next()
		p.next()
		l := p.exprList()
		p.expectOp(")")
		return l
	}
	return nil
}
