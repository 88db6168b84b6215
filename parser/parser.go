package parser

import (
	"fmt"
	"strings"
)

// maxDepth bounds the parser's recursion so hostile input cannot exhaust the
// stack.
const maxDepth = 1000

// parser is a recursive-descent parser over a pre-lexed token slice. Errors
// are raised with panic(*parseError) and recovered at the entry points.
type parser struct {
	sql   string
	toks  []token
	i     int
	half  bool // the current ">>" token has had one '>' consumed
	depth int
}

type parseError struct{ err *Error }

// Parse parses one or more ';'-separated statements. Empty statements are
// skipped. A query statement (SELECT, VALUES, WITH ..., TABLE t, or a
// parenthesised query) parses to *Query.
func Parse(sql string) (stmts []Statement, err error) {
	if st, ok := fastInsert(sql); ok && !noFastInsert {
		return []Statement{st}, nil
	}
	p, err := newParser(sql)
	if err != nil {
		return nil, err
	}
	defer p.recoverErr(&err)
	for {
		for p.acceptOp(";") {
		}
		if p.peek().kind == tEOF {
			break
		}
		stmts = append(stmts, p.parseStatement())
		if p.peek().kind != tEOF && !p.isOp(";") {
			p.fail("expected ; or end of input")
		}
	}
	return stmts, nil
}

// noFastInsert turns the bulk-INSERT fast path off (tests compare it with
// the full parser).
var noFastInsert bool

// ParseOne parses exactly one statement; a trailing ';' is allowed.
func ParseOne(sql string) (stmt Statement, err error) {
	p, err := newParser(sql)
	if err != nil {
		return nil, err
	}
	defer p.recoverErr(&err)
	if p.peek().kind == tEOF || p.isOp(";") {
		p.fail("expected a statement")
	}
	stmt = p.parseStatement()
	for p.acceptOp(";") {
	}
	if p.peek().kind != tEOF {
		p.fail("expected end of input")
	}
	return stmt, nil
}

// ParseExpr parses a single scalar expression.
func ParseExpr(sql string) (e Expr, err error) {
	p, err := newParser(sql)
	if err != nil {
		return nil, err
	}
	defer p.recoverErr(&err)
	e = p.parseExpr()
	if p.peek().kind != tEOF {
		p.fail("expected end of input")
	}
	return e, nil
}

func newParser(sql string) (*parser, error) {
	toks, lerr := lex(sql)
	if lerr != nil {
		return nil, lerr
	}
	return &parser{sql: sql, toks: toks}, nil
}

func (p *parser) recoverErr(err *error) {
	if r := recover(); r != nil {
		pe, ok := r.(*parseError)
		if !ok {
			panic(r)
		}
		*err = pe.err
	}
}

// ---------------------------------------------------------------------------
// token helpers

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekN(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	p.half = false
	return t
}

func (p *parser) pos() Pos { return p.peek().pos }

func (p *parser) isKw(kw string) bool {
	t := p.peek()
	return t.kind == tIdent && t.val == kw
}

func (p *parser) isKwN(n int, kw string) bool {
	t := p.peekN(n)
	return t.kind == tIdent && t.val == kw
}

func (p *parser) acceptKw(kws ...string) bool {
	for k, kw := range kws {
		if !p.isKwN(k, kw) {
			return false
		}
	}
	for range kws {
		p.next()
	}
	return true
}

func (p *parser) expectKw(kws ...string) {
	for _, kw := range kws {
		if !p.isKw(kw) {
			p.fail("expected " + upperASCII(kw))
		}
		p.next()
	}
}

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.kind == tOp && t.val == op
}

func (p *parser) isOpN(n int, op string) bool {
	t := p.peekN(n)
	return t.kind == tOp && t.val == op
}

func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectOp(op string) {
	if !p.acceptOp(op) {
		p.fail("expected " + op)
	}
}

// expectGT consumes one '>' closing a STRUCT<...>, splitting a '>>' token.
func (p *parser) expectGT() {
	if p.isOp(">") {
		p.next()
		return
	}
	if p.isOp(">>") {
		if p.half {
			p.next()
		} else {
			p.half = true
		}
		return
	}
	p.fail("expected >")
}

func (p *parser) errorAt(t token, hint string) *Error {
	if t.kind == tEOF {
		return newError(p.sql, t.pos, "syntax error at end of input", "", hint)
	}
	txt := t.text(p.sql)
	return newError(p.sql, t.pos, fmt.Sprintf("syntax error at or near %q", txt), txt, hint)
}

func (p *parser) fail(hint string) {
	panic(&parseError{p.errorAt(p.peek(), hint)})
}

func (p *parser) failAt(pos Pos, msg string) {
	panic(&parseError{newError(p.sql, pos, msg, "", "")})
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.failAt(p.pos(), "stack depth limit exceeded")
	}
}

func (p *parser) leave() { p.depth-- }

// try runs f, rewinding the parser and returning false if f raises a syntax
// error. Depth-limit errors are propagated.
func (p *parser) try(f func()) (ok bool) {
	si, sh, sd := p.i, p.half, p.depth
	defer func() {
		if r := recover(); r != nil {
			pe, isPE := r.(*parseError)
			if !isPE || pe.err.Msg == "stack depth limit exceeded" {
				panic(r)
			}
			p.i, p.half, p.depth = si, sh, sd
			ok = false
		}
	}()
	f()
	return true
}

// ---------------------------------------------------------------------------
// identifiers

// reserved holds PostgreSQL's reserved keywords plus its type_func_name
// keywords; they cannot be used as bare column or table names.
var reserved = map[string]bool{}

// typeFuncName holds the keywords that may still be used as function names.
var typeFuncName = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`all analyse analyze and any array as asc asymmetric both case cast check
		collate column constraint create current_catalog current_date current_role current_time
		current_timestamp current_user default deferrable desc distinct do else end except false fetch
		for foreign from grant group having in initially intersect into lateral leading limit localtime
		localtimestamp not null offset on only or order placing primary references returning select
		session_user some symmetric system_user table then to trailing true union unique user using
		variadic when where window with`) {
		reserved[w] = true
	}
	for _, w := range strings.Fields(`authorization binary collation concurrently cross current_schema freeze
		full ilike inner is isnull join left like natural notnull outer overlaps right similar tablesample
		verbose`) {
		reserved[w] = true
		typeFuncName[w] = true
	}
}

// noBareAlias holds non-reserved words that may not be used as an alias
// without AS because they can follow a FROM item or a select item.
var noBareAlias = map[string]bool{
	"emit": true, "format": true, "set": true, "asof": true, "ignore": true, "respect": true,
}

// IsReserved reports whether the lower-case word w is a reserved keyword and
// therefore must be quoted when used as an identifier.
func IsReserved(w string) bool { return reserved[w] }

// ident parses a column/table identifier (ColId): a non-reserved word or a
// quoted identifier.
func (p *parser) ident() string {
	t := p.peek()
	if t.kind == tQIdent || t.kind == tIdent && !reserved[t.val] {
		p.next()
		return t.val
	}
	p.fail("expected an identifier")
	return ""
}

// label parses any word or quoted identifier (ColLabel).
func (p *parser) label() string {
	t := p.peek()
	if t.kind == tQIdent || t.kind == tIdent {
		p.next()
		return t.val
	}
	p.fail("expected an identifier")
	return ""
}

func (p *parser) isIdent() bool {
	t := p.peek()
	return t.kind == tQIdent || t.kind == tIdent && !reserved[t.val]
}

// qualName parses ident { . label }.
func (p *parser) qualName() []string {
	parts := []string{p.ident()}
	for p.isOp(".") && (p.peekN(1).kind == tIdent || p.peekN(1).kind == tQIdent) {
		p.next()
		parts = append(parts, p.label())
	}
	return parts
}

// objName parses a qualified object name and joins it with '.'.
func (p *parser) objName() string { return strings.Join(p.qualName(), ".") }

func (p *parser) objNames() []string {
	names := []string{p.objName()}
	for p.acceptOp(",") {
		names = append(names, p.objName())
	}
	return names
}

// identList parses ident {, ident}.
func (p *parser) identList() []string {
	l := []string{p.ident()}
	for p.acceptOp(",") {
		l = append(l, p.ident())
	}
	return l
}

// parenIdentList parses ( ident {, ident} ).
func (p *parser) parenIdentList() []string {
	p.expectOp("(")
	l := p.identList()
	p.expectOp(")")
	return l
}

// ---------------------------------------------------------------------------
// statements

func (p *parser) parseStatement() Statement {
	p.enter()
	defer p.leave()
	t := p.peek()
	if t.kind == tOp && t.val == "(" {
		return p.parseQuery()
	}
	if t.kind != tIdent {
		p.fail("expected a statement")
	}
	switch t.val {
	case "select", "with", "values", "table":
		return p.parseQuery()
	case "create":
		return p.parseCreate()
	case "drop":
		return p.parseDrop()
	case "insert":
		return p.parseInsert()
	case "update":
		return p.parseUpdate()
	case "delete":
		return p.parseDelete()
	case "show":
		return p.parseShow()
	case "describe", "desc":
		p.next()
		return &Describe{Pos: t.pos, Name: p.objName()}
	case "explain":
		return p.parseExplain()
	case "set":
		return p.parseSet()
	case "reset":
		p.next()
		name := "all"
		if !p.acceptKw("all") {
			name = p.paramName()
		}
		return &Set{Pos: t.pos, Name: name, ToDefault: true}
	case "alter":
		return p.parseAlter()
	case "flush":
		p.next()
		return &Flush{Pos: t.pos}
	case "begin", "start":
		p.next()
		if t.val == "start" {
			p.expectKw("transaction")
		} else if !p.acceptKw("transaction") {
			p.acceptKw("work")
		}
		b := &Begin{Pos: t.pos}
		p.parseTxnModes(b)
		return b
	case "commit", "end":
		p.next()
		if !p.acceptKw("transaction") {
			p.acceptKw("work")
		}
		return &Commit{Pos: t.pos}
	case "rollback", "abort":
		p.next()
		if !p.acceptKw("transaction") {
			p.acceptKw("work")
		}
		return &Rollback{Pos: t.pos}
	case "discard":
		p.next()
		w := p.peek()
		if w.kind != tIdent {
			p.fail("expected ALL, PLANS, SEQUENCES or TEMP")
		}
		p.next()
		return &Discard{Pos: t.pos, What: upperASCII(w.val)}
	}
	p.fail("expected a statement")
	return nil
}

func (p *parser) parseTxnModes(b *Begin) {
	for {
		switch {
		case p.acceptKw("read", "only"):
			b.ReadOnly = true
		case p.acceptKw("read", "write"):
			b.ReadOnly = false
		case p.acceptKw("isolation", "level"):
			switch {
			case p.acceptKw("read", "committed"), p.acceptKw("read", "uncommitted"),
				p.acceptKw("repeatable", "read"), p.acceptKw("serializable"):
			default:
				p.fail("expected an isolation level")
			}
		case p.acceptKw("deferrable"), p.acceptKw("not", "deferrable"):
		default:
			return
		}
		p.acceptOp(",")
	}
}

// paramName parses a (possibly dotted) configuration parameter name.
func (p *parser) paramName() string {
	if p.peek().kind == tQIdent || p.peek().kind == tIdent {
		parts := []string{p.label()}
		for p.isOp(".") {
			p.next()
			parts = append(parts, p.label())
		}
		return strings.Join(parts, ".")
	}
	p.fail("expected a parameter name")
	return ""
}

func (p *parser) parseSet() Statement {
	pos := p.next().pos
	s := &Set{Pos: pos}
	if p.acceptKw("local") {
		s.Local = true
	} else {
		p.acceptKw("session")
	}
	if p.acceptKw("time", "zone") {
		s.Name = "timezone"
		switch {
		case p.acceptKw("local"), p.acceptKw("default"):
			s.ToDefault = true
		default:
			s.Values = []Expr{p.parseSetValue()}
		}
		return s
	}
	if p.isKw("transaction") || p.isKw("characteristics") {
		p.next()
		p.acceptKw("as", "transaction")
		b := &Begin{}
		p.parseTxnModes(b)
		s.Name = "transaction"
		return s
	}
	s.Name = p.paramName()
	if !p.acceptOp("=") {
		p.expectKw("to")
	}
	s.Values, s.ToDefault = p.parseSetValues()
	return s
}

func (p *parser) parseSetValues() ([]Expr, bool) {
	if p.acceptKw("default") {
		return nil, true
	}
	vals := []Expr{p.parseSetValue()}
	for p.acceptOp(",") {
		vals = append(vals, p.parseSetValue())
	}
	return vals, false
}

// parseSetValue parses a SET value: a literal, a signed number, or a word
// (stored as a string literal).
func (p *parser) parseSetValue() Expr {
	t := p.peek()
	switch t.kind {
	case tIdent, tQIdent:
		if t.kind == tIdent && (t.val == "true" || t.val == "false") {
			p.next()
			return &Literal{Pos: t.pos, Kind: LitBool, Text: t.val, Bool: t.val == "true"}
		}
		p.next()
		return &Literal{Pos: t.pos, Kind: LitString, Text: t.val}
	case tString, tInt, tNum:
		return p.parsePrimary()
	case tOp:
		if t.val == "-" || t.val == "+" {
			return p.parseExprPrec(precUnary)
		}
	}
	p.fail("expected a value")
	return nil
}

func (p *parser) parseShow() Statement {
	pos := p.next().pos
	s := &Show{Pos: pos}
	simple := map[string]ShowKind{
		"tables": ShowTables, "sources": ShowSources, "sinks": ShowSinks, "views": ShowViews,
		"indexes": ShowIndexes, "databases": ShowDatabases, "schemas": ShowSchemas,
		"functions": ShowFunctions, "users": ShowUsers, "parameters": ShowParameters, "all": ShowAll,
	}
	t := p.peek()
	switch {
	case p.acceptKw("materialized", "views"):
		s.Kind = ShowMaterializedViews
	case p.acceptKw("internal", "tables"):
		s.Kind = ShowInternalTables
	case p.acceptKw("time", "zone"):
		s.Kind, s.Name = ShowParameter, "timezone"
		return s
	case p.acceptKw("transaction", "isolation", "level"):
		s.Kind, s.Name = ShowParameter, "transaction_isolation"
		return s
	case p.isKw("columns") && (p.isKwN(1, "from") || p.isKwN(1, "in")):
		p.next()
		p.next()
		s.Kind = ShowColumns
		s.Name = p.objName()
		return s
	case p.isKw("create") && p.peekN(1).kind == tIdent:
		p.next()
		switch {
		case p.acceptKw("table"):
			s.Kind = ShowCreateTable
		case p.acceptKw("source"):
			s.Kind = ShowCreateSource
		case p.acceptKw("sink"):
			s.Kind = ShowCreateSink
		case p.acceptKw("view"):
			s.Kind = ShowCreateView
		case p.acceptKw("materialized", "view"):
			s.Kind = ShowCreateMaterializedView
		case p.acceptKw("index"):
			s.Kind = ShowCreateIndex
		default:
			p.fail("expected TABLE, SOURCE, SINK, VIEW, MATERIALIZED VIEW or INDEX")
		}
		s.Name = p.objName()
		return s
	case t.kind == tIdent && simple[t.val] != "" && (p.peekN(1).kind == tEOF || p.isOpN(1, ";") || p.isKwN(1, "from") || p.isKwN(1, "in") || p.isKwN(1, "like")):
		p.next()
		s.Kind = simple[t.val]
	default:
		s.Kind = ShowParameter
		s.Name = p.paramName()
		return s
	}
	if p.acceptKw("from") || p.acceptKw("in") {
		s.From = p.objName()
	}
	if p.acceptKw("like") {
		t := p.peek()
		if t.kind != tString {
			p.fail("expected a string")
		}
		p.next()
		s.Like = t.val
	}
	return s
}

func (p *parser) parseExplain() Statement {
	pos := p.next().pos
	e := &Explain{Pos: pos}
	if p.isOp("(") && p.peekN(1).kind == tIdent && !p.isKwN(1, "select") && !p.isKwN(1, "with") && !p.isKwN(1, "values") {
		p.next()
		for {
			w := upperASCII(p.label())
			switch w {
			case "VERBOSE":
				e.Verbose = !p.acceptKw("false")
				p.acceptKw("true")
			case "LOGICAL", "PHYSICAL", "STREAM", "DISTSQL":
				e.Kind = w
			case "TYPE":
				e.Kind = upperASCII(p.label())
			case "ANALYZE":
				e.Analyze = true
			default:
				e.Options = append(e.Options, w)
				if p.peek().kind == tIdent && !p.isOp(",") {
					p.next()
				}
			}
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
	}
	for {
		switch {
		case p.acceptKw("verbose"):
			e.Verbose = true
			continue
		case p.acceptKw("analyze"):
			e.Analyze = true
			continue
		case p.isKw("logical") || p.isKw("physical") || p.isKw("distsql"):
			e.Kind = upperASCII(p.next().val)
			continue
		}
		break
	}
	e.Stmt = p.parseStatement()
	return e
}

func (p *parser) parseAlter() Statement {
	start := p.next()
	if p.acceptKw("system") {
		p.expectKw("set")
		a := &AlterSystem{Pos: start.pos}
		a.Name = p.paramName()
		if !p.acceptOp("=") {
			p.expectKw("to")
		}
		a.Values, a.ToDefault = p.parseSetValues()
		return a
	}
	if p.acceptKw("user") {
		u := &AlterUser{Pos: start.pos, Name: p.ident()}
		if p.acceptKw("rename", "to") {
			u.NewName = p.ident()
			return u
		}
		u.Options = p.parseUserOptions()
		return u
	}
	a := &Alter{Pos: start.pos}
	switch {
	case p.acceptKw("materialized", "view"):
		a.Object = "MATERIALIZED VIEW"
	default:
		t := p.peek()
		if t.kind != tIdent {
			p.fail("expected an object kind")
		}
		p.next()
		a.Object = upperASCII(t.val)
	}
	ifExists := p.acceptKw("if", "exists")
	a.Name = p.objName()
	switch {
	case a.Object == "MATERIALIZED VIEW" && !ifExists && p.acceptKw("as"):
		return &AlterMViewQuery{Pos: start.pos, Name: a.Name, Query: p.parseQuery()}
	case p.isKw("rename") && p.isKwN(1, "to"):
		p.next()
		p.next()
		return &AlterRename{Pos: start.pos, Object: a.Object, Name: a.Name, IfExists: ifExists, NewName: p.objName()}
	case a.Object == "TABLE" && p.isKw("rename") && (p.isKwN(1, "column") || p.peekN(1).kind == tIdent && p.isKwN(2, "to")):
		p.next()
		p.acceptKw("column")
		r := &AlterRename{Pos: start.pos, Object: a.Object, Name: a.Name, IfExists: ifExists, Column: p.ident()}
		p.expectKw("to")
		r.NewName = p.ident()
		return r
	case a.Object == "TABLE" && p.acceptKw("add"):
		p.acceptKw("column")
		if p.isKw("primary") || p.isKw("constraint") || p.isKw("watermark") || p.isKw("unique") || p.isKw("check") || p.isKw("foreign") {
			p.fail("expected a column definition")
		}
		tl := &tableLike{}
		p.parseTableElement(tl)
		if len(tl.columns) != 1 {
			p.fail("expected a column definition")
		}
		return &AlterColumn{Pos: start.pos, Name: a.Name, IfExists: ifExists, Add: tl.columns[0]}
	case a.Object == "TABLE" && p.acceptKw("drop"):
		p.acceptKw("column")
		ac := &AlterColumn{Pos: start.pos, Name: a.Name, IfExists: ifExists, DropIfExists: p.acceptKw("if", "exists")}
		ac.Drop = p.ident()
		if !p.acceptKw("restrict") && p.acceptKw("cascade") {
			p.fail("DROP COLUMN … CASCADE is not supported")
		}
		return ac
	}
	for t := p.peek(); t.kind != tEOF && !(t.kind == tOp && t.val == ";"); t = p.peek() {
		p.next()
	}
	// Rebuild the text from tokens so comments and layout are dropped.
	var words []string
	for _, t := range p.toks {
		if t.pos >= start.pos && t.pos < p.peek().pos && t.kind != tEOF {
			words = append(words, t.text(p.sql))
		}
	}
	a.Text = strings.Join(words, " ")
	return a
}
