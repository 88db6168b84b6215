package parser

// String methods: each returns canonical SQL for the node.

func (n *Query) String() string                  { return nodeString(n) }
func (n *CreateTable) String() string            { return nodeString(n) }
func (n *CreateSource) String() string           { return nodeString(n) }
func (n *CreateMaterializedView) String() string { return nodeString(n) }
func (n *CreateView) String() string             { return nodeString(n) }
func (n *CreateSink) String() string             { return nodeString(n) }
func (n *CreateIndex) String() string            { return nodeString(n) }
func (n *CreateSchema) String() string           { return nodeString(n) }
func (n *CreateType) String() string             { return nodeString(n) }
func (n *CreateDatabase) String() string         { return nodeString(n) }
func (n *CreateUser) String() string             { return nodeString(n) }
func (n *CreateFunction) String() string         { return nodeString(n) }
func (n *AlterUser) String() string              { return nodeString(n) }
func (n *Drop) String() string                   { return nodeString(n) }
func (n *Insert) String() string                 { return nodeString(n) }
func (n *Update) String() string                 { return nodeString(n) }
func (n *Delete) String() string                 { return nodeString(n) }
func (n *Show) String() string                   { return nodeString(n) }
func (n *Describe) String() string               { return nodeString(n) }
func (n *Explain) String() string                { return nodeString(n) }
func (n *Set) String() string                    { return nodeString(n) }
func (n *AlterSystem) String() string            { return nodeString(n) }
func (n *Alter) String() string                  { return nodeString(n) }
func (n *AlterRename) String() string            { return nodeString(n) }
func (n *AlterColumn) String() string            { return nodeString(n) }
func (n *AlterMViewQuery) String() string        { return nodeString(n) }
func (n *Flush) String() string                  { return nodeString(n) }
func (n *Begin) String() string                  { return nodeString(n) }
func (n *Commit) String() string                 { return nodeString(n) }
func (n *Rollback) String() string               { return nodeString(n) }
func (n *Discard) String() string                { return nodeString(n) }

func (n *SelectCore) String() string   { return nodeString(n) }
func (n *SetOp) String() string        { return nodeString(n) }
func (n *ValuesClause) String() string { return nodeString(n) }

func (n *TableName) String() string    { return nodeString(n) }
func (n *DerivedTable) String() string { return nodeString(n) }
func (n *Join) String() string         { return nodeString(n) }
func (n *TableFunc) String() string    { return nodeString(n) }
func (n *ParenTable) String() string   { return nodeString(n) }

func (n *Literal) String() string       { return nodeString(n) }
func (n *TypedLiteral) String() string  { return nodeString(n) }
func (n *ColumnRef) String() string     { return nodeString(n) }
func (n *Star) String() string          { return nodeString(n) }
func (n *Param) String() string         { return nodeString(n) }
func (n *BinaryExpr) String() string    { return nodeString(n) }
func (n *UnaryExpr) String() string     { return nodeString(n) }
func (n *IsExpr) String() string        { return nodeString(n) }
func (n *BetweenExpr) String() string   { return nodeString(n) }
func (n *InList) String() string        { return nodeString(n) }
func (n *InSubquery) String() string    { return nodeString(n) }
func (n *Exists) String() string        { return nodeString(n) }
func (n *Subquery) String() string      { return nodeString(n) }
func (n *ArraySubquery) String() string { return nodeString(n) }
func (n *QuantifiedCmp) String() string { return nodeString(n) }
func (n *Case) String() string          { return nodeString(n) }
func (n *Cast) String() string          { return nodeString(n) }
func (n *FuncCall) String() string      { return nodeString(n) }
func (n *ArrayLit) String() string      { return nodeString(n) }
func (n *Index) String() string         { return nodeString(n) }
func (n *RowExpr) String() string       { return nodeString(n) }
func (n *FieldAccess) String() string   { return nodeString(n) }
func (n *Extract) String() string       { return nodeString(n) }
func (n *AtTimeZone) String() string    { return nodeString(n) }
func (n *Collate) String() string       { return nodeString(n) }
func (n *Default) String() string       { return nodeString(n) }
func (n *GroupingSet) String() string   { return nodeString(n) }

// String returns the SQL text of the CTE: name [(cols)] AS (query).
func (n *CTE) String() string {
	var w printer
	w.s(QuoteIdent(n.Name))
	if len(n.Columns) > 0 {
		w.s(" (", identList(n.Columns), ")")
	}
	if n.ChangelogFrom != nil {
		w.s(" AS CHANGELOG FROM ", qualNameText(n.ChangelogFrom))
		return w.String()
	}
	w.s(" AS (")
	w.query(n.Query)
	w.s(")")
	return w.String()
}

// String returns the SQL text of the type, e.g. VARCHAR(10) or INTEGER[].
func (n *TypeName) String() string {
	var w printer
	w.typeName(n)
	return w.String()
}

// String returns the SQL text of the ORDER BY item.
func (n *OrderItem) String() string {
	var w printer
	w.orderList([]*OrderItem{n})
	return w.String()
}

// String returns the SQL text of the select item.
func (n *SelectItem) String() string {
	var w printer
	w.selectItems([]*SelectItem{n})
	return w.String()
}

// String returns the SQL text of the window specification in parentheses.
func (n *WindowSpec) String() string {
	var w printer
	w.windowSpec(n)
	return w.String()
}
