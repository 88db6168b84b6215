package operators

import (
	"fmt"
	"slices"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// LookupJoinArgs configures a LookupJoin (a processing-time temporal join,
// `FROM s JOIN t FOR SYSTEM_TIME AS OF PROCTIME() AS d ON s.k = d.k`).
type LookupJoinArgs struct {
	// Outer makes it a left join: a probe row without a match is emitted
	// once, padded with NULLs.
	Outer      bool
	InputTypes []types.Type // the probe (stream) row
	// InputKeys[i] = TableKeys[i] are the equi keys: probe columns and
	// columns of the looked-up table's row. A NULL probe key matches nothing.
	InputKeys, TableKeys []int
	// Store and Table: the looked-up table's storage (a table's or an MV's
	// layout). It is read, never written, at lookup time (its latest view).
	Store *state.Store
	Table types.TableLayout
	// TableFilter (over the table row; nil = TRUE) keeps table rows.
	TableFilter expr.Expr
	// TableExprs compute the right-hand output columns from the table row;
	// nil = the whole table row.
	TableExprs []expr.Expr
	// Cond is the residual condition over probe row ++ right output; nil =
	// TRUE.
	Cond expr.Expr
	Ctx  *expr.Context
	// Memo, when set, remembers the output rows of each live probe row so
	// that a probe delete retracts exactly them (a probe input with
	// updates and deletes). Its Cols are the output row; its PK starts
	// with the probe row's stream key columns (probe column indices, all
	// below len(InputTypes)) and continues with output columns that tell
	// a probe row's output rows apart (the table's primary key).
	Memo *types.TableLayout
}

// LookupJoin joins each probe row with the rows the table holds when the
// row arrives. It keeps no state: the probe side is not stored, and later
// changes of the table never retract or add past output (temporal join
// semantics: over an append-only probe input the output is append-only).
//
// Output: probe row ++ right output (TableExprs; NULLs for the padded row
// of an outer join). Ops are Insert/Delete. With a Memo, a probe delete
// (or the delete half of an update) retracts the rows its insert produced,
// whatever the table holds now. Without one, it looks the table up again
// and emits Deletes for what it finds, which matches the earlier output
// only if the table has not changed since (fine for append-only probes,
// which never delete).
//
// Lookup: when the table keys cover a prefix of the table's primary key,
// that prefix is looked up (a point Get when it is the whole key, else a
// prefix Scan); the remaining key pairs are checked per row. With no
// covered prefix the whole table is scanned per probe row.
//
// Watermarks on probe columns are forwarded unchanged (the probe row is the
// output's prefix); barriers are forwarded.
type LookupJoin struct {
	Output
	a        LookupJoinArgs
	table    *state.Table
	prefix   []int // per PK prefix position: index into InputKeys
	restKeys []int // indices into InputKeys checked per row
	ctx      *expr.Context
	rightW   int
	outTypes []types.Type
	out      *types.ChunkBuilder
	pair     types.Row
	memo     *state.Table
	memoPre  []int // probe columns of the memo's PK prefix
	memoPK   []int
}

var _ Node = (*LookupJoin)(nil)

// NewLookupJoin returns a LookupJoin.
func NewLookupJoin(a LookupJoinArgs) (*LookupJoin, error) {
	if a.Store == nil {
		return nil, fmt.Errorf("lookup join: no state store")
	}
	if len(a.InputKeys) != len(a.TableKeys) {
		return nil, fmt.Errorf("lookup join: %d input keys, %d table keys", len(a.InputKeys), len(a.TableKeys))
	}
	for i := range a.InputKeys {
		if a.InputKeys[i] < 0 || a.InputKeys[i] >= len(a.InputTypes) || a.TableKeys[i] < 0 || a.TableKeys[i] >= len(a.Table.Cols) {
			return nil, fmt.Errorf("lookup join: key pair %d out of range", i)
		}
	}
	j := &LookupJoin{a: a, ctx: a.Ctx, table: a.Store.Table(a.Table)}
	if j.ctx == nil {
		j.ctx = &expr.Context{TimeZone: "UTC"}
	}
	used := make([]bool, len(a.TableKeys))
	for _, pc := range a.Table.PK {
		k := -1
		for i, tc := range a.TableKeys {
			if tc == pc && !used[i] {
				k = i
				break
			}
		}
		if k < 0 {
			break
		}
		used[k] = true
		j.prefix = append(j.prefix, k)
	}
	for i := range a.TableKeys {
		if !used[i] {
			j.restKeys = append(j.restKeys, i)
		}
	}
	j.outTypes = slices.Clone(a.InputTypes)
	if a.TableExprs == nil {
		j.outTypes = append(j.outTypes, a.Table.Cols...)
		j.rightW = len(a.Table.Cols)
	} else {
		for _, e := range a.TableExprs {
			j.outTypes = append(j.outTypes, e.Type())
		}
		j.rightW = len(a.TableExprs)
	}
	j.out = types.NewChunkBuilder(j.outTypes, 256)
	j.pair = make(types.Row, len(j.outTypes))
	if m := a.Memo; m != nil {
		if !slices.Equal(m.Cols, j.outTypes) {
			return nil, fmt.Errorf("lookup join: memo table columns %v differ from the output %v", m.Cols, j.outTypes)
		}
		for _, k := range m.PK {
			if k < 0 || k >= len(j.outTypes) {
				return nil, fmt.Errorf("lookup join: memo key column %d out of range", k)
			}
		}
		for _, k := range m.PK {
			if k >= len(a.InputTypes) {
				break
			}
			j.memoPre = append(j.memoPre, k)
		}
		if len(j.memoPre) == 0 {
			return nil, fmt.Errorf("lookup join: the memo key must start with probe columns")
		}
		j.memo = a.Store.Table(*m)
		j.memoPK = m.PK
	}
	return j, nil
}

// Types returns the output column types.
func (j *LookupJoin) Types() []types.Type { return j.outTypes }

// Push joins the probe rows of c with the table's current rows.
func (j *LookupJoin) Push(_ int, c *types.Chunk) error {
	defer c.Release()
	nl := len(j.a.InputTypes)
	for i := 0; i < c.NumRows(); i++ {
		op := types.Insert
		if !c.Ops[i].IsInsert() {
			op = types.Delete
		}
		x := c.Row(i)
		if j.memo != nil && op == types.Delete {
			if err := j.retract(x); err != nil {
				return err
			}
			continue
		}
		copy(j.pair, x)
		matched := false
		err := j.lookup(x, func(tr types.Row) (bool, error) {
			if j.a.TableFilter != nil {
				d, err := j.a.TableFilter.EvalRow(j.ctx, tr)
				if err != nil {
					return false, err
				}
				if b, _ := d.(bool); !b {
					return true, nil
				}
			}
			right := j.pair[nl:]
			if j.a.TableExprs == nil {
				copy(right, tr)
			} else {
				for k, e := range j.a.TableExprs {
					d, err := e.EvalRow(j.ctx, tr)
					if err != nil {
						return false, err
					}
					right[k] = d
				}
			}
			if j.a.Cond != nil {
				d, err := j.a.Cond.EvalRow(j.ctx, j.pair)
				if err != nil {
					return false, err
				}
				if b, _ := d.(bool); !b {
					return true, nil
				}
			}
			matched = true
			j.emitRow(op)
			return true, nil
		})
		if err != nil {
			return err
		}
		if !matched && j.a.Outer {
			clear(j.pair[nl:])
			j.emitRow(op)
		}
		if j.out.Len() >= maxJoinOutRows {
			if err := j.Emit(j.out.Build()); err != nil {
				return err
			}
		}
	}
	if j.out.Len() > 0 {
		return j.Emit(j.out.Build())
	}
	return nil
}

// emitRow appends the current pair to the output and, with a memo,
// remembers it (inserts only: deletes go through retract).
func (j *LookupJoin) emitRow(op types.Op) {
	j.out.Append(op, j.pair)
	if j.memo != nil && op == types.Insert {
		j.memo.Put(j.pair)
	}
}

// retract emits a Delete for every output row the memo holds for the probe
// row x and forgets them.
func (j *LookupJoin) retract(x types.Row) error {
	prefix := make(types.Row, len(j.memoPre))
	for i, k := range j.memoPre {
		prefix[i] = x[k]
	}
	var rows []types.Row
	if err := j.memo.Scan(prefix, func(r types.Row) bool {
		rows = append(rows, r)
		return true
	}); err != nil {
		return fmt.Errorf("lookup join: reading the memo: %w", err)
	}
	pk := make(types.Row, len(j.memoPK))
	for _, r := range rows {
		j.out.Append(types.Delete, r)
		for i, k := range j.memoPK {
			pk[i] = r[k]
		}
		j.memo.Delete(pk)
	}
	return nil
}

// lookup calls fn with every table row whose keys equal x's.
func (j *LookupJoin) lookup(x types.Row, fn func(types.Row) (bool, error)) error {
	for _, k := range j.a.InputKeys {
		if x[k] == nil {
			return nil
		}
	}
	prefix := make(types.Row, len(j.prefix))
	for i, k := range j.prefix {
		prefix[i] = x[j.a.InputKeys[k]]
	}
	check := func(tr types.Row) bool {
		for _, k := range j.restKeys {
			if !types.Equal(tr[j.a.TableKeys[k]], x[j.a.InputKeys[k]]) || tr[j.a.TableKeys[k]] == nil {
				return false
			}
		}
		return true
	}
	if len(prefix) == len(j.a.Table.PK) && len(prefix) > 0 {
		tr, ok, err := j.table.Get(prefix)
		if err != nil || !ok || !check(tr) {
			return err
		}
		_, err = fn(tr)
		return err
	}
	var ferr error
	err := j.table.Scan(prefix, func(tr types.Row) bool {
		if !check(tr) {
			return true
		}
		var more bool
		more, ferr = fn(tr)
		return more && ferr == nil
	})
	if err != nil {
		return err
	}
	return ferr
}

// Barrier forwards the barrier.
func (j *LookupJoin) Barrier(_ int, b Barrier) error { return j.EmitBarrier(b) }

// Watermark forwards watermarks of probe columns.
func (j *LookupJoin) Watermark(_ int, w Watermark) error { return j.EmitWatermark(w) }
