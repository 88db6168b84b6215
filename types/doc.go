// Package types holds Eddy's SQL types, values and change batches.
//
// A value at rest is a Datum: a plain Go value whose dynamic type is fixed by
// the SQL type of its column (see Datum). A batch of changes is a Chunk: one
// Arrow array per column plus one Op per row. Chunks are what operators send
// each other; rows ([]Datum) are what they use where work is per row anyway,
// such as hashing a group key.
//
// Chunks have a readable text form (see ParseChunk and Chunk.String) used by
// tests throughout the project.
package types
