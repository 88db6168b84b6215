package expr

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/eddysql/eddy/sqlerr"
	"github.com/eddysql/eddy/types"
)

// formatPG prints a result as psql shows it with TimeZone=UTC.
func formatPG(d types.Datum, t types.Type) string {
	if d == nil {
		return "NULL"
	}
	switch x := d.(type) {
	case types.Timestamptz:
		return formatTimestamptz(x)
	case types.Interval:
		return formatIntervalPG(x)
	}
	return types.FormatTextTyped(d, t)
}

func typeMatches(want string, got types.Type) bool {
	switch want {
	case "text", "character varying":
		return got.Kind == types.KindVarchar
	case "unknown":
		return got.Kind == types.KindUnknown || got.Kind == types.KindVarchar
	case "text[]":
		return got == types.ArrayOf(types.Varchar)
	}
	return want == got.String()
}

// evalOne builds and evaluates an s-expression both row-wise and over a
// one-row chunk; it returns the result type and text, or the error.
func evalOne(t *testing.T, src string, columns bool) (types.Type, string, error) {
	r := &sexprReader{s: src, columns: columns}
	e, err := r.read()
	if err != nil {
		return types.Type{}, "", err
	}
	ctx := &Context{TimeZone: "UTC"}
	d, err := e.EvalRow(ctx, r.row)
	if err != nil {
		return types.Type{}, "", err
	}
	c := types.NewInsertChunk(r.rowT, []types.Row{r.row})
	if len(r.rowT) == 0 {
		c = &types.Chunk{Ops: []types.Op{types.Insert}}
	}
	defer c.Release()
	arr, err := e.Eval(ctx, c)
	if err != nil {
		t.Errorf("%s: EvalRow succeeded but Eval failed: %v", src, err)
		return types.Type{}, "", err
	}
	defer arr.Release()
	if arr.Len() != 1 {
		t.Errorf("%s: Eval returned %d rows", src, arr.Len())
	}
	vd := types.DatumAt(arr, e.Type(), 0)
	if formatPG(vd, e.Type()) != formatPG(d, e.Type()) {
		t.Errorf("%s (columns=%v): Eval gives %s, EvalRow gives %s", src, columns, formatPG(vd, e.Type()), formatPG(d, e.Type()))
	}
	return e.Type(), formatPG(d, e.Type()), nil
}

// TestEvalData runs testdata/eval.txt. Each line is
//
//	s-expression | equivalent SQL => type: value
//	s-expression | equivalent SQL => error SQLSTATE: message
//
// The expected values were produced by PostgreSQL 15 from the SQL (see
// testdata/gen.py, which regenerates them against a live server).
func TestEvalData(t *testing.T) {
	f, err := os.Open("testdata/eval.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		src, rest, ok := strings.Cut(line, " | ")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		_, want, ok := strings.Cut(rest, " => ")
		if !ok {
			t.Fatalf("no expectation in %q", line)
		}
		n++
		for _, columns := range []bool{false, true} {
			typ, got, err := evalOne(t, src, columns)
			if strings.HasPrefix(want, "error ") {
				code, msg, _ := strings.Cut(strings.TrimPrefix(want, "error "), ": ")
				if err == nil {
					t.Errorf("%s (columns=%v): got %s: %s, want error %s", src, columns, typ, got, want)
					continue
				}
				if sqlerr.Code(err) != code || (msg != "" && err.Error() != msg) {
					t.Errorf("%s (columns=%v): got error %s: %v, want %s", src, columns, sqlerr.Code(err), err, want)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s (columns=%v): unexpected error %s: %v (want %s)", src, columns, sqlerr.Code(err), err, want)
				continue
			}
			wt, wv, _ := strings.Cut(want, ": ")
			if wv != got || !typeMatches(wt, typ) {
				t.Errorf("%s (columns=%v): got %s: %s, want %s", src, columns, typ, got, want)
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d cases", n)
	}
}

// formatIntervalPG prints an interval exactly as Postgres's "postgres"
// style does (types.FormatInterval differs for negative fields; see the
// package report).
func formatIntervalPG(iv types.Interval) string {
	var b strings.Builder
	isBefore, isZero := false, true
	field := func(v int64, unit string) {
		if v == 0 {
			return
		}
		if !isZero {
			b.WriteByte(' ')
		}
		if isBefore && v > 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.FormatInt(v, 10) + " " + unit)
		if v != 1 {
			b.WriteByte('s')
		}
		isBefore = v < 0
		isZero = false
	}
	field(int64(iv.Months/12), "year")
	field(int64(iv.Months%12), "mon")
	field(int64(iv.Days), "day")
	if iv.Micros != 0 || isZero {
		us := iv.Micros
		neg := us < 0
		if neg {
			us = -us
		}
		if !isZero {
			b.WriteByte(' ')
		}
		if neg {
			b.WriteByte('-')
		} else if isBefore {
			b.WriteByte('+')
		}
		t := types.FormatTime(types.Time(us % types.MicrosPerDay))
		h := us / types.MicrosPerHour
		b.WriteString(fmt.Sprintf("%02d", h) + t[2:])
	}
	return b.String()
}
