package parser

// Node is implemented by every AST node. Position returns the byte offset of
// the node's first token; String returns canonical SQL for the node.
type Node interface {
	Position() Pos
	String() string
}

// Statement is a top-level SQL statement.
type Statement interface {
	Node
	stmtNode()
}

// Expr is a scalar expression.
type Expr interface {
	Node
	exprNode()
}

// TableExpr is an item of a FROM clause.
type TableExpr interface {
	Node
	tableExprNode()
}

// SetExpr is the body of a Query: *SelectCore, *SetOp, *ValuesClause or a
// parenthesised *Query (only when that query has its own WITH, ORDER BY,
// LIMIT or OFFSET; redundant parentheses are dropped).
type SetExpr interface {
	Node
	setExprNode()
}

// ---------------------------------------------------------------------------
// Queries

// Query is a complete query: SELECT, VALUES, TABLE or a set operation, with
// optional WITH, ORDER BY, LIMIT and OFFSET. *Query is itself a Statement (a
// SELECT statement parses to a *Query) and a SetExpr (a parenthesised query).
// FETCH FIRST n ROWS ONLY is stored as Limit.
type Query struct {
	Pos
	With    *With
	Body    SetExpr
	OrderBy []*OrderItem
	Limit   Expr
	Offset  Expr
	// WithTies is FETCH FIRST n ROWS WITH TIES.
	WithTies bool
}

// With is a WITH clause.
type With struct {
	Pos
	Recursive bool
	CTEs      []*CTE
}

// CTE is one common table expression: Name [(Columns)] AS (Query).
type CTE struct {
	Pos
	Name    string
	Columns []string
	Query   *Query
	// ChangelogFrom is set (and Query nil) for RisingWave's
	// `name AS CHANGELOG FROM relation`: the relation's change stream.
	ChangelogFrom []string
}

// SelectCore is a single SELECT ... FROM ... WHERE ... GROUP BY ... HAVING
// ... WINDOW ... block. TABLE t parses to SELECT * FROM t.
type SelectCore struct {
	Pos
	Distinct   bool
	DistinctOn []Expr
	Items      []*SelectItem
	From       []TableExpr
	Where      Expr
	GroupBy    []Expr
	Having     Expr
	Windows    []*NamedWindow
}

// SelectItem is an item of a select list (or of a RETURNING clause). When Star
// is set the item is `*` or, with StarTable set, `StarTable.*` (StarTable is
// the qualifier, dot-joined if multi-part); otherwise it is Expr [AS Alias].
type SelectItem struct {
	Pos
	Expr      Expr
	Alias     string
	Star      bool
	StarTable string
	Except    []Expr // * EXCEPT (cols), RisingWave
}

// NamedWindow is a WINDOW clause entry: Name AS (Spec).
type NamedWindow struct {
	Pos
	Name string
	Spec *WindowSpec
}

// SetOp is a UNION, INTERSECT or EXCEPT of two set expressions.
type SetOp struct {
	Pos
	Op    string // "UNION", "INTERSECT" or "EXCEPT"
	All   bool
	Left  SetExpr
	Right SetExpr
	// Corresponding is set for UNION CORRESPONDING [BY (CorrespondingBy)].
	Corresponding   bool
	CorrespondingBy []string
}

// ValuesClause is VALUES (...), (...). A row element may be *Default.
type ValuesClause struct {
	Pos
	Rows [][]Expr
}

// OrderItem is an ORDER BY element. NullsFirst is nil when unspecified.
type OrderItem struct {
	Pos
	Expr       Expr
	Desc       bool
	NullsFirst *bool
}

// ---------------------------------------------------------------------------
// FROM items

// Alias is a table alias: AS Name [(Columns)].
type Alias struct {
	Pos
	Name    string
	Columns []string
}

// TableName is a (possibly qualified) table reference in FROM, optionally a
// lookup-join temporal reference (FOR SYSTEM_TIME AS OF PROCTIME()).
type TableName struct {
	Pos
	Name                      []string
	Alias                     *Alias
	ForSystemTimeAsOfProctime bool
}

// DerivedTable is a subquery in FROM: [LATERAL] (Query) [AS alias].
type DerivedTable struct {
	Pos
	Query   *Query
	Alias   *Alias
	Lateral bool
}

// Join is a join of two FROM items. Kind is "INNER", "LEFT", "RIGHT", "FULL"
// or "CROSS". Comma-separated FROM items are not Joins; they are separate
// elements of SelectCore.From.
type Join struct {
	Pos
	Kind    string
	Natural bool
	Asof    bool // ASOF [LEFT] JOIN
	Left    TableExpr
	Right   TableExpr
	On      Expr
	Using   []string
}

// TableFunc is a table function in FROM, such as TUMBLE(t, ts, INTERVAL
// '1' HOUR), HOP(t, ts, slide, size), generate_series(1, 10) or unnest(a).
// A table name passed as an argument appears as a *ColumnRef.
type TableFunc struct {
	Pos
	Func           *FuncCall
	Alias          *Alias
	Lateral        bool
	WithOrdinality bool
}

// ParenTable is a parenthesised join in FROM: (a JOIN b ON ...) [AS alias].
type ParenTable struct {
	Pos
	Table TableExpr
	Alias *Alias
}

// ---------------------------------------------------------------------------
// Expressions

// LiteralKind says what kind of constant a Literal is.
type LiteralKind int

// The literal kinds.
const (
	LitNull      LiteralKind = iota // NULL
	LitBool                         // TRUE / FALSE (Bool holds the value)
	LitInteger                      // integer that fits int64 (Int holds the value)
	LitNumeric                      // decimal/float constant, or an integer too big for int64
	LitString                       // string constant (Text holds the decoded value)
	LitBitString                    // B'0101' or X'1F' (Text holds the text, e.g. "X'1F'")
)

// Literal is a constant. Text holds the source text for numbers, the decoded
// value for strings, "true"/"false" for booleans and "NULL" for NULL.
type Literal struct {
	Pos
	Kind LiteralKind
	Text string
	Int  int64
	Bool bool
}

// TypedLiteral is a type-prefixed string constant: DATE '2020-01-01',
// TIMESTAMP '...', INTERVAL '1' HOUR, INTERVAL '5 seconds'. Unit holds the
// upper-case interval qualifier ("HOUR", "DAY TO SECOND"), if any.
type TypedLiteral struct {
	Pos
	Type  *TypeName
	Value string
	Unit  string
}

// ColumnRef is a possibly qualified column reference: a, t.a, s.t.a.
type ColumnRef struct {
	Pos
	Parts []string
}

// Star is `*` or `t.*` used as an expression (for example ROW(t.*)); count(*)
// uses FuncCall.Star instead.
type Star struct {
	Pos
	Qualifier []string
}

// Param is a positional parameter $N.
type Param struct {
	Pos
	N int
}

// BinaryExpr is a binary operator expression. Op is the operator symbol
// ("+", "=", "<>", "||", "->>", ...; != is normalised to <> and == to =) or
// an upper-case keyword operator: "AND", "OR", "LIKE", "NOT LIKE", "ILIKE",
// "NOT ILIKE", "SIMILAR TO", "NOT SIMILAR TO", "IS DISTINCT FROM",
// "IS NOT DISTINCT FROM". Escape is the optional ESCAPE of LIKE forms.
type BinaryExpr struct {
	Pos
	Op     string
	Left   Expr
	Right  Expr
	Escape Expr
}

// UnaryExpr is a prefix operator expression: Op is "NOT", "-", "+", "~" or
// another prefix operator symbol. NOT EXISTS is UnaryExpr{NOT, Exists}.
type UnaryExpr struct {
	Pos
	Op   string
	Expr Expr
}

// IsExpr is Expr IS [NOT] What, where What is "NULL", "TRUE", "FALSE" or
// "UNKNOWN". The postfix forms ISNULL and NOTNULL parse to IsExpr too.
type IsExpr struct {
	Pos
	Expr Expr
	Not  bool
	What string
}

// BetweenExpr is Expr [NOT] BETWEEN [SYMMETRIC] Low AND High.
type BetweenExpr struct {
	Pos
	Expr      Expr
	Not       bool
	Symmetric bool
	Low       Expr
	High      Expr
}

// InList is Expr [NOT] IN (List...). List may be empty.
type InList struct {
	Pos
	Expr Expr
	Not  bool
	List []Expr
}

// InSubquery is Expr [NOT] IN (Query).
type InSubquery struct {
	Pos
	Expr  Expr
	Not   bool
	Query *Query
}

// Exists is EXISTS (Query).
type Exists struct {
	Pos
	Query *Query
}

// Subquery is a scalar subquery (Query).
type Subquery struct {
	Pos
	Query *Query
}

// ArraySubquery is ARRAY(Query).
type ArraySubquery struct {
	Pos
	Query *Query
}

// QuantifiedCmp is Expr Op ANY|ALL (Query or array Expr), for example
// x = ANY(SELECT ...) or x < ALL(ARRAY[1,2]) or x LIKE ANY(...). Quant is
// "ANY" or "ALL" (SOME is normalised to ANY). Exactly one of Query and Array
// is set.
type QuantifiedCmp struct {
	Pos
	Expr  Expr
	Op    string
	Quant string
	Query *Query
	Array Expr
}

// Case is CASE [Operand] WHEN ... THEN ... [ELSE Else] END.
type Case struct {
	Pos
	Operand Expr
	Whens   []*When
	Else    Expr
}

// When is one WHEN Cond THEN Result arm of a Case.
type When struct {
	Pos
	Cond   Expr
	Result Expr
}

// Cast is a type cast. Style is "::" or "CAST".
type Cast struct {
	Pos
	Expr  Expr
	Type  *TypeName
	Style string
}

// FuncCall is a function call, including aggregates and window functions.
// Name holds the lower-cased (possibly qualified) name parts. Star is set for
// f(*). NoParens is set for the SQL keyword functions CURRENT_DATE,
// CURRENT_TIME, CURRENT_TIMESTAMP, LOCALTIME, LOCALTIMESTAMP, CURRENT_USER,
// SESSION_USER, USER, CURRENT_SCHEMA, CURRENT_CATALOG, CURRENT_ROLE.
//
// The special syntactic forms are normalised to plain calls following
// PostgreSQL: POSITION(a IN b) -> position(b, a); SUBSTRING(x FROM a FOR b)
// -> substring(x, a, b) (FOR alone gives substring(x, 1, b)); TRIM([BOTH] c
// FROM x) -> btrim(x, c), LEADING -> ltrim, TRAILING -> rtrim; OVERLAY(a
// PLACING b FROM c [FOR d]) -> overlay(a, b, c[, d]).
type FuncCall struct {
	Pos
	Name        []string
	Args        []Expr
	Distinct    bool
	Star        bool
	NoParens    bool
	OrderBy     []*OrderItem
	WithinGroup []*OrderItem
	Filter      Expr
	Over        *WindowSpec
	IgnoreNulls bool // f(x IGNORE NULLS) or f(x) IGNORE NULLS
}

// WindowSpec is an OVER clause or WINDOW definition. Name refers to a named
// window (OVER w, or OVER (w ORDER BY ...)).
type WindowSpec struct {
	Pos
	Name        string
	PartitionBy []Expr
	OrderBy     []*OrderItem
	Frame       *Frame
}

// Frame is a window frame. Mode is "ROWS", "RANGE" or "GROUPS"; End is nil
// when the frame has no BETWEEN. Exclude is "", "CURRENT ROW", "GROUP",
// "TIES" or "NO OTHERS". RisingWave's SESSION WITH GAP g is Mode "SESSION"
// with Start {Kind: "GAP", Offset: g} and no End.
type Frame struct {
	Pos
	Mode    string
	Start   *FrameBound
	End     *FrameBound
	Exclude string
}

// FrameBound is a frame boundary. Kind is "UNBOUNDED PRECEDING",
// "PRECEDING", "CURRENT ROW", "FOLLOWING" or "UNBOUNDED FOLLOWING"; Offset
// is set for PRECEDING and FOLLOWING.
type FrameBound struct {
	Pos
	Kind   string
	Offset Expr
}

// ArrayLit is ARRAY[Elems...] (nested [..] inside an ARRAY literal are
// ArrayLits too).
type ArrayLit struct {
	Pos
	Elems []Expr
}

// Index is array subscripting: Expr[Index], or a slice Expr[Lo:Hi] when
// Slice is set (Lo and Hi may be nil).
type Index struct {
	Pos
	Expr  Expr
	Index Expr
	Slice bool
	Lo    Expr
	Hi    Expr
}

// RowExpr is a row constructor: (a, b) or ROW(a, ...). Explicit records the
// ROW keyword.
type RowExpr struct {
	Pos
	Elems    []Expr
	Explicit bool
}

// FieldAccess is (Expr).Field; Field is "*" for (Expr).*.
type FieldAccess struct {
	Pos
	Expr  Expr
	Field string
}

// Extract is EXTRACT(Field FROM From); Field is upper-case (e.g. "EPOCH").
type Extract struct {
	Pos
	Field string
	From  Expr
}

// AtTimeZone is Expr AT TIME ZONE Zone.
type AtTimeZone struct {
	Pos
	Expr Expr
	Zone Expr
}

// Collate is Expr COLLATE Collation.
type Collate struct {
	Pos
	Expr      Expr
	Collation string
}

// Default is the DEFAULT keyword in VALUES or UPDATE SET.
type Default struct {
	Pos
}

// GroupingSet is a GROUP BY element ROLLUP(...), CUBE(...) or GROUPING SETS
// (...). Kind is "ROLLUP", "CUBE" or "GROUPING SETS". A parenthesised item
// list is a *RowExpr (empty for ()).
type GroupingSet struct {
	Pos
	Kind  string
	Items []Expr
}

// TypeName is a data type. Name is canonical lower-case: boolean, smallint,
// integer, bigint, real, double precision, numeric, varchar, char, text,
// bytea, date, time, timestamp, timestamptz, timetz, interval, json, jsonb,
// struct, or another (unknown) lower-cased name. Args holds type modifiers
// (varchar(10), numeric(10,2)); ArrayDims counts [] suffixes (or ARRAY).
// Fields holds the fields of STRUCT<name type, ...>. Unit holds an INTERVAL
// field qualifier (e.g. "DAY TO SECOND").
type TypeName struct {
	Pos
	Name      string
	Args      []int
	ArrayDims int
	Fields    []*StructField
	Unit      string
}

// StructField is a field of a STRUCT type.
type StructField struct {
	Pos
	Name string
	Type *TypeName
}

// ---------------------------------------------------------------------------
// Statements

// Option is a WITH (...) or FORMAT ... ( ... ) option: Name = Value. Name is
// dot-joined and lower-cased unless quoted (properties.bootstrap.server).
// Value is a *Literal (identifiers are stored as string literals); it may be
// nil for flag-like options (CREATE USER ... SUPERUSER).
type Option struct {
	Pos
	Name  string
	Value Expr
}

// FormatSpec is FORMAT f ENCODE e [(Options)]. Format and Encode are
// upper-case (PLAIN, UPSERT, DEBEZIUM, NATIVE; JSON, TEMPLATE, CSV, AVRO,
// PROTOBUF, BYTES). The legacy ROW FORMAT x gives Format "PLAIN", Encode x.
type FormatSpec struct {
	Pos
	Format  string
	Encode  string
	Options []*Option
}

// ColumnDef is a column definition. Generated holds `AS expr` (or GENERATED
// ALWAYS AS (expr) STORED); Type may be nil for a generated column without a
// type.
type ColumnDef struct {
	Pos
	Name       string
	Type       *TypeName
	NotNull    bool
	PrimaryKey bool
	Unique     bool
	Default    Expr
	Generated  Expr
	Check      Expr
}

// WatermarkDef is WATERMARK FOR Column AS Expr [WITH TTL]. TTL marks a
// table's watermark whose rows below the watermark expire: they are
// filtered out of the table's change stream and may be cleaned from its
// state.
type WatermarkDef struct {
	Pos
	Column string
	Expr   Expr
	TTL    bool
}

// IncludeClause is INCLUDE Kind [AS Alias]; Kind is lower-case: key,
// partition, offset, timestamp, header, payload.
type IncludeClause struct {
	Pos
	Kind  string
	Inner string // header name for INCLUDE header 'name'
	Alias string
}

// CreateTable is CREATE TABLE. Qualified names are dot-joined strings.
// AsQuery is set for CREATE TABLE ... AS query.
type CreateTable struct {
	Pos
	Name        string
	IfNotExists bool
	Columns     []*ColumnDef
	PrimaryKey  []string
	AppendOnly  bool
	Watermark   *WatermarkDef
	Include     []*IncludeClause
	With        []*Option
	Format      *FormatSpec
	FromSource  string
	FromTable   string
	AsQuery     *Query
	// OnConflict is the upsert behaviour of a primary-key table, one of the
	// OnConflict* constants ("" when not given: OVERWRITE).
	OnConflict string
	// VersionColumns are the columns of WITH VERSION COLUMN(…): a row whose
	// version (compared as a tuple) is lower than the stored row's is ignored.
	VersionColumns []string
}

// The ON CONFLICT behaviours of CREATE TABLE, in their canonical spelling.
const (
	OnConflictOverwrite     = "DO UPDATE FULL"
	OnConflictDoNothing     = "DO NOTHING"
	OnConflictIfNotNull     = "DO UPDATE IF NOT NULL"
	onConflictOverwriteWord = "overwrite"
	onConflictIgnoreWord    = "ignore"
)

// CreateSource is CREATE SOURCE. Columns may be empty.
type CreateSource struct {
	Pos
	Name        string
	IfNotExists bool
	Columns     []*ColumnDef
	PrimaryKey  []string
	Watermark   *WatermarkDef
	Include     []*IncludeClause
	With        []*Option
	Format      *FormatSpec
}

// CreateMaterializedView is CREATE MATERIALIZED VIEW [IF NOT EXISTS] Name
// [(Columns)] [WITH (...)] AS Query [EMIT ON WINDOW CLOSE].
type CreateMaterializedView struct {
	Pos
	Name              string
	IfNotExists       bool
	Columns           []string
	With              []*Option
	Query             *Query
	EmitOnWindowClose bool
}

// CreateView is CREATE [OR REPLACE] VIEW.
type CreateView struct {
	Pos
	Name        string
	OrReplace   bool
	IfNotExists bool
	Columns     []string
	Query       *Query
}

// CreateSink is CREATE SINK Name [INTO Into] FROM From | AS Query WITH (...)
// [FORMAT ...]. Exactly one of From and Query is set.
type CreateSink struct {
	Pos
	Name        string
	IfNotExists bool
	Into        string
	IntoColumns []string
	From        string
	Query       *Query
	With        []*Option
	Format      *FormatSpec
}

// CreateIndex is CREATE [UNIQUE] INDEX [[IF NOT EXISTS] Name] ON Table
// [USING btree] (Columns) [INCLUDE (…)] [DISTRIBUTED BY (…)]. Name is
// empty when omitted.
type CreateIndex struct {
	Pos
	Name          string
	Unique        bool
	IfNotExists   bool
	Table         string
	Columns       []*OrderItem
	Include       []string
	DistributedBy []Expr
}

// CreateSchema is CREATE SCHEMA [IF NOT EXISTS] Name.
type CreateSchema struct {
	Pos
	Name        string
	IfNotExists bool
}

// CreateType is CREATE TYPE Name AS (field type, …): a composite type.
type CreateType struct {
	Pos
	Name   string
	Fields []*StructField
}

// CreateDatabase is CREATE DATABASE Name.
type CreateDatabase struct {
	Pos
	Name        string
	IfNotExists bool
}

// CreateUser is CREATE USER Name [WITH] options. Options are lower-cased
// names (password, superuser, nosuperuser, login, nologin, createdb, ...)
// with an optional value.
type CreateUser struct {
	Pos
	Name    string
	Options []*Option
}

// AlterUser is ALTER USER Name [WITH] options | RENAME TO NewName.
type AlterUser struct {
	Pos
	Name    string
	Options []*Option
	NewName string
}

// FuncArg is an argument of CREATE FUNCTION: [Name] Type.
type FuncArg struct {
	Pos
	Name string
	Type *TypeName
}

// CreateFunction is CREATE [OR REPLACE] FUNCTION Name(Args) RETURNS Returns
// | RETURNS TABLE (ReturnsTable) followed by LANGUAGE, AS 'body' (or
// $$body$$), USING LINK, RETURN expr and other option words (upper-case,
// in Options).
type CreateFunction struct {
	Pos
	Name         string
	OrReplace    bool
	Args         []*FuncArg
	Returns      *TypeName
	ReturnsTable []*ColumnDef
	Language     string
	As           string
	Link         string
	Return       Expr
	Options      []string
}

// Drop is DROP Kind [IF EXISTS] Names [CASCADE|RESTRICT]. Kind is upper-case:
// TABLE, SOURCE, SINK, VIEW, MATERIALIZED VIEW, INDEX, USER, SCHEMA,
// DATABASE, FUNCTION, CONNECTION, SECRET.
type Drop struct {
	Pos
	Kind     string
	Names    []string
	IfExists bool
	Cascade  bool
	// FuncArgs holds, for DROP FUNCTION/AGGREGATE, the argument types
	// given after each name (a nil entry: none given); nil otherwise.
	FuncArgs [][]*TypeName
}

// Insert is INSERT INTO Table [(Columns)] Source [RETURNING ...]. Source is
// nil for DEFAULT VALUES.
type Insert struct {
	Pos
	Table     string
	Columns   []string
	Source    *Query
	Returning []*SelectItem
}

// Assignment is Column = Value in UPDATE SET, or (Columns...) = Value for
// the multi-column form (Value is then a *RowExpr or *Subquery).
type Assignment struct {
	Pos
	Column  string
	Columns []string
	Value   Expr
}

// Update is UPDATE Table [AS Alias] SET ... [FROM ...] [WHERE ...] [RETURNING ...].
type Update struct {
	Pos
	Table     string
	Alias     string
	Set       []*Assignment
	From      []TableExpr
	Where     Expr
	Returning []*SelectItem
}

// Delete is DELETE FROM Table [AS Alias] [WHERE ...] [RETURNING ...].
type Delete struct {
	Pos
	Table     string
	Alias     string
	Where     Expr
	Returning []*SelectItem
}

// ShowKind says what a SHOW statement shows.
type ShowKind string

// The SHOW kinds. ShowCreate* and ShowColumns take Name; ShowParameter
// takes Name (the lower-cased parameter; SHOW TIME ZONE gives "timezone").
const (
	ShowTables                 ShowKind = "TABLES"
	ShowInternalTables         ShowKind = "INTERNAL TABLES"
	ShowSources                ShowKind = "SOURCES"
	ShowSinks                  ShowKind = "SINKS"
	ShowMaterializedViews      ShowKind = "MATERIALIZED VIEWS"
	ShowViews                  ShowKind = "VIEWS"
	ShowIndexes                ShowKind = "INDEXES"
	ShowColumns                ShowKind = "COLUMNS"
	ShowDatabases              ShowKind = "DATABASES"
	ShowSchemas                ShowKind = "SCHEMAS"
	ShowFunctions              ShowKind = "FUNCTIONS"
	ShowUsers                  ShowKind = "USERS"
	ShowParameters             ShowKind = "PARAMETERS"
	ShowAll                    ShowKind = "ALL"
	ShowParameter              ShowKind = "PARAMETER"
	ShowCreateTable            ShowKind = "CREATE TABLE"
	ShowCreateSource           ShowKind = "CREATE SOURCE"
	ShowCreateSink             ShowKind = "CREATE SINK"
	ShowCreateView             ShowKind = "CREATE VIEW"
	ShowCreateMaterializedView ShowKind = "CREATE MATERIALIZED VIEW"
	ShowCreateIndex            ShowKind = "CREATE INDEX"
)

// Show is a SHOW statement. Name is the object (for SHOW CREATE ... and SHOW
// COLUMNS FROM) or the parameter; From is the schema of SHOW TABLES FROM s;
// Like is the optional LIKE pattern.
type Show struct {
	Pos
	Kind ShowKind
	Name string
	From string
	Like string
}

// Describe is DESCRIBE Name (or DESC Name).
type Describe struct {
	Pos
	Name string
}

// Explain is EXPLAIN [(options)] [VERBOSE] Stmt. Kind is "" (plain),
// "LOGICAL", "PHYSICAL", "STREAM" or "DISTSQL"; Options holds any other
// parenthesised option words, upper-case.
type Explain struct {
	Pos
	Kind    string
	Verbose bool
	Analyze bool
	Options []string
	Stmt    Statement
}

// Set is SET [SESSION|LOCAL] Name =|TO Values | DEFAULT, and also RESET Name
// (ToDefault). SET TIME ZONE x sets "timezone". Identifier and keyword values
// are stored as string *Literal values.
type Set struct {
	Pos
	Name      string
	Values    []Expr
	Local     bool
	ToDefault bool
}

// AlterSystem is ALTER SYSTEM SET Name =|TO Values | DEFAULT.
type AlterSystem struct {
	Pos
	Name      string
	Values    []Expr
	ToDefault bool
}

// Alter is any other ALTER statement, kept as text (whitespace-normalised)
// for the engine to reject or interpret. Object is the upper-case object kind
// (e.g. "MATERIALIZED VIEW", "TABLE") and Name the object name.
type Alter struct {
	Pos
	Object string
	Name   string
	Text   string
}

// AlterRename is ALTER Object [IF EXISTS] Name RENAME TO NewName, or, with
// Column set, ALTER TABLE Name RENAME COLUMN Column TO NewName. Object is
// upper-case: TABLE, MATERIALIZED VIEW, VIEW, INDEX, SOURCE, SINK.
type AlterRename struct {
	Pos
	Object   string
	Name     string
	IfExists bool
	Column   string
	NewName  string
}

// AlterColumn is ALTER TABLE [IF EXISTS] Name ADD [COLUMN] Add or
// DROP [COLUMN] [IF EXISTS] Drop.
type AlterColumn struct {
	Pos
	Name         string
	IfExists     bool
	Add          *ColumnDef
	Drop         string
	DropIfExists bool
}

// AlterMViewQuery is ALTER MATERIALIZED VIEW Name AS Query: the view
// keeps its rows and follows the changes of its inputs through the new
// query from then on.
type AlterMViewQuery struct {
	Pos
	Name  string
	Query *Query
}

// Flush is FLUSH.
type Flush struct {
	Pos
}

// Begin is BEGIN / START TRANSACTION [READ ONLY | READ WRITE | ISOLATION LEVEL ...].
type Begin struct {
	Pos
	ReadOnly bool
}

// Commit is COMMIT / END.
type Commit struct {
	Pos
}

// Rollback is ROLLBACK / ABORT.
type Rollback struct {
	Pos
}

// Discard is DISCARD ALL (or another DISCARD target, upper-case).
type Discard struct {
	Pos
	What string
}

func (*Query) stmtNode()                  {}
func (*CreateTable) stmtNode()            {}
func (*CreateSource) stmtNode()           {}
func (*CreateMaterializedView) stmtNode() {}
func (*CreateView) stmtNode()             {}
func (*CreateSink) stmtNode()             {}
func (*CreateIndex) stmtNode()            {}
func (*AlterRename) stmtNode()            {}
func (*AlterColumn) stmtNode()            {}
func (*AlterMViewQuery) stmtNode()        {}
func (*CreateSchema) stmtNode()           {}
func (*CreateType) stmtNode()             {}
func (*CreateDatabase) stmtNode()         {}
func (*CreateUser) stmtNode()             {}
func (*CreateFunction) stmtNode()         {}
func (*AlterUser) stmtNode()              {}
func (*Drop) stmtNode()                   {}
func (*Insert) stmtNode()                 {}
func (*Update) stmtNode()                 {}
func (*Delete) stmtNode()                 {}
func (*Show) stmtNode()                   {}
func (*Describe) stmtNode()               {}
func (*Explain) stmtNode()                {}
func (*Set) stmtNode()                    {}
func (*AlterSystem) stmtNode()            {}
func (*Alter) stmtNode()                  {}
func (*Flush) stmtNode()                  {}
func (*Begin) stmtNode()                  {}
func (*Commit) stmtNode()                 {}
func (*Rollback) stmtNode()               {}
func (*Discard) stmtNode()                {}

func (*Query) setExprNode()        {}
func (*SelectCore) setExprNode()   {}
func (*SetOp) setExprNode()        {}
func (*ValuesClause) setExprNode() {}

func (*TableName) tableExprNode()    {}
func (*DerivedTable) tableExprNode() {}
func (*Join) tableExprNode()         {}
func (*TableFunc) tableExprNode()    {}
func (*ParenTable) tableExprNode()   {}

func (*Literal) exprNode()       {}
func (*TypedLiteral) exprNode()  {}
func (*ColumnRef) exprNode()     {}
func (*Star) exprNode()          {}
func (*Param) exprNode()         {}
func (*BinaryExpr) exprNode()    {}
func (*UnaryExpr) exprNode()     {}
func (*IsExpr) exprNode()        {}
func (*BetweenExpr) exprNode()   {}
func (*InList) exprNode()        {}
func (*InSubquery) exprNode()    {}
func (*Exists) exprNode()        {}
func (*Subquery) exprNode()      {}
func (*ArraySubquery) exprNode() {}
func (*QuantifiedCmp) exprNode() {}
func (*Case) exprNode()          {}
func (*Cast) exprNode()          {}
func (*FuncCall) exprNode()      {}
func (*ArrayLit) exprNode()      {}
func (*Index) exprNode()         {}
func (*RowExpr) exprNode()       {}
func (*FieldAccess) exprNode()   {}
func (*Extract) exprNode()       {}
func (*AtTimeZone) exprNode()    {}
func (*Collate) exprNode()       {}
func (*Default) exprNode()       {}
func (*GroupingSet) exprNode()   {}
