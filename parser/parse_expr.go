package parser

import (
	"strconv"
	"strings"
)

// Operator precedence levels, lowest first, following PostgreSQL.
const (
	precOr      = 1
	precAnd     = 2
	precNot     = 3
	precIs      = 4
	precCmp     = 5
	precLike    = 6 // BETWEEN IN LIKE ILIKE SIMILAR
	precOther   = 7 // || -> ->> and other operators
	precAdd     = 8
	precMul     = 9
	precExp     = 10
	precAt      = 11
	precCollate = 12
	precUnary   = 13
	precIndex   = 14
	precCast    = 15
	precField   = 16
	precAtom    = 100
)

var cmpOps = map[string]string{"=": "=", "==": "=", "<>": "<>", "!=": "<>", "<": "<", ">": ">", "<=": "<=", ">=": ">="}

var otherOps = map[string]bool{
	"||": true, "->": true, "->>": true, "#>": true, "#>>": true, "#-": true, "@>": true, "<@": true,
	"?": true, "?|": true, "?&": true, "&": true, "|": true, "#": true, "<<": true, ">>": true,
	"~": true, "!~": true, "~*": true, "!~*": true, "~~": true, "!~~": true, "~~*": true,
	"&&": true, "@@": true, "^@": true,
}

func (p *parser) parseExpr() Expr { return p.parseExprPrec(precOr) }

// infixPrec returns the precedence of the infix/postfix operator at the
// current token, or 0 if there is none.
func (p *parser) infixPrec() int {
	t := p.peek()
	switch t.kind {
	case tOp:
		if p.half {
			return 0
		}
		switch t.val {
		case "+", "-":
			return precAdd
		case "*", "/", "%":
			return precMul
		case "^":
			return precExp
		case "[":
			return precIndex
		case "::":
			return precCast
		case ".":
			return precField
		}
		if _, ok := cmpOps[t.val]; ok {
			return precCmp
		}
		if otherOps[t.val] {
			return precOther
		}
	case tIdent:
		switch t.val {
		case "or":
			return precOr
		case "and":
			return precAnd
		case "is", "isnull", "notnull":
			return precIs
		case "between", "in", "like", "ilike":
			return precLike
		case "similar":
			if p.isKwN(1, "to") {
				return precLike
			}
		case "not":
			n := p.peekN(1)
			if n.kind == tIdent && n.val == "null" {
				return precIs // SQLite: x NOT NULL
			}
			if n.kind == tIdent && (n.val == "between" || n.val == "in" || n.val == "like" || n.val == "ilike" || n.val == "similar") {
				return precLike
			}
		case "at":
			if p.isKwN(1, "time") && p.isKwN(2, "zone") {
				return precAt
			}
		case "collate":
			return precCollate
		case "operator":
			// OPERATOR(schema.op): psql's qualified operator syntax.
			if n := p.peekN(1); n.kind == tOp && n.val == "(" {
				if op := p.qualifiedOperator(); op != "" {
					if c, ok := cmpOps[op]; ok && c != "" {
						return precCmp
					}
					return precOther
				}
			}
		}
	}
	return 0
}

// qualifiedOperator returns the operator named by OPERATOR([schema.]op)
// at the current token, or "" when it is not one. It does not consume.
func (p *parser) qualifiedOperator() string {
	i := 2
	op := ""
	for ; i < 8; i++ {
		t := p.peekN(i)
		switch {
		case t.kind == tOp && t.val == ")":
			return op
		case t.kind == tOp && t.val == "." && op == "":
			// the schema separator
		case t.kind == tIdent && op == "":
			// the schema
		case t.kind == tOp:
			op += t.val
		default:
			return ""
		}
	}
	return ""
}

func (p *parser) parseExprPrec(min int) Expr {
	p.enter()
	defer p.leave()
	left := p.parsePrefix()
	for {
		prec := p.infixPrec()
		if prec == 0 || prec < min {
			return left
		}
		left = p.parseInfix(left, prec)
	}
}

func (p *parser) parsePrefix() Expr {
	t := p.peek()
	if t.kind == tIdent && t.val == "not" {
		p.next()
		e := p.parseExprPrec(precNot)
		return &UnaryExpr{Pos: t.pos, Op: "NOT", Expr: e}
	}
	if t.kind == tOp && !p.half {
		switch t.val {
		case "-", "+":
			p.next()
			e := p.parseExprPrec(precUnary)
			if lit, ok := e.(*Literal); ok && t.val == "-" && (lit.Kind == LitInteger || lit.Kind == LitNumeric) && !strings.HasPrefix(lit.Text, "-") {
				return numLiteral(t.pos, "-"+lit.Text)
			}
			return &UnaryExpr{Pos: t.pos, Op: t.val, Expr: e}
		case "~", "@", "!!", "|/", "||/":
			p.next()
			e := p.parseExprPrec(precOther + 1)
			return &UnaryExpr{Pos: t.pos, Op: t.val, Expr: e}
		}
	}
	return p.parsePrimary()
}

func numLiteral(pos Pos, text string) *Literal {
	if !strings.ContainsAny(text, ".eE") {
		if v, err := strconv.ParseInt(text, 10, 64); err == nil {
			return &Literal{Pos: pos, Kind: LitInteger, Text: text, Int: v}
		}
	}
	return &Literal{Pos: pos, Kind: LitNumeric, Text: text}
}

func (p *parser) parseInfix(left Expr, prec int) Expr {
	t := p.peek()
	pos := left.Position()
	if t.kind == tOp {
		switch t.val {
		case "[":
			p.next()
			ix := &Index{Pos: pos, Expr: left}
			if p.acceptOp(":") {
				ix.Slice = true
				if !p.isOp("]") {
					ix.Hi = p.parseExpr()
				}
			} else {
				e := p.parseExpr()
				if p.acceptOp(":") {
					ix.Slice = true
					ix.Lo = e
					if !p.isOp("]") {
						ix.Hi = p.parseExpr()
					}
				} else {
					ix.Index = e
				}
			}
			p.expectOp("]")
			return ix
		case "::":
			p.next()
			return &Cast{Pos: pos, Expr: left, Type: p.parseTypeName(), Style: "::"}
		case ".":
			p.next()
			if p.acceptOp("*") {
				return &FieldAccess{Pos: pos, Expr: left, Field: "*"}
			}
			return &FieldAccess{Pos: pos, Expr: left, Field: p.label()}
		}
		p.next()
		if op, ok := cmpOps[t.val]; ok {
			if q := p.parseQuantified(left, op); q != nil {
				return q
			}
			return &BinaryExpr{Pos: pos, Op: op, Left: left, Right: p.parseExprPrec(precCmp + 1)}
		}
		return &BinaryExpr{Pos: pos, Op: t.val, Left: left, Right: p.parseExprPrec(prec + 1)}
	}
	// keyword operators
	switch t.val {
	case "or", "and":
		p.next()
		return &BinaryExpr{Pos: pos, Op: upperASCII(t.val), Left: left, Right: p.parseExprPrec(prec + 1)}
	case "not":
		if p.isKwN(1, "null") {
			p.next()
			p.next()
			return &IsExpr{Pos: pos, Expr: left, Not: true, What: "NULL"}
		}
	case "isnull":
		p.next()
		return &IsExpr{Pos: pos, Expr: left, What: "NULL"}
	case "notnull":
		p.next()
		return &IsExpr{Pos: pos, Expr: left, Not: true, What: "NULL"}
	case "is":
		p.next()
		not := p.acceptKw("not")
		if p.acceptKw("distinct", "from") {
			op := "IS DISTINCT FROM"
			if not {
				op = "IS NOT DISTINCT FROM"
			}
			return &BinaryExpr{Pos: pos, Op: op, Left: left, Right: p.parseExprPrec(precIs + 1)}
		}
		w := p.peek()
		if w.kind == tIdent && (w.val == "null" || w.val == "true" || w.val == "false" || w.val == "unknown") {
			p.next()
			return &IsExpr{Pos: pos, Expr: left, Not: not, What: upperASCII(w.val)}
		}
		p.fail("expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM")
	case "at":
		p.next()
		p.next()
		p.next()
		return &AtTimeZone{Pos: pos, Expr: left, Zone: p.parseExprPrec(precAt + 1)}
	case "collate":
		p.next()
		return &Collate{Pos: pos, Expr: left, Collation: strings.Join(p.qualName(), ".")}
	case "operator":
		op := p.qualifiedOperator()
		for p.next().val != ")" {
		}
		if c, ok := cmpOps[op]; ok {
			return &BinaryExpr{Pos: pos, Op: c, Left: left, Right: p.parseExprPrec(precCmp + 1)}
		}
		return &BinaryExpr{Pos: pos, Op: op, Left: left, Right: p.parseExprPrec(prec + 1)}
	}
	// BETWEEN / IN / LIKE / ILIKE / SIMILAR TO, optionally negated.
	not := p.acceptKw("not")
	switch {
	case p.acceptKw("between"):
		b := &BetweenExpr{Pos: pos, Expr: left, Not: not}
		if p.acceptKw("symmetric") {
			b.Symmetric = true
		} else {
			p.acceptKw("asymmetric")
		}
		b.Low = p.parseExprPrec(precOther)
		p.expectKw("and")
		b.High = p.parseExprPrec(precOther)
		return b
	case p.acceptKw("in"):
		if !p.isOp("(") {
			p.fail("expected (")
		}
		if p.looksLikeQuery() {
			var q *Query
			if p.try(func() { p.next(); q = p.parseQuery(); p.expectOp(")") }) {
				return &InSubquery{Pos: pos, Expr: left, Not: not, Query: q}
			}
		}
		p.next()
		in := &InList{Pos: pos, Expr: left, Not: not, List: []Expr{}}
		if !p.isOp(")") {
			in.List = p.exprList()
		}
		p.expectOp(")")
		return in
	case p.isKw("like") || p.isKw("ilike") || p.isKw("similar"):
		op := upperASCII(p.next().val)
		if op == "SIMILAR" {
			p.expectKw("to")
			op = "SIMILAR TO"
		}
		if not {
			op = "NOT " + op
		}
		if q := p.parseQuantified(left, op); q != nil {
			return q
		}
		b := &BinaryExpr{Pos: pos, Op: op, Left: left, Right: p.parseExprPrec(precLike + 1)}
		if p.acceptKw("escape") {
			b.Escape = p.parseExprPrec(precLike + 1)
		}
		return b
	}
	p.fail("")
	return nil
}

// parseQuantified parses `ANY|SOME|ALL (subquery | array)` after a
// comparison operator, or returns nil if none follows.
func (p *parser) parseQuantified(left Expr, op string) Expr {
	t := p.peek()
	if t.kind != tIdent || !(t.val == "any" || t.val == "some" || t.val == "all") || !p.isOpN(1, "(") {
		return nil
	}
	p.next()
	quant := "ANY"
	if t.val == "all" {
		quant = "ALL"
	}
	q := &QuantifiedCmp{Pos: left.Position(), Expr: left, Op: op, Quant: quant}
	if p.looksLikeQuery() {
		var sub *Query
		if p.try(func() { p.next(); sub = p.parseQuery(); p.expectOp(")") }) {
			q.Query = sub
			return q
		}
	}
	p.expectOp("(")
	q.Array = p.parseExpr()
	p.expectOp(")")
	return q
}

// looksLikeQuery reports whether the '(' at the current token (possibly
// followed by more '(') starts a query.
func (p *parser) looksLikeQuery() bool { return p.looksLikeQueryAt(0) }

func (p *parser) looksLikeQueryAt(n int) bool {
	start := n
	for p.isOpN(n, "(") {
		n++
	}
	t := p.peekN(n)
	return n > start && t.kind == tIdent && (t.val == "select" || t.val == "with" || t.val == "values" || t.val == "table")
}

func (p *parser) exprList() []Expr {
	l := make([]Expr, 1, 4) // one allocation for the short lists of VALUES rows and calls
	l[0] = p.parseExpr()
	for p.acceptOp(",") {
		l = append(l, p.parseExpr())
	}
	return l
}

// typeLiteralStart lists the type names that may prefix a string constant.
var typeLiteralStart = map[string]bool{
	"date": true, "time": true, "timestamp": true, "timestamptz": true, "timetz": true,
	"boolean": true, "bool": true, "int": true, "integer": true, "int2": true, "int4": true,
	"int8": true, "smallint": true, "bigint": true, "real": true, "float": true, "float4": true,
	"float8": true, "double": true, "numeric": true, "decimal": true, "varchar": true,
	"text": true, "bytea": true, "jsonb": true, "json": true, "char": true, "character": true,
	"uuid": true, "serial": true, "rw_int256": true, "int256": true,
}

var noParenFuncs = map[string]bool{
	"current_date": true, "current_time": true, "current_timestamp": true, "localtime": true,
	"localtimestamp": true, "current_user": true, "session_user": true, "user": true,
	"current_schema": true, "current_catalog": true, "current_role": true, "system_user": true,
}

func (p *parser) parsePrimary() Expr {
	p.enter()
	defer p.leave()
	t := p.peek()
	switch t.kind {
	case tInt, tNum:
		p.next()
		return numLiteral(t.pos, t.val)
	case tString:
		p.next()
		val := t.val
		for p.peek().kind == tString && p.peek().nl {
			val += p.next().val
		}
		return &Literal{Pos: t.pos, Kind: LitString, Text: val}
	case tBitStr:
		p.next()
		return &Literal{Pos: t.pos, Kind: LitBitString, Text: t.val}
	case tParam:
		p.next()
		n, err := strconv.Atoi(t.val)
		if err != nil || n <= 0 {
			p.failAt(t.pos, "invalid parameter number")
		}
		return &Param{Pos: t.pos, N: n}
	case tQIdent:
		return p.parseNameExpr()
	case tOp:
		if t.val == "(" && !p.half {
			return p.parseParenExpr()
		}
		p.fail("")
	case tIdent:
		return p.parseKeywordExpr(t)
	}
	p.fail("")
	return nil
}

func (p *parser) parseParenExpr() Expr {
	t := p.peek()
	if p.looksLikeQuery() {
		var q *Query
		if p.try(func() { p.next(); q = p.parseQuery(); p.expectOp(")") }) {
			return &Subquery{Pos: t.pos, Query: q}
		}
	}
	p.next()
	e := p.parseExpr()
	if p.isOp(",") {
		row := &RowExpr{Pos: t.pos, Elems: []Expr{e}}
		for p.acceptOp(",") {
			row.Elems = append(row.Elems, p.parseExpr())
		}
		p.expectOp(")")
		return row
	}
	p.expectOp(")")
	return e
}

func (p *parser) parseKeywordExpr(t token) Expr {
	next1 := p.peekN(1)
	lparen := next1.kind == tOp && next1.val == "("
	switch t.val {
	case "null":
		p.next()
		return &Literal{Pos: t.pos, Kind: LitNull, Text: "NULL"}
	case "true", "false":
		p.next()
		return &Literal{Pos: t.pos, Kind: LitBool, Text: t.val, Bool: t.val == "true"}
	case "default":
		p.next()
		return &Default{Pos: t.pos}
	case "case":
		return p.parseCase()
	case "cast", "try_cast":
		if lparen {
			p.next()
			p.next()
			e := p.parseExpr()
			p.expectKw("as")
			typ := p.parseTypeName()
			p.expectOp(")")
			return &Cast{Pos: t.pos, Expr: e, Type: typ, Style: "CAST"}
		}
	case "exists":
		if lparen {
			p.next()
			p.expectOp("(")
			q := p.parseQuery()
			p.expectOp(")")
			return &Exists{Pos: t.pos, Query: q}
		}
	case "array":
		p.next()
		if p.isOp("[") {
			return p.parseArrayLit(t.pos)
		}
		if p.isOp("(") {
			p.next()
			q := p.parseQuery()
			p.expectOp(")")
			return &ArraySubquery{Pos: t.pos, Query: q}
		}
		p.fail("expected [ or (")
	case "row":
		if lparen {
			p.next()
			p.next()
			row := &RowExpr{Pos: t.pos, Explicit: true, Elems: []Expr{}}
			if !p.isOp(")") {
				row.Elems = p.exprList()
			}
			p.expectOp(")")
			return row
		}
	case "interval":
		if next1.kind == tString {
			p.next()
			v := p.next().val
			for p.peek().kind == tString && p.peek().nl {
				v += p.next().val
			}
			return &TypedLiteral{Pos: t.pos, Type: &TypeName{Pos: t.pos, Name: "interval"}, Value: v, Unit: p.parseIntervalUnit()}
		}
	case "extract":
		if lparen {
			p.next()
			p.next()
			f := p.peek()
			var field string
			switch f.kind {
			case tIdent, tQIdent, tString:
				field = upperASCII(f.val)
				p.next()
			default:
				p.fail("expected a field name")
			}
			p.expectKw("from")
			e := p.parseExpr()
			p.expectOp(")")
			return &Extract{Pos: t.pos, Field: field, From: e}
		}
	case "position", "substring", "trim", "overlay":
		if lparen {
			if e := p.parseSpecialFunc(t); e != nil {
				return e
			}
		}
	}
	if noParenFuncs[t.val] && !lparen {
		p.next()
		return &FuncCall{Pos: t.pos, Name: []string{t.val}, NoParens: true}
	}
	if typeLiteralStart[t.val] && !lparen || t.val == "double" && p.isKwN(1, "precision") {
		var e Expr
		if p.try(func() {
			typ := p.parseTypeName()
			s := p.peek()
			if s.kind != tString {
				p.fail("")
			}
			p.next()
			e = &TypedLiteral{Pos: t.pos, Type: typ, Value: s.val}
		}) {
			return e
		}
	}
	if reserved[t.val] && !(typeFuncName[t.val] && lparen) && !(noParenFuncs[t.val] && lparen) {
		p.fail("")
	}
	return p.parseNameExpr()
}

// parseNameExpr parses a column reference, t.* or a function call.
func (p *parser) parseNameExpr() Expr {
	t := p.peek()
	p.next()
	parts := []string{t.val}
	for p.isOp(".") {
		n := p.peekN(1)
		if n.kind == tIdent || n.kind == tQIdent {
			p.next()
			p.next()
			parts = append(parts, n.val)
			continue
		}
		if n.kind == tOp && n.val == "*" {
			p.next()
			p.next()
			return &Star{Pos: t.pos, Qualifier: parts}
		}
		break
	}
	if p.isOp("(") {
		return p.parseFuncCall(t.pos, parts)
	}
	return &ColumnRef{Pos: t.pos, Parts: parts}
}

func (p *parser) parseFuncCall(pos Pos, name []string) *FuncCall {
	f := &FuncCall{Pos: pos, Name: name}
	p.expectOp("(")
	switch {
	case p.isOp(")"):
	case p.isOp("*") && p.isOpN(1, ")"):
		p.next()
		f.Star = true
	default:
		if p.acceptKw("distinct") {
			f.Distinct = true
		} else {
			p.acceptKw("all")
		}
		p.acceptKw("variadic")
		f.Args = p.exprList()
		if p.acceptKw("ignore", "nulls") {
			f.IgnoreNulls = true
		} else {
			p.acceptKw("respect", "nulls")
		}
		if p.acceptKw("order", "by") {
			f.OrderBy = p.parseOrderList()
		}
	}
	p.expectOp(")")
	p.parseFuncSuffix(f)
	return f
}

func (p *parser) parseFuncSuffix(f *FuncCall) {
	if p.acceptKw("within", "group") {
		p.expectOp("(")
		p.expectKw("order", "by")
		f.WithinGroup = p.parseOrderList()
		p.expectOp(")")
	}
	if p.acceptKw("ignore", "nulls") {
		f.IgnoreNulls = true
	} else {
		p.acceptKw("respect", "nulls")
	}
	if p.isKw("filter") && p.isOpN(1, "(") {
		p.next()
		p.next()
		p.expectKw("where")
		f.Filter = p.parseExpr()
		p.expectOp(")")
	}
	if p.acceptKw("over") {
		if p.isOp("(") {
			f.Over = p.parseWindowSpec()
		} else {
			pos := p.pos()
			f.Over = &WindowSpec{Pos: pos, Name: p.ident()}
		}
	}
}

// parseWindowSpec parses ( [name] [PARTITION BY ...] [ORDER BY ...] [frame] ).
func (p *parser) parseWindowSpec() *WindowSpec {
	w := &WindowSpec{Pos: p.pos()}
	p.expectOp("(")
	if p.isIdent() && !p.isKw("partition") && !p.isKw("order") && !p.isKw("rows") && !p.isKw("range") && !p.isKw("groups") && !p.isKw("session") {
		w.Name = p.ident()
	}
	if p.acceptKw("partition", "by") {
		w.PartitionBy = p.exprList()
	}
	if p.acceptKw("order", "by") {
		w.OrderBy = p.parseOrderList()
	}
	if p.isKw("session") {
		// RisingWave: SESSION WITH GAP gap, a session-window frame.
		fr := &Frame{Pos: p.pos(), Mode: "SESSION"}
		p.next()
		p.expectKw("with")
		b := &FrameBound{Pos: p.pos(), Kind: "GAP"}
		p.expectKw("gap")
		b.Offset = p.parseExprPrec(precOther)
		fr.Start = b
		w.Frame = fr
	} else if p.isKw("rows") || p.isKw("range") || p.isKw("groups") {
		fr := &Frame{Pos: p.pos(), Mode: upperASCII(p.next().val)}
		if p.acceptKw("between") {
			fr.Start = p.parseFrameBound()
			p.expectKw("and")
			fr.End = p.parseFrameBound()
		} else {
			fr.Start = p.parseFrameBound()
		}
		if p.acceptKw("exclude") {
			switch {
			case p.acceptKw("current", "row"):
				fr.Exclude = "CURRENT ROW"
			case p.acceptKw("group"):
				fr.Exclude = "GROUP"
			case p.acceptKw("ties"):
				fr.Exclude = "TIES"
			case p.acceptKw("no", "others"):
				fr.Exclude = "NO OTHERS"
			default:
				p.fail("expected CURRENT ROW, GROUP, TIES or NO OTHERS")
			}
		}
		w.Frame = fr
	}
	p.expectOp(")")
	return w
}

func (p *parser) parseFrameBound() *FrameBound {
	b := &FrameBound{Pos: p.pos()}
	switch {
	case p.acceptKw("unbounded", "preceding"):
		b.Kind = "UNBOUNDED PRECEDING"
	case p.acceptKw("unbounded", "following"):
		b.Kind = "UNBOUNDED FOLLOWING"
	case p.acceptKw("current", "row"):
		b.Kind = "CURRENT ROW"
	default:
		b.Offset = p.parseExprPrec(precOther)
		switch {
		case p.acceptKw("preceding"):
			b.Kind = "PRECEDING"
		case p.acceptKw("following"):
			b.Kind = "FOLLOWING"
		default:
			p.fail("expected PRECEDING or FOLLOWING")
		}
	}
	return b
}

func (p *parser) parseOrderList() []*OrderItem {
	l := []*OrderItem{p.parseOrderItem()}
	for p.acceptOp(",") {
		l = append(l, p.parseOrderItem())
	}
	return l
}

func (p *parser) parseOrderItem() *OrderItem {
	o := &OrderItem{Pos: p.pos(), Expr: p.parseExpr()}
	if p.acceptKw("desc") {
		o.Desc = true
	} else {
		p.acceptKw("asc")
	}
	if p.acceptKw("nulls", "first") {
		v := true
		o.NullsFirst = &v
	} else if p.acceptKw("nulls", "last") {
		v := false
		o.NullsFirst = &v
	}
	return o
}

func (p *parser) parseCase() Expr {
	c := &Case{Pos: p.next().pos}
	if !p.isKw("when") {
		c.Operand = p.parseExpr()
	}
	for p.isKw("when") {
		w := &When{Pos: p.next().pos}
		w.Cond = p.parseExpr()
		p.expectKw("then")
		w.Result = p.parseExpr()
		c.Whens = append(c.Whens, w)
	}
	if len(c.Whens) == 0 {
		p.fail("expected WHEN")
	}
	if p.acceptKw("else") {
		c.Else = p.parseExpr()
	}
	p.expectKw("end")
	return c
}

func (p *parser) parseArrayLit(pos Pos) Expr {
	p.enter()
	defer p.leave()
	p.expectOp("[")
	a := &ArrayLit{Pos: pos, Elems: []Expr{}}
	if !p.isOp("]") {
		for {
			if p.isOp("[") {
				a.Elems = append(a.Elems, p.parseArrayLit(p.pos()))
			} else {
				a.Elems = append(a.Elems, p.parseExpr())
			}
			if !p.acceptOp(",") {
				break
			}
		}
	}
	p.expectOp("]")
	return a
}

var intervalFields = map[string]bool{"year": true, "month": true, "day": true, "hour": true, "minute": true, "second": true}

// parseIntervalUnit parses an optional interval qualifier such as HOUR or
// DAY TO SECOND and returns it upper-case.
func (p *parser) parseIntervalUnit() string {
	t := p.peek()
	if t.kind != tIdent || !intervalFields[t.val] {
		return ""
	}
	p.next()
	unit := upperASCII(t.val)
	p.skipPrecision()
	if p.isKw("to") && p.peekN(1).kind == tIdent && intervalFields[p.peekN(1).val] {
		p.next()
		unit += " TO " + upperASCII(p.next().val)
		p.skipPrecision()
	}
	return unit
}

func (p *parser) skipPrecision() {
	if p.isOp("(") && p.peekN(1).kind == tInt && p.isOpN(2, ")") {
		p.next()
		p.next()
		p.next()
	}
}

// parseSpecialFunc handles POSITION, SUBSTRING, TRIM and OVERLAY with their
// keyword argument syntax. It returns nil (without consuming anything) if
// the call uses ordinary comma-separated arguments.
func (p *parser) parseSpecialFunc(t token) Expr {
	var out Expr
	ok := p.try(func() {
		p.next()
		p.next()
		call := func(name string, args ...Expr) *FuncCall {
			return &FuncCall{Pos: t.pos, Name: []string{name}, Args: args}
		}
		switch t.val {
		case "position":
			a := p.parseExprPrec(precOther)
			p.expectKw("in")
			b := p.parseExprPrec(precOther)
			p.expectOp(")")
			out = call("position", b, a)
		case "substring":
			s := p.parseExpr()
			switch {
			case p.acceptKw("from"):
				from := p.parseExpr()
				if p.acceptKw("for") {
					out = call("substring", s, from, p.parseExpr())
				} else {
					out = call("substring", s, from)
				}
			case p.acceptKw("for"):
				out = call("substring", s, &Literal{Pos: t.pos, Kind: LitInteger, Text: "1", Int: 1}, p.parseExpr())
			default:
				p.fail("")
			}
			p.expectOp(")")
		case "trim":
			name := "btrim"
			switch {
			case p.acceptKw("both"):
			case p.acceptKw("leading"):
				name = "ltrim"
			case p.acceptKw("trailing"):
				name = "rtrim"
			}
			if p.acceptKw("from") {
				out = call(name, p.exprList()...)
			} else {
				chars := p.parseExpr()
				if p.acceptKw("from") {
					args := p.exprList()
					out = call(name, append(args, chars)...)
				} else {
					args := []Expr{chars}
					for p.acceptOp(",") {
						args = append(args, p.parseExpr())
					}
					out = call(name, args...)
				}
			}
			p.expectOp(")")
		case "overlay":
			a := p.parseExpr()
			p.expectKw("placing")
			b := p.parseExpr()
			p.expectKw("from")
			c := p.parseExpr()
			if p.acceptKw("for") {
				out = call("overlay", a, b, c, p.parseExpr())
			} else {
				out = call("overlay", a, b, c)
			}
			p.expectOp(")")
		}
	})
	if !ok {
		if t.val == "trim" {
			// trim(...) with plain arguments is btrim(...) in PostgreSQL, but a
			// syntax error inside must still be reported; fall through.
			return nil
		}
		return nil
	}
	return out
}
