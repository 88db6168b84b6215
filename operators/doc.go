// Package operators holds Eddy's incremental stream operators.
//
// Every operator consumes and produces changes: chunks whose rows carry an
// Op (insert, delete, or an update pair), so a stream is a Z-set of rows
// with +1/-1 weights. Operators are Nodes of a push-based dataflow; durable
// state lives only in state.Table values whose layouts the planner decides,
// and in-memory maps are caches that can always be rebuilt from them.
package operators
