// Package parser is Eddy's hand-written recursive-descent SQL parser.
//
// The dialect is PostgreSQL's, extended with RisingWave's streaming
// statements (CREATE SOURCE, CREATE SINK, CREATE MATERIALIZED VIEW ... EMIT
// ON WINDOW CLOSE, WATERMARK, FORMAT ... ENCODE ..., TUMBLE/HOP, FOR
// SYSTEM_TIME AS OF PROCTIME(), FLUSH, ...), plus small leniencies for the
// SQLite sqllogictest corpus (x NOT NULL, LIMIT a, b, empty IN lists).
//
// Entry points:
//
//   - Parse parses a ';'-separated script into []Statement.
//   - ParseOne parses exactly one statement.
//   - ParseExpr parses a scalar expression.
//   - SplitStatements splits a script into statement texts without parsing.
//   - Format (or String on any node) prints canonical SQL.
//
// A query statement parses to *Query, which is itself a Statement. Every
// node embeds Pos (a byte offset into the input), so node.Position() gives
// where it starts; LineCol converts offsets to line and column.
//
// Errors are *Error values carrying the psql-style message, position, line,
// column and offending token; (*Error).Pretty renders them with a caret
// under the offending token. The parser never panics: internal syntax errors
// are raised as panics of a private type and recovered at the entry points,
// and recursion is bounded (deeper than 1000 levels gives "stack depth limit
// exceeded").
//
// Printing is canonical: keywords are upper-case, identifiers are quoted
// only when needed, and expressions are parenthesised by precedence, so that
// Parse(Format(x)) equals x structurally and Format is a fixpoint.
//
// Normalisations performed while parsing: unquoted identifiers are
// lower-cased; type names are canonicalised (int -> integer, float8 ->
// double precision, "timestamp with time zone" -> timestamptz, ...); != is
// <>; SOME is ANY; a minus sign before a numeric constant is folded into the
// Literal; POSITION/SUBSTRING/TRIM/OVERLAY keyword forms become ordinary
// function calls (see FuncCall); identifiers used as WITH/SET option values
// become string literals; redundant parentheses around queries are dropped.
package parser
