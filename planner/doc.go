// Package planner turns SQL ASTs into plans: it binds names and types,
// builds a logical plan, rewrites it with rules, and lowers it to a stream
// plan whose state tables it lays out.
//
// # Stages
//
//	parser.Query ──Bind──► logical plan (Node) ──Optimize──► logical plan ──build──► stream plan (StreamNode)
//
// Binding resolves every name through a chain of scopes (FROM columns, then
// enclosing queries for correlated references, which become OuterRef
// expressions). CTEs and views are inlined: each reference binds the
// definition again. String literals stay unknown-typed until an operator,
// cast or context (VALUES, UNION, INSERT) fixes their type, as in Postgres.
// Aggregates are collected while the select list, HAVING and ORDER BY are
// bound: the block becomes Project(pre-projection) → Agg → Filter(HAVING) →
// Window → Project(select list). Subqueries become LogicalApply nodes:
// [NOT] IN, op ANY/ALL and [NOT] EXISTS from top-level WHERE conjuncts
// become semi/anti applies; scalar subqueries anywhere a value is expected
// (select list, CASE, HAVING, ORDER BY, WHERE, also above an aggregation,
// where their outer references move to the group columns) become scalar
// applies; EXISTS / IN / ANY / ALL used as values become scalar applies of
// a "mark" subquery that computes the three-valued result with bool_or
// (decorrelate.go, markSubquery); NOT IN / <> ALL whose tested value is a
// row or a constant are computed that way too, and row tests compare as
// Postgres compares rows. A scalar subquery in the tested value of another
// subquery test is applied first, and the test reads its column. A
// subquery in the ON of an inner join filters the joined rows; in the ON of
// a LEFT/RIGHT join, one that reads only the null-extended side filters
// that side; any other (reading the preserved side, or both, or in a FULL
// join) is evaluated by an inner join over the distinct rows of the
// preserved sides, whose matching pairs are joined back to the sides on
// all their columns (null-safe), so that duplicates keep their
// multiplicity (bind.go, outerJoinWithSubqueries). LATERAL subqueries in
// FROM become lateral applies, decorrelated like the others. A scalar subquery that may yield
// several rows is joined with its row count (per correlation key) and
// checked: a query raises 21000 "more than one row returned by a subquery
// used as an expression" as Postgres does; in a materialized view the
// check's error is a row error, so the outer rows concerned are withheld
// (never duplicated) until the subquery is back to at most one row.
// (RisingWave instead refuses such a materialized view; Postgres accepts
// it and fails at refresh time.) GROUPING SETS, ROLLUP and CUBE expand the
// aggregation input once per grouping set with a set number that
// grouping() reads. User-defined SQL functions (SQLFunction) are inlined
// where they are called: their body is bound with the arguments in place
// of the parameters, so they cost nothing at run time.
//
// The logical plan is plain data. Rules (DefaultRules, see rules.go) are
// small named rewrites run bottom-up to a fixpoint; each can be disabled
// (Optimize(n, "PushDownFilters")) and is tested on its own in
// testdata/opt.txt. They decorrelate subqueries into semi, anti,
// null-aware anti and left joins (equality correlation is pulled up into
// join keys; any other correlation — non-equalities, several levels,
// correlation below aggregates, joins, unions or LIMIT — by the domain
// method of Neumann & Kemper, see decorrelate.go and
// testdata/decorrelate.txt), fold constants, push filters down, turn
// equalities into join keys, merge projections and filters, detect the
// group top-N pattern (rank <= N over ROW_NUMBER/RANK/DENSE_RANK) and
// temporal filters (ts > NOW() - interval), and prune unused columns.
//
// The stream plan is what the engine runs. Every stream node's schema
// starts with the columns of the logical node it came from; hidden columns
// are appended to carry a unique stream key (a projection keeps its input's
// key columns, a union adds the branches' keys and a branch id, a join's
// key is left key ++ right key, an aggregate's key is its group key). State
// tables are allocated here, with the layouts that docs/dev/contracts.md
// prescribes, so that EXPLAIN and recovery can see them.
//
// # Example
//
//	CREATE MATERIALIZED VIEW mv AS SELECT t.c, u.y FROM t JOIN u ON t.a = u.a
//
//	StreamMaterialize mview_112_mv cols=[c, y, a(hidden), _row_id(hidden)] pk=[$2, $3]
//	  StreamProject $1, $3, $0 (hidden), $4 (hidden) key=[$2, $3]
//	    StreamHashJoin inner keys=[$0 = $0] key=[$0, $4]
//	        table 110 hashjoin_110_left cols=[int4, varchar] pk=[$0]
//	        table 111 hashjoin_111_right cols=[int4, varchar, int8] pk=[$0, $2]
//	      StreamTableScan t cols=[a, c] key=[$0]
//	      StreamTableScan u cols=[a, y, _row_id(hidden)] key=[$2]
//
// Errors are *sqlerr.Error values with Postgres SQLSTATEs and positions
// (byte offset + 1). Inside the binder they travel as panics of an
// unexported type that only the exported entry points recover.
package planner
