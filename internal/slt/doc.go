// Package slt runs sqllogictest files against a Harness.
//
// Two dialects are understood. The RisingWave (sqllogictest-rs) dialect has
// one result row per line, columns separated by spaces, NULL as "NULL" and
// the empty string as "(empty)"; expected errors may follow "----" over
// several lines. The classic SQLite dialect has one value per line, typed by
// the query's type letters (I integer, R real printed with "%.3f", T text),
// and large results given as "N values hashing to MD5", the MD5 being over
// the values, each followed by a newline.
//
// Both dialects share statement ok|error [pattern], query <types>
// [nosort|rowsort|valuesort] [label], onlyif/skipif <engine>, halt,
// hash-threshold, control sortmode, include <glob>, sleep <duration> and
// system (skipped). Expected error patterns match as a substring or as a
// regular expression.
//
// A Harness runs the records. EngineHarness calls the engine in-process;
// PgwireHarness talks to a server over the Postgres wire protocol with pgx
// (simple protocol, values in the server's text format) and renders errors
// exactly as EngineHarness does ("<message> (SQLSTATE <code>)"), so a file
// passes or fails the same way through either. NewLocalPgwire puts an
// in-process pgwire server on a loopback port in front of a fresh engine.
// `statement count N` checks the rows the statement affected (harnesses
// implementing Counter), and Options.Rewrite rewrites the expected results
// of RisingWave-format files in place from the actual output.
//
// In ModeMV each query is answered from a materialized view created as early
// as possible (before the data changes that precede the query), so the
// incremental path is tested; the view is read after FLUSH and dropped.
package slt
