// Package nexmarktest runs RisingWave's Nexmark end-to-end materialized
// views (../shared/corpus/nexmark/rw-e2e) against their expected rows, with
// the data loaded before the views are created (backfill) and with the views
// created first and the data inserted in small batches (incremental).
package nexmarktest
