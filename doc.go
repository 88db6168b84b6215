// Package eddy is the embedding API of Eddy, an incremental SQL stream
// processing engine.
//
// Open a DB (in memory, or over a data directory that survives restarts),
// declare tables and materialized views with Exec, change the tables with
// INSERT, UPDATE and DELETE, and read consistent results with Query. Every
// materialized view is kept up to date incrementally as its inputs change;
// Flush waits until every change made before it is visible, and Subscribe
// streams a view's changes epoch by epoch.
//
//	db, err := eddy.Open(ctx, eddy.Options{Dir: dir}) // Dir "" = in memory
//	_, err = db.Exec(ctx, "CREATE TABLE t (k int PRIMARY KEY, v int)")
//	_, err = db.Exec(ctx, "CREATE MATERIALIZED VIEW s AS SELECT sum(v) AS total FROM t")
//	_, err = db.Exec(ctx, "INSERT INTO t VALUES ($1, $2)", 1, 10)
//	err = db.Flush(ctx)
//	rows, err := db.Query(ctx, "SELECT total FROM s")
//
// Errors are *sqlerr.Error values carrying a SQLSTATE code.
package eddy
