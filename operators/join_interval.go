package operators

import (
	"fmt"
	"slices"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// JoinClean is the state cleaning of one side of an interval join: a join
// whose condition bounds the other side's time column from above by this
// side's, `other.OtherCol <= this.TimeCol + Bound` (e.g. for
// `b.ts BETWEEN a.ts - INTERVAL '1 hour' AND a.ts + INTERVAL '1 hour'`,
// a's spec is {TimeCol: a.ts, OtherCol: b.ts, Bound: 1 hour} and b's is
// {TimeCol: b.ts, OtherCol: a.ts, Bound: 1 hour}).
//
// When a watermark w arrives on the other input's OtherCol, no row of the
// other side with OtherCol < w arrives any more, so a row of this side with
// TimeCol < w - Bound can never match again: it is deleted from the row
// table, the degree table and the time index. The rows to delete are found
// by a range scan of Index, which is ordered by time. Rows with a NULL time
// are never indexed (nor cleaned). Cleaning assumes that cleaned rows are
// never retracted by their input (the planner only cleans append-only
// inputs); under that assumption it never changes the output, for every
// join kind (an unmatched outer row stays unmatched; its NULL-padded output
// is final).
//
// Integer time columns are accepted too (their values are read as
// microseconds, so Bound.Micros applies directly); the planner only uses
// date/time types, tests use integers.
type JoinClean struct {
	TimeCol  int            // this side's time column (date, timestamp, timestamptz; or integer)
	OtherCol int            // the other side's watermarked time column
	Bound    types.Interval // other.OtherCol <= this.TimeCol + Bound; no months
	// Index is the side's time index (see JoinTimeIndexLayout); no Cols =
	// built by the constructor, keeping ID and Name.
	Index types.TableLayout
}

// JoinTimeIndexLayout returns the layout of an interval join side's time
// index (ID and Name left zero): Cols = [type of timeCol] ++ the types of
// the row table's PK columns (join key ++ stream key, as JoinTableLayout),
// PK = every column, ascending. The value is empty.
func JoinTimeIndexLayout(rowTypes []types.Type, keys, streamKey []int, timeCol int) types.TableLayout {
	pk := joinPK(keys, streamKey)
	l := types.TableLayout{Cols: []types.Type{rowTypes[timeCol]}, PK: make([]int, len(pk)+1)}
	for _, c := range pk {
		l.Cols = append(l.Cols, rowTypes[c])
	}
	for i := range l.PK {
		l.PK[i] = i
	}
	return l
}

// joinCleaner is the runtime state of a JoinClean.
type joinCleaner struct {
	spec  JoinClean
	index *state.Table
	row   types.Row // scratch index row
	last  int64     // last threshold applied (micros)
	done  bool      // last is set
	rows  int64     // rows cleaned so far
}

// initClean sets up the cleaning specs of a's sides.
func (j *HashJoin) initClean(a HashJoinArgs, ls, rs []int) error {
	for s, spec := range []*JoinClean{a.CleanLeft, a.CleanRight} {
		if spec == nil {
			continue
		}
		sd, other := j.sides[s], j.sides[1-s]
		if spec.TimeCol < 0 || spec.TimeCol >= len(sd.types) || !cleanTimeType(sd.types[spec.TimeCol]) {
			return fmt.Errorf("hash join: clean spec: time column %d is not a date/timestamp column", spec.TimeCol)
		}
		if spec.OtherCol < 0 || spec.OtherCol >= len(other.types) || !cleanTimeType(other.types[spec.OtherCol]) {
			return fmt.Errorf("hash join: clean spec: other time column %d is not a date/timestamp column", spec.OtherCol)
		}
		if spec.Bound.Months != 0 {
			return fmt.Errorf("hash join: clean spec: bound %v has months", spec.Bound)
		}
		sk := ls
		if s == 1 {
			sk = rs
		}
		want := JoinTimeIndexLayout(sd.types, sd.keys, sk, spec.TimeCol)
		l := spec.Index
		if len(l.Cols) == 0 {
			want.ID, want.Name = l.ID, l.Name
			l = want
		}
		if !slices.Equal(l.Cols, want.Cols) || !slices.Equal(l.PK, want.PK) || slices.Contains(l.Desc, true) {
			return fmt.Errorf("hash join: time index layout (cols %v, pk %v) does not match the rule (cols %v, pk %v, ascending)",
				l.Cols, l.PK, want.Cols, want.PK)
		}
		c := &joinCleaner{spec: *spec, row: make(types.Row, len(want.Cols))}
		c.spec.Index = l
		c.index = j.store.Table(l)
		j.clean[s] = c
	}
	return nil
}

// indexRow maintains side s's time index for a change of row x.
func (j *HashJoin) indexRow(s int, insert bool, x types.Row) {
	c := j.clean[s]
	if c == nil || x[c.spec.TimeCol] == nil {
		return
	}
	sd := j.sides[s]
	c.row[0] = x[c.spec.TimeCol]
	for i, p := range sd.pk {
		c.row[i+1] = x[p]
	}
	if insert {
		c.index.Put(c.row)
	} else {
		c.index.Delete(c.row)
	}
}

// cleanOnWatermark cleans the side whose spec watches column w.Col of
// input port.
func (j *HashJoin) cleanOnWatermark(port int, w Watermark) error {
	s := 1 - port
	c := j.clean[s]
	if c == nil || c.spec.OtherCol != w.Col || w.Value == nil {
		return nil
	}
	m, ok := cleanMicros(w.Value)
	if !ok {
		return nil
	}
	thr := wtAddInterval(m, wtNeg(c.spec.Bound))
	if c.done && thr <= c.last {
		return nil
	}
	c.last, c.done = thr, true
	sd := j.sides[s]
	var dead []types.Row
	err := c.index.Scan(nil, func(r types.Row) bool {
		t, ok := cleanMicros(r[0])
		if !ok || t >= thr {
			return false
		}
		dead = append(dead, slices.Clone(r))
		return true
	})
	if err != nil {
		return err
	}
	for _, r := range dead {
		c.index.Delete(r)
		pk := r[1:]
		sd.table.Delete(pk)
		if sd.degree != nil {
			sd.degree.Delete(pk)
		}
		b := j.keyBuf[:0]
		for _, d := range pk[:j.nkeys] {
			b = appendKeyDatum(b, d)
		}
		j.keyBuf = b
		if e, ok := sd.cache[string(b)]; ok {
			sd.cacheRows -= len(e.rows)
			delete(sd.cache, string(b))
		}
	}
	c.rows += int64(len(dead))
	return nil
}

// CleanedRows returns how many rows interval-join cleaning deleted from the
// left and right state so far (since the operator was built).
func (j *HashJoin) CleanedRows() (left, right int64) {
	if c := j.clean[0]; c != nil {
		left = c.rows
	}
	if c := j.clean[1]; c != nil {
		right = c.rows
	}
	return
}

func cleanTimeType(t types.Type) bool {
	switch t.Kind {
	case types.KindInt16, types.KindInt32, types.KindInt64:
		return true
	}
	return wtIsTime(t)
}

// cleanMicros returns the instant of a time datum (integers as is).
func cleanMicros(d types.Datum) (int64, bool) {
	if x, ok := d.(int64); ok {
		return x, true
	}
	return wtMicros(d)
}
