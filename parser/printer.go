package parser

import (
	"strconv"
	"strings"
)

// Format returns the canonical SQL text of n; it is the same as n.String().
// Printing is a fixpoint: Format of the parse of Format(n) equals Format(n).
func Format(n Node) string {
	if n == nil {
		return ""
	}
	return n.String()
}

// QuoteIdent returns s as an SQL identifier, double-quoted only when needed
// (when s is not a simple lower-case identifier or is a reserved keyword).
func QuoteIdent(s string) string {
	if isSimpleIdent(s) && !reserved[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func isSimpleIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c == '_' || c >= 0x80 || i > 0 && (c >= '0' && c <= '9' || c == '$') {
			continue
		}
		return false
	}
	return true
}

// quoteLabel quotes s only when it is not a simple identifier (reserved
// words are allowed, as in AS labels and option names).
func quoteLabel(s string) string {
	if isSimpleIdent(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// QuoteString returns s as a standard SQL string constant.
func QuoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func quoteParts(parts []string) string {
	q := make([]string, len(parts))
	for i, s := range parts {
		if i == 0 {
			q[i] = QuoteIdent(s)
		} else {
			q[i] = quoteLabel(s)
		}
	}
	return strings.Join(q, ".")
}

// quoteName quotes a dot-joined object name.
func quoteName(s string) string { return quoteParts(strings.Split(s, ".")) }

// quoteWordUpper prints an upper-case keyword-like word (FORMAT/ENCODE
// values, option kinds) so that label()+ToUpper reads it back.
func quoteWordUpper(s string) string {
	l := lowerASCII(s)
	if isSimpleIdent(l) && upperASCII(l) == s {
		return s
	}
	return `"` + strings.ReplaceAll(l, `"`, `""`) + `"`
}

type printer struct {
	strings.Builder
	// display prints data types by their display names (INT, CHARACTER
	// VARYING, DOUBLE) instead of the parser's canonical keywords: the
	// form SHOW CREATE shows.
	display bool
}

func (w *printer) s(ss ...string) {
	for _, s := range ss {
		w.WriteString(s)
	}
}

// ---------------------------------------------------------------------------
// expression precedence

func binPrec(op string) int {
	switch op {
	case "OR":
		return precOr
	case "AND":
		return precAnd
	case "IS DISTINCT FROM", "IS NOT DISTINCT FROM":
		return precIs
	case "=", "<>", "<", ">", "<=", ">=":
		return precCmp
	case "LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE", "SIMILAR TO", "NOT SIMILAR TO":
		return precLike
	case "+", "-":
		return precAdd
	case "*", "/", "%":
		return precMul
	case "^":
		return precExp
	}
	return precOther
}

func exprPrec(e Expr) int {
	switch e := e.(type) {
	case *BinaryExpr:
		return binPrec(e.Op)
	case *UnaryExpr:
		switch e.Op {
		case "NOT":
			return precNot
		case "-", "+":
			return precUnary
		}
		return precOther
	case *IsExpr:
		return precIs
	case *BetweenExpr, *InList, *InSubquery:
		return precLike
	case *QuantifiedCmp:
		if _, ok := cmpOps[e.Op]; ok {
			return precCmp
		}
		return precLike
	case *AtTimeZone:
		return precAt
	case *Collate:
		return precCollate
	case *Index:
		return precIndex
	case *Cast:
		if e.Style == "::" {
			return precCast
		}
	case *FieldAccess:
		return precField
	case *Literal:
		if strings.HasPrefix(e.Text, "-") && (e.Kind == LitInteger || e.Kind == LitNumeric) {
			return precUnary
		}
	}
	return precAtom
}

func nonAssoc(prec int) bool { return prec == precIs || prec == precCmp || prec == precLike }

// expr writes e, parenthesised if its precedence is below min.
func (w *printer) expr(e Expr, min int) {
	if e == nil {
		return
	}
	if exprPrec(e) < min {
		w.s("(")
		w.writeExpr(e)
		w.s(")")
		return
	}
	w.writeExpr(e)
}

func (w *printer) exprs(es []Expr) {
	for i, e := range es {
		if i > 0 {
			w.s(", ")
		}
		w.expr(e, 0)
	}
}

func (w *printer) writeExpr(e Expr) {
	switch e := e.(type) {
	case *Literal:
		switch e.Kind {
		case LitNull:
			w.s("NULL")
		case LitBool:
			if e.Bool {
				w.s("TRUE")
			} else {
				w.s("FALSE")
			}
		case LitString:
			w.s(QuoteString(e.Text))
		default:
			w.s(e.Text)
		}
	case *TypedLiteral:
		w.typeName(e.Type)
		w.s(" ", QuoteString(e.Value))
		if e.Unit != "" {
			w.s(" ", e.Unit)
		}
	case *ColumnRef:
		w.s(quoteParts(e.Parts))
	case *Star:
		if len(e.Qualifier) > 0 {
			w.s(quoteParts(e.Qualifier), ".")
		}
		w.s("*")
	case *Param:
		w.s("$", strconv.Itoa(e.N))
	case *BinaryExpr:
		p := binPrec(e.Op)
		lmin := p
		if nonAssoc(p) {
			lmin = p + 1
		}
		w.expr(e.Left, lmin)
		w.s(" ", e.Op, " ")
		w.expr(e.Right, p+1)
		if e.Escape != nil {
			w.s(" ESCAPE ")
			w.expr(e.Escape, precLike+1)
		}
	case *UnaryExpr:
		switch e.Op {
		case "NOT":
			w.s("NOT ")
			w.expr(e.Expr, precNot)
		case "-", "+":
			w.s(e.Op)
			var sub printer
			sub.expr(e.Expr, precUnary)
			s := sub.String()
			if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
				w.s("(", s, ")")
			} else {
				w.s(s)
			}
		default:
			w.s(e.Op, " ")
			w.expr(e.Expr, precOther+1)
		}
	case *IsExpr:
		w.expr(e.Expr, precIs+1)
		w.s(" IS ")
		if e.Not {
			w.s("NOT ")
		}
		w.s(e.What)
	case *BetweenExpr:
		w.expr(e.Expr, precLike+1)
		if e.Not {
			w.s(" NOT")
		}
		w.s(" BETWEEN ")
		if e.Symmetric {
			w.s("SYMMETRIC ")
		}
		w.expr(e.Low, precOther)
		w.s(" AND ")
		w.expr(e.High, precOther)
	case *InList:
		w.expr(e.Expr, precLike+1)
		if e.Not {
			w.s(" NOT")
		}
		w.s(" IN (")
		w.exprs(e.List)
		w.s(")")
	case *InSubquery:
		w.expr(e.Expr, precLike+1)
		if e.Not {
			w.s(" NOT")
		}
		w.s(" IN (")
		w.query(e.Query)
		w.s(")")
	case *Exists:
		w.s("EXISTS (")
		w.query(e.Query)
		w.s(")")
	case *Subquery:
		w.s("(")
		w.query(e.Query)
		w.s(")")
	case *ArraySubquery:
		w.s("ARRAY(")
		w.query(e.Query)
		w.s(")")
	case *QuantifiedCmp:
		w.expr(e.Expr, exprPrec(e)+1)
		w.s(" ", e.Op, " ", e.Quant, " (")
		if e.Query != nil {
			w.query(e.Query)
		} else {
			w.expr(e.Array, 0)
		}
		w.s(")")
	case *Case:
		w.s("CASE")
		if e.Operand != nil {
			w.s(" ")
			w.expr(e.Operand, 0)
		}
		for _, wh := range e.Whens {
			w.s(" WHEN ")
			w.expr(wh.Cond, 0)
			w.s(" THEN ")
			w.expr(wh.Result, 0)
		}
		if e.Else != nil {
			w.s(" ELSE ")
			w.expr(e.Else, 0)
		}
		w.s(" END")
	case *Cast:
		if e.Style == "::" {
			w.expr(e.Expr, precCast)
			w.s("::")
			w.typeName(e.Type)
		} else {
			w.s("CAST(")
			w.expr(e.Expr, 0)
			w.s(" AS ")
			w.typeName(e.Type)
			w.s(")")
		}
	case *FuncCall:
		w.funcCall(e)
	case *ArrayLit:
		w.s("ARRAY")
		w.arrayBody(e)
	case *Index:
		switch x := e.Expr.(type) {
		case *ColumnRef, *Param, *Index, *Subquery, *ArrayLit, *ArraySubquery:
			w.writeExpr(x)
		case *FuncCall:
			if x.Over == nil && x.Filter == nil && x.WithinGroup == nil && !x.NoParens {
				w.writeExpr(x)
			} else {
				w.s("(")
				w.writeExpr(x)
				w.s(")")
			}
		default:
			w.s("(")
			w.writeExpr(x)
			w.s(")")
		}
		w.s("[")
		if e.Slice {
			w.expr(e.Lo, 0)
			w.s(":")
			w.expr(e.Hi, 0)
		} else {
			w.expr(e.Index, 0)
		}
		w.s("]")
	case *RowExpr:
		if e.Explicit || len(e.Elems) < 2 {
			w.s("ROW")
		}
		w.s("(")
		w.exprs(e.Elems)
		w.s(")")
	case *FieldAccess:
		w.s("(")
		w.expr(e.Expr, 0)
		w.s(").")
		if e.Field == "*" {
			w.s("*")
		} else {
			w.s(quoteLabel(e.Field))
		}
	case *Extract:
		w.s("EXTRACT(")
		if isSimpleIdent(lowerASCII(e.Field)) && upperASCII(lowerASCII(e.Field)) == e.Field {
			w.s(e.Field)
		} else {
			w.s(QuoteString(e.Field))
		}
		w.s(" FROM ")
		w.expr(e.From, 0)
		w.s(")")
	case *AtTimeZone:
		w.expr(e.Expr, precAt)
		w.s(" AT TIME ZONE ")
		w.expr(e.Zone, precAt+1)
	case *Collate:
		w.expr(e.Expr, precCollate)
		w.s(" COLLATE ", quoteName(e.Collation))
	case *Default:
		w.s("DEFAULT")
	case *GroupingSet:
		w.s(e.Kind, " (")
		for i, it := range e.Items {
			if i > 0 {
				w.s(", ")
			}
			if r, ok := it.(*RowExpr); ok && !r.Explicit {
				w.s("(")
				w.exprs(r.Elems)
				w.s(")")
			} else {
				w.expr(it, 0)
			}
		}
		w.s(")")
	case nil:
	default:
		w.s("<?>")
	}
}

func (w *printer) arrayBody(a *ArrayLit) {
	w.s("[")
	for i, el := range a.Elems {
		if i > 0 {
			w.s(", ")
		}
		w.expr(el, 0)
	}
	w.s("]")
}

func funcName(parts []string) string {
	if len(parts) == 1 {
		n := parts[0]
		if isSimpleIdent(n) && (typeFuncName[n] || noParenFuncs[n]) {
			return n
		}
	}
	return quoteParts(parts)
}

func (w *printer) funcCall(f *FuncCall) {
	if f.NoParens {
		w.s(upperASCII(f.Name[0]))
		return
	}
	w.s(funcName(f.Name), "(")
	if f.Star {
		w.s("*")
	}
	if f.Distinct {
		w.s("DISTINCT ")
	}
	w.exprs(f.Args)
	if f.IgnoreNulls {
		w.s(" IGNORE NULLS")
	}
	if len(f.OrderBy) > 0 {
		w.s(" ORDER BY ")
		w.orderList(f.OrderBy)
	}
	w.s(")")
	if len(f.WithinGroup) > 0 {
		w.s(" WITHIN GROUP (ORDER BY ")
		w.orderList(f.WithinGroup)
		w.s(")")
	}
	if f.Filter != nil {
		w.s(" FILTER (WHERE ")
		w.expr(f.Filter, 0)
		w.s(")")
	}
	if f.Over != nil {
		w.s(" OVER ")
		o := f.Over
		if o.Name != "" && o.PartitionBy == nil && o.OrderBy == nil && o.Frame == nil {
			w.s(QuoteIdent(o.Name))
		} else {
			w.windowSpec(o)
		}
	}
}

func (w *printer) windowSpec(o *WindowSpec) {
	w.s("(")
	sep := ""
	if o.Name != "" {
		w.s(QuoteIdent(o.Name))
		sep = " "
	}
	if len(o.PartitionBy) > 0 {
		w.s(sep, "PARTITION BY ")
		w.exprs(o.PartitionBy)
		sep = " "
	}
	if len(o.OrderBy) > 0 {
		w.s(sep, "ORDER BY ")
		w.orderList(o.OrderBy)
		sep = " "
	}
	if f := o.Frame; f != nil && f.Mode == "SESSION" && f.Start != nil {
		w.s(sep, "SESSION WITH GAP ")
		w.expr(f.Start.Offset, precOther)
	} else if f != nil {
		w.s(sep, f.Mode, " ")
		if f.End != nil {
			w.s("BETWEEN ")
			w.frameBound(f.Start)
			w.s(" AND ")
			w.frameBound(f.End)
		} else {
			w.frameBound(f.Start)
		}
		if f.Exclude != "" {
			w.s(" EXCLUDE ", f.Exclude)
		}
	}
	w.s(")")
}

func (w *printer) frameBound(b *FrameBound) {
	if b == nil {
		return
	}
	if b.Offset != nil {
		w.expr(b.Offset, precOther)
		w.s(" ")
	}
	w.s(b.Kind)
}

func (w *printer) orderList(l []*OrderItem) {
	for i, o := range l {
		if i > 0 {
			w.s(", ")
		}
		w.expr(o.Expr, 0)
		if o.Desc {
			w.s(" DESC")
		}
		if o.NullsFirst != nil {
			if *o.NullsFirst {
				w.s(" NULLS FIRST")
			} else {
				w.s(" NULLS LAST")
			}
		}
	}
}

var typeKeywords = map[string]string{
	"boolean": "BOOLEAN", "smallint": "SMALLINT", "integer": "INTEGER", "bigint": "BIGINT",
	"real": "REAL", "double precision": "DOUBLE PRECISION", "numeric": "NUMERIC", "varchar": "VARCHAR",
	"char": "CHAR", "text": "TEXT", "bytea": "BYTEA", "date": "DATE", "time": "TIME",
	"timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ", "timetz": "TIMETZ", "interval": "INTERVAL",
	"json": "JSON", "jsonb": "JSONB", "struct": "STRUCT", "serial": "SERIAL", "uuid": "UUID",
	"varbit": "VARBIT",
}

// typeDisplayNames are the display names of the types whose display form
// (Format with display names, used by SHOW CREATE) differs from the keyword
// in typeKeywords. Each reads back as the same type.
var typeDisplayNames = map[string]string{
	"integer": "INT", "varchar": "CHARACTER VARYING", "double precision": "DOUBLE", "timestamptz": "timestamptz",
}

// typeNameNeedsQuote lists words the type parser would rewrite.
var typeNameNeedsQuote = map[string]bool{
	"double": true, "character": true, "nchar": true, "national": true, "bit": true, "float": true,
	"pg_catalog": true,
}

func (w *printer) typeName(t *TypeName) {
	if t == nil {
		return
	}
	if dn, ok := typeDisplayNames[t.Name]; ok && w.display {
		w.s(dn)
	} else if kw, ok := typeKeywords[t.Name]; ok {
		w.s(kw)
	} else if _, alias := typeAliases[t.Name]; alias || typeNameNeedsQuote[t.Name] || !isSimpleIdent(t.Name) {
		w.s(`"`, strings.ReplaceAll(t.Name, `"`, `""`), `"`)
	} else {
		w.s(t.Name)
	}
	if t.Name == "struct" && len(t.Fields) > 0 {
		w.s("<")
		for i, f := range t.Fields {
			if i > 0 {
				w.s(", ")
			}
			w.s(quoteLabel(f.Name), " ")
			w.typeName(f.Type)
		}
		w.s(">")
	}
	if t.Unit != "" {
		w.s(" ", t.Unit)
	}
	if len(t.Args) > 0 {
		w.s("(")
		for i, a := range t.Args {
			if i > 0 {
				w.s(",")
			}
			w.s(strconv.Itoa(a))
		}
		w.s(")")
	}
	for i := 0; i < t.ArrayDims; i++ {
		w.s("[]")
	}
}

// ---------------------------------------------------------------------------
// queries

func (w *printer) query(q *Query) {
	if q == nil {
		return
	}
	if q.With != nil {
		w.s("WITH ")
		if q.With.Recursive {
			w.s("RECURSIVE ")
		}
		for i, c := range q.With.CTEs {
			if i > 0 {
				w.s(", ")
			}
			w.s(QuoteIdent(c.Name))
			if len(c.Columns) > 0 {
				w.s(" (", identList(c.Columns), ")")
			}
			if c.ChangelogFrom != nil {
				w.s(" AS CHANGELOG FROM ", qualNameText(c.ChangelogFrom))
				continue
			}
			w.s(" AS (")
			w.query(c.Query)
			w.s(")")
		}
		w.s(" ")
	}
	w.setExpr(q.Body)
	if len(q.OrderBy) > 0 {
		w.s(" ORDER BY ")
		w.orderList(q.OrderBy)
	}
	if q.Limit != nil && !q.WithTies {
		w.s(" LIMIT ")
		w.expr(q.Limit, 0)
	}
	if q.Offset != nil {
		w.s(" OFFSET ")
		w.expr(q.Offset, precOther)
	}
	if q.Limit != nil && q.WithTies {
		w.s(" FETCH FIRST (")
		w.expr(q.Limit, 0)
		w.s(") ROWS WITH TIES")
	}
}

func identList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = QuoteIdent(s)
	}
	return strings.Join(q, ", ")
}

func setPrec(s SetExpr) int {
	if op, ok := s.(*SetOp); ok {
		if op.Op == "INTERSECT" {
			return 2
		}
		return 1
	}
	return 3
}

func (w *printer) setExpr(s SetExpr) {
	switch s := s.(type) {
	case *Query:
		w.s("(")
		w.query(s)
		w.s(")")
	case *SelectCore:
		w.selectCore(s)
	case *ValuesClause:
		w.s("VALUES ")
		for i, r := range s.Rows {
			if i > 0 {
				w.s(", ")
			}
			w.s("(")
			w.exprs(r)
			w.s(")")
		}
	case *SetOp:
		p := setPrec(s)
		if setPrec(s.Left) < p {
			w.s("(")
			w.setExpr(s.Left)
			w.s(")")
		} else {
			w.setExpr(s.Left)
		}
		w.s(" ", s.Op, " ")
		if s.All {
			w.s("ALL ")
		}
		if s.Corresponding {
			w.s("CORRESPONDING ")
			if len(s.CorrespondingBy) > 0 {
				w.s("BY (", identList(s.CorrespondingBy), ") ")
			}
		}
		if setPrec(s.Right) <= p {
			w.s("(")
			w.setExpr(s.Right)
			w.s(")")
		} else {
			w.setExpr(s.Right)
		}
	}
}

func (w *printer) selectItems(items []*SelectItem) {
	for i, it := range items {
		if i > 0 {
			w.s(", ")
		}
		switch {
		case it.Star:
			if it.StarTable != "" {
				w.s(quoteName(it.StarTable), ".")
			}
			w.s("*")
			if len(it.Except) > 0 {
				w.s(" EXCEPT (")
				w.exprs(it.Except)
				w.s(")")
			}
		default:
			w.expr(it.Expr, 0)
			if it.Alias != "" {
				w.s(" AS ", quoteLabel(it.Alias))
			}
		}
	}
}

func (w *printer) selectCore(s *SelectCore) {
	w.s("SELECT")
	if s.Distinct {
		w.s(" DISTINCT")
		if len(s.DistinctOn) > 0 {
			w.s(" ON (")
			w.exprs(s.DistinctOn)
			w.s(")")
		}
	}
	if len(s.Items) > 0 {
		w.s(" ")
		w.selectItems(s.Items)
	}
	if len(s.From) > 0 {
		w.s(" FROM ")
		for i, t := range s.From {
			if i > 0 {
				w.s(", ")
			}
			w.tableExpr(t)
		}
	}
	if s.Where != nil {
		w.s(" WHERE ")
		w.expr(s.Where, 0)
	}
	if len(s.GroupBy) > 0 {
		w.s(" GROUP BY ")
		for i, g := range s.GroupBy {
			if i > 0 {
				w.s(", ")
			}
			if r, ok := g.(*RowExpr); ok && len(r.Elems) == 0 && !r.Explicit {
				w.s("()")
			} else {
				w.expr(g, 0)
			}
		}
	}
	if s.Having != nil {
		w.s(" HAVING ")
		w.expr(s.Having, 0)
	}
	if len(s.Windows) > 0 {
		w.s(" WINDOW ")
		for i, nw := range s.Windows {
			if i > 0 {
				w.s(", ")
			}
			w.s(QuoteIdent(nw.Name), " AS ")
			w.windowSpec(nw.Spec)
		}
	}
}

func (w *printer) alias(a *Alias) {
	if a == nil {
		return
	}
	w.s(" AS ", QuoteIdent(a.Name))
	if len(a.Columns) > 0 {
		w.s(" (", identList(a.Columns), ")")
	}
}

func (w *printer) tableExpr(t TableExpr) {
	switch t := t.(type) {
	case *TableName:
		w.s(quoteParts(t.Name))
		if t.ForSystemTimeAsOfProctime {
			w.s(" FOR SYSTEM_TIME AS OF PROCTIME()")
		}
		w.alias(t.Alias)
	case *DerivedTable:
		if t.Lateral {
			w.s("LATERAL ")
		}
		w.s("(")
		w.query(t.Query)
		w.s(")")
		w.alias(t.Alias)
	case *TableFunc:
		if t.Lateral {
			w.s("LATERAL ")
		}
		w.funcCall(t.Func)
		if t.WithOrdinality {
			w.s(" WITH ORDINALITY")
		}
		w.alias(t.Alias)
	case *ParenTable:
		w.s("(")
		w.tableExpr(t.Table)
		w.s(")")
		w.alias(t.Alias)
	case *Join:
		w.tableExpr(t.Left)
		w.s(" ")
		if t.Natural {
			w.s("NATURAL ")
		}
		if t.Asof {
			w.s("ASOF ")
		}
		if t.Kind != "INNER" {
			w.s(t.Kind, " ")
		}
		w.s("JOIN ")
		if _, ok := t.Right.(*Join); ok {
			w.s("(")
			w.tableExpr(t.Right)
			w.s(")")
		} else {
			w.tableExpr(t.Right)
		}
		if t.On != nil {
			w.s(" ON ")
			w.expr(t.On, 0)
		}
		if len(t.Using) > 0 {
			w.s(" USING (", identList(t.Using), ")")
		}
	}
}

// ---------------------------------------------------------------------------
// statements

func (w *printer) options(opts []*Option) {
	w.s("(")
	for i, o := range opts {
		if i > 0 {
			w.s(", ")
		}
		w.s(quoteOptName(o.Name))
		if o.Value != nil {
			w.s(" = ")
			w.expr(o.Value, 0)
		}
	}
	w.s(")")
}

func quoteOptName(name string) string {
	parts := strings.Split(name, ".")
	for i, s := range parts {
		parts[i] = quoteLabel(s)
	}
	return strings.Join(parts, ".")
}

func (w *printer) format(f *FormatSpec) {
	if f == nil {
		return
	}
	w.s(" FORMAT ", quoteWordUpper(f.Format))
	if f.Encode != "" {
		w.s(" ENCODE ", quoteWordUpper(f.Encode))
		if len(f.Options) > 0 {
			w.s(" ")
			w.options(f.Options)
		}
	}
}

func (w *printer) tableBody(cols []*ColumnDef, pk []string, wm *WatermarkDef) {
	if len(cols) == 0 && len(pk) == 0 && wm == nil {
		return
	}
	w.s(" (")
	n := 0
	sep := func() {
		if n > 0 {
			w.s(", ")
		}
		n++
	}
	for _, c := range cols {
		sep()
		w.s(QuoteIdent(c.Name))
		if c.Type != nil {
			w.s(" ")
			w.typeName(c.Type)
		}
		if c.NotNull {
			w.s(" NOT NULL")
		}
		if c.PrimaryKey {
			w.s(" PRIMARY KEY")
		}
		if c.Unique {
			w.s(" UNIQUE")
		}
		if c.Default != nil {
			w.s(" DEFAULT ")
			w.expr(c.Default, precIs+1)
		}
		if c.Check != nil {
			w.s(" CHECK (")
			w.expr(c.Check, 0)
			w.s(")")
		}
		if c.Generated != nil {
			w.s(" AS ")
			w.expr(c.Generated, 0)
		}
	}
	if len(pk) > 0 {
		sep()
		w.s("PRIMARY KEY (", identList(pk), ")")
	}
	if wm != nil {
		sep()
		w.s("WATERMARK FOR ", QuoteIdent(wm.Column), " AS ")
		w.expr(wm.Expr, 0)
		if wm.TTL {
			w.s(" WITH TTL")
		}
	}
	w.s(")")
}

func (w *printer) includes(inc []*IncludeClause) {
	for _, ic := range inc {
		w.s(" INCLUDE ", quoteLabel(ic.Kind))
		if ic.Inner != "" {
			w.s(" ", QuoteString(ic.Inner))
		}
		if ic.Alias != "" {
			w.s(" AS ", QuoteIdent(ic.Alias))
		}
	}
}

func ifNotExists(b bool) string {
	if b {
		return "IF NOT EXISTS "
	}
	return ""
}

func (w *printer) setValues(vals []Expr, toDefault bool) {
	if toDefault {
		w.s(" TO DEFAULT")
		return
	}
	w.s(" = ")
	w.exprs(vals)
}

var paramNameConflicts = map[string]bool{
	"time": true, "transaction": true, "local": true, "session": true, "characteristics": true,
	"tables": true, "sources": true, "sinks": true, "views": true, "indexes": true, "databases": true,
	"schemas": true, "functions": true, "users": true, "parameters": true, "all": true,
	"materialized": true, "internal": true, "columns": true, "create": true,
}

func quoteParamName(name string) string {
	parts := strings.Split(name, ".")
	for i, s := range parts {
		if i == 0 && paramNameConflicts[s] && len(parts) == 1 {
			parts[i] = `"` + s + `"`
		} else {
			parts[i] = quoteLabel(s)
		}
	}
	return strings.Join(parts, ".")
}

func (w *printer) userOptions(opts []*Option) {
	for _, o := range opts {
		w.s(" ", upperASCII(o.Name))
		if o.Value != nil {
			w.s(" ")
			w.expr(o.Value, 0)
		}
	}
}

func (w *printer) stmt(s Statement) {
	switch s := s.(type) {
	case *Query:
		w.query(s)
	case *CreateTable:
		w.s("CREATE TABLE ", ifNotExists(s.IfNotExists), quoteName(s.Name))
		w.tableBody(s.Columns, s.PrimaryKey, s.Watermark)
		if s.AppendOnly {
			w.s(" APPEND ONLY")
		}
		if s.OnConflict != "" {
			w.s(" ON CONFLICT ", s.OnConflict)
		}
		if len(s.VersionColumns) > 0 {
			w.s(" WITH VERSION COLUMN(", identList(s.VersionColumns), ")")
		}
		w.includes(s.Include)
		if s.FromSource != "" {
			w.s(" FROM ", quoteName(s.FromSource), " TABLE ", QuoteString(s.FromTable))
		}
		if s.With != nil {
			w.s(" WITH ")
			w.options(s.With)
		}
		w.format(s.Format)
		if s.AsQuery != nil {
			w.s(" AS ")
			w.query(s.AsQuery)
		}
	case *CreateSource:
		w.s("CREATE SOURCE ", ifNotExists(s.IfNotExists), quoteName(s.Name))
		w.tableBody(s.Columns, s.PrimaryKey, s.Watermark)
		w.includes(s.Include)
		if s.With != nil {
			w.s(" WITH ")
			w.options(s.With)
		}
		w.format(s.Format)
	case *CreateMaterializedView:
		w.s("CREATE MATERIALIZED VIEW ", ifNotExists(s.IfNotExists), quoteName(s.Name))
		if len(s.Columns) > 0 {
			w.s(" (", identList(s.Columns), ")")
		}
		if s.With != nil {
			w.s(" WITH ")
			w.options(s.With)
		}
		w.s(" AS ")
		w.query(s.Query)
		if s.EmitOnWindowClose {
			w.s(" EMIT ON WINDOW CLOSE")
		}
	case *CreateView:
		w.s("CREATE ")
		if s.OrReplace {
			w.s("OR REPLACE ")
		}
		w.s("VIEW ", ifNotExists(s.IfNotExists), quoteName(s.Name))
		if len(s.Columns) > 0 {
			w.s(" (", identList(s.Columns), ")")
		}
		w.s(" AS ")
		w.query(s.Query)
	case *CreateSink:
		w.s("CREATE SINK ", ifNotExists(s.IfNotExists), quoteName(s.Name))
		if s.Into != "" {
			w.s(" INTO ", quoteName(s.Into))
			if len(s.IntoColumns) > 0 {
				w.s(" (", identList(s.IntoColumns), ")")
			}
		}
		if s.Query != nil {
			w.s(" AS ")
			w.query(s.Query)
		} else {
			w.s(" FROM ", quoteName(s.From))
		}
		if s.With != nil {
			w.s(" WITH ")
			w.options(s.With)
		}
		w.format(s.Format)
	case *CreateIndex:
		w.s("CREATE ")
		if s.Unique {
			w.s("UNIQUE ")
		}
		w.s("INDEX ", ifNotExists(s.IfNotExists))
		if s.Name != "" {
			w.s(quoteName(s.Name), " ")
		}
		w.s("ON ", quoteName(s.Table), " (")
		w.orderList(s.Columns)
		w.s(")")
		if len(s.Include) > 0 {
			w.s(" INCLUDE (", identList(s.Include), ")")
		}
		if len(s.DistributedBy) > 0 {
			w.s(" DISTRIBUTED BY (")
			w.exprs(s.DistributedBy)
			w.s(")")
		}
	case *CreateSchema:
		w.s("CREATE SCHEMA ", ifNotExists(s.IfNotExists), quoteName(s.Name))
	case *CreateType:
		w.s("CREATE TYPE ", quoteName(s.Name), " AS (")
		for i, f := range s.Fields {
			if i > 0 {
				w.s(", ")
			}
			w.s(QuoteIdent(f.Name), " ")
			w.typeName(f.Type)
		}
		w.s(")")
	case *CreateDatabase:
		w.s("CREATE DATABASE ", ifNotExists(s.IfNotExists), quoteName(s.Name))
	case *CreateUser:
		w.s("CREATE USER ", QuoteIdent(s.Name))
		if len(s.Options) > 0 {
			w.s(" WITH")
			w.userOptions(s.Options)
		}
	case *CreateFunction:
		w.s("CREATE ")
		if s.OrReplace {
			w.s("OR REPLACE ")
		}
		w.s("FUNCTION ", quoteName(s.Name), "(")
		for i, a := range s.Args {
			if i > 0 {
				w.s(", ")
			}
			if a.Name != "" {
				w.s(QuoteIdent(a.Name), " ")
			}
			w.typeName(a.Type)
		}
		w.s(")")
		if s.Returns != nil {
			w.s(" RETURNS ")
			w.typeName(s.Returns)
		} else if s.ReturnsTable != nil {
			w.s(" RETURNS TABLE")
			w.tableBody(s.ReturnsTable, nil, nil)
		}
		if s.Language != "" {
			w.s(" LANGUAGE ", quoteLabel(s.Language))
		}
		for _, o := range s.Options {
			w.s(" ", o)
		}
		if s.As != "" || s.Link != "" && s.Return == nil {
			w.s(" AS ", QuoteString(s.As))
		}
		if s.Link != "" {
			w.s(" USING LINK ", QuoteString(s.Link))
		}
		if s.Return != nil {
			w.s(" RETURN ")
			w.expr(s.Return, 0)
		}
	case *AlterUser:
		w.s("ALTER USER ", QuoteIdent(s.Name))
		if s.NewName != "" {
			w.s(" RENAME TO ", QuoteIdent(s.NewName))
		} else if len(s.Options) > 0 {
			w.s(" WITH")
			w.userOptions(s.Options)
		}
	case *Drop:
		w.s("DROP ", s.Kind, " ")
		if s.IfExists {
			w.s("IF EXISTS ")
		}
		for i, n := range s.Names {
			if i > 0 {
				w.s(", ")
			}
			w.s(quoteName(n))
			if i < len(s.FuncArgs) && s.FuncArgs[i] != nil {
				w.s("(")
				for j, t := range s.FuncArgs[i] {
					if j > 0 {
						w.s(", ")
					}
					w.typeName(t)
				}
				w.s(")")
			}
		}
		if s.Cascade {
			w.s(" CASCADE")
		}
	case *Insert:
		w.s("INSERT INTO ", quoteName(s.Table))
		if len(s.Columns) > 0 {
			w.s(" (", identList(s.Columns), ")")
		}
		if s.Source == nil {
			w.s(" DEFAULT VALUES")
		} else {
			w.s(" ")
			w.query(s.Source)
		}
		w.returning(s.Returning)
	case *Update:
		w.s("UPDATE ", quoteName(s.Table))
		if s.Alias != "" {
			w.s(" AS ", QuoteIdent(s.Alias))
		}
		w.s(" SET ")
		for i, a := range s.Set {
			if i > 0 {
				w.s(", ")
			}
			if a.Columns != nil {
				w.s("(", identList(a.Columns), ") = ")
			} else {
				w.s(quoteName(a.Column), " = ")
			}
			w.expr(a.Value, 0)
		}
		if len(s.From) > 0 {
			w.s(" FROM ")
			for i, t := range s.From {
				if i > 0 {
					w.s(", ")
				}
				w.tableExpr(t)
			}
		}
		if s.Where != nil {
			w.s(" WHERE ")
			w.expr(s.Where, 0)
		}
		w.returning(s.Returning)
	case *Delete:
		w.s("DELETE FROM ", quoteName(s.Table))
		if s.Alias != "" {
			w.s(" AS ", QuoteIdent(s.Alias))
		}
		if s.Where != nil {
			w.s(" WHERE ")
			w.expr(s.Where, 0)
		}
		w.returning(s.Returning)
	case *Show:
		w.s("SHOW ")
		switch s.Kind {
		case ShowParameter:
			w.s(quoteParamName(s.Name))
		case ShowColumns:
			w.s("COLUMNS FROM ", quoteName(s.Name))
		case ShowCreateTable, ShowCreateSource, ShowCreateSink, ShowCreateView, ShowCreateMaterializedView, ShowCreateIndex:
			w.s(string(s.Kind), " ", quoteName(s.Name))
		default:
			w.s(string(s.Kind))
			if s.From != "" {
				w.s(" FROM ", quoteName(s.From))
			}
			if s.Like != "" {
				w.s(" LIKE ", QuoteString(s.Like))
			}
		}
	case *Describe:
		w.s("DESCRIBE ", quoteName(s.Name))
	case *Explain:
		w.s("EXPLAIN ")
		var opts []string
		if s.Verbose {
			opts = append(opts, "VERBOSE")
		}
		if s.Analyze {
			opts = append(opts, "ANALYZE")
		}
		switch s.Kind {
		case "":
		case "LOGICAL", "PHYSICAL", "STREAM", "DISTSQL":
			opts = append(opts, s.Kind)
		default:
			opts = append(opts, "TYPE "+quoteWordUpper(s.Kind))
		}
		opts = append(opts, s.Options...)
		if len(opts) > 0 {
			w.s("(", strings.Join(opts, ", "), ") ")
		}
		w.stmt(s.Stmt)
	case *Set:
		if s.Name == "transaction" && s.Values == nil && !s.ToDefault {
			w.s("SET TRANSACTION")
			return
		}
		w.s("SET ")
		if s.Local {
			w.s("LOCAL ")
		}
		w.s(quoteParamName(s.Name))
		w.setValues(s.Values, s.ToDefault)
	case *AlterSystem:
		w.s("ALTER SYSTEM SET ", quoteParamName(s.Name))
		w.setValues(s.Values, s.ToDefault)
	case *Alter:
		w.s(s.Text)
	case *AlterMViewQuery:
		w.s("ALTER MATERIALIZED VIEW ", quoteName(s.Name), " AS ")
		w.query(s.Query)
	case *AlterRename:
		w.s("ALTER ", s.Object, " ")
		if s.IfExists {
			w.s("IF EXISTS ")
		}
		w.s(quoteName(s.Name))
		if s.Column != "" {
			w.s(" RENAME COLUMN ", QuoteIdent(s.Column), " TO ", QuoteIdent(s.NewName))
		} else {
			w.s(" RENAME TO ", quoteName(s.NewName))
		}
	case *AlterColumn:
		w.s("ALTER TABLE ")
		if s.IfExists {
			w.s("IF EXISTS ")
		}
		w.s(quoteName(s.Name))
		if s.Add != nil {
			// The column prints as the body of a one-column table.
			var c printer
			c.tableBody([]*ColumnDef{s.Add}, nil, nil)
			body := c.String()
			w.s(" ADD COLUMN ", body[2:len(body)-1])
		} else {
			w.s(" DROP COLUMN ")
			if s.DropIfExists {
				w.s("IF EXISTS ")
			}
			w.s(QuoteIdent(s.Drop))
		}
	case *Flush:
		w.s("FLUSH")
	case *Begin:
		w.s("START TRANSACTION")
		if s.ReadOnly {
			w.s(" READ ONLY")
		}
	case *Commit:
		w.s("COMMIT")
	case *Rollback:
		w.s("ROLLBACK")
	case *Discard:
		w.s("DISCARD ", quoteWordUpper(s.What))
	}
}

func (w *printer) returning(items []*SelectItem) {
	if len(items) > 0 {
		w.s(" RETURNING ")
		w.selectItems(items)
	}
}

func nodeString(n Node) string {
	var w printer
	return w.node(n)
}

// FormatDisplay returns the SQL text of n as SHOW CREATE shows it: like
// Format, but data types are printed by their display names (INT,
// CHARACTER VARYING, DOUBLE, timestamptz). The text parses back to the same
// statement.
func FormatDisplay(n Node) string {
	if n == nil {
		return ""
	}
	w := printer{display: true}
	return w.node(n)
}

func (w *printer) node(n Node) string {
	switch n := n.(type) {
	case Statement:
		w.stmt(n)
	case Expr:
		w.expr(n, 0)
	case TableExpr:
		w.tableExpr(n)
	case SetExpr:
		w.setExpr(n)
	}
	return w.String()
}

// qualNameText prints a dotted name, quoting parts as needed.
func qualNameText(parts []string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = QuoteIdent(p)
	}
	return strings.Join(out, ".")
}
