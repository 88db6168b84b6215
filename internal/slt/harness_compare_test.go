package slt_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/eddysql/eddy/internal/shared"
	"github.com/eddysql/eddy/internal/slt"
)

// rwCorpus is the RisingWave sqllogictest corpus of the shared workspace.
var rwCorpus = filepath.Join(shared.Dir(), "corpus/risingwave-slt/e2e_test/streaming")

// rwSample is the tier A sample the two harnesses must agree on.
var rwSample = []string{"basic.slt", "aggregate/*.slt", "union.slt", "values.slt", "order_by.slt"}

// runBoth runs file through the in-process and the pgwire harness and
// returns the failures of each, keyed by position.
func runBoth(t *testing.T, file string, mode slt.Mode) (inproc, wire *slt.Result) {
	t.Helper()
	ctx := context.Background()
	opts := slt.Options{Mode: mode}
	var err error
	inproc, err = slt.RunFilesWith(ctx, []string{file}, opts, slt.NewInproc)
	if err != nil {
		t.Fatalf("inproc: %v", err)
	}
	wire, err = slt.RunFilesWith(ctx, []string{file}, opts, slt.NewLocalPgwire)
	if err != nil {
		t.Fatalf("pgwire: %v", err)
	}
	return inproc, wire
}

func failureSet(r *slt.Result) map[string]string {
	m := map[string]string{}
	for _, f := range r.Failures {
		m[fmt.Sprintf("%s:%d", f.File, f.Line)] = f.Message
	}
	return m
}

// compare requires the same records to pass and fail in both harnesses.
func compare(t *testing.T, inproc, wire *slt.Result) {
	t.Helper()
	a, b := failureSet(inproc), failureSet(wire)
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		ma, inA := a[k]
		mb, inB := b[k]
		switch {
		case inA && !inB:
			t.Errorf("%s: fails in-process only: %s", k, ma)
		case inB && !inA:
			t.Errorf("%s: fails over pgwire only: %s", k, mb)
		case ma != mb:
			t.Logf("%s: fails in both, differently:\n  inproc: %s\n  pgwire: %s", k, ma, mb)
		}
	}
	if inproc.Passed != wire.Passed || inproc.Skipped != wire.Skipped {
		t.Errorf("counts differ: inproc %d passed %d skipped, pgwire %d passed %d skipped",
			inproc.Passed, inproc.Skipped, wire.Passed, wire.Skipped)
	}
}

// TestHarnessesAgreeTestdata runs every file of testdata/slt through both
// harnesses, in both query modes: all records must pass in both.
func TestHarnessesAgreeTestdata(t *testing.T) {
	files, err := filepath.Glob("../../testdata/slt/*.slt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no slt files: %v", err)
	}
	for _, mode := range []slt.Mode{slt.ModeSelect, slt.ModeMV} {
		for _, f := range files {
			name := filepath.Base(f)
			if mode == slt.ModeMV {
				name += "/mv"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				inproc, wire := runBoth(t, f, mode)
				for _, fl := range inproc.Failures {
					t.Errorf("inproc: %s", fl)
				}
				for _, fl := range wire.Failures {
					t.Errorf("pgwire: %s", fl)
				}
				compare(t, inproc, wire)
			})
		}
	}
}

// TestHarnessesAgreeRWCorpus runs a sample of the RisingWave corpus through
// both harnesses: the same records must pass (most fail for missing
// features; pgwire must not be worse, nor better, than in-process).
func TestHarnessesAgreeRWCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	if _, err := os.Stat(rwCorpus); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("missing corpus %s: %v", rwCorpus, err)
		}
		t.Skipf("missing corpus %s", rwCorpus)
	}
	var files []string
	for _, g := range rwSample {
		m, err := filepath.Glob(filepath.Join(rwCorpus, g))
		if err != nil || len(m) == 0 {
			t.Fatalf("corpus sample %s: no files", g)
		}
		files = append(files, m...)
	}
	for _, mode := range []slt.Mode{slt.ModeSelect, slt.ModeMV} {
		for _, f := range files {
			name := strings.TrimPrefix(filepath.ToSlash(f), filepath.ToSlash(rwCorpus)+"/")
			if mode == slt.ModeMV {
				name += "/mv"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				inproc, wire := runBoth(t, f, mode)
				compare(t, inproc, wire)
				t.Logf("%d passed, %d failed, %d skipped (both)", wire.Passed, wire.Failed, wire.Skipped)
			})
		}
	}
}

// TestStatementCountBothHarnesses checks `statement count N` against the
// engine's command tags in both harnesses.
func TestStatementCountBothHarnesses(t *testing.T) {
	text := `statement ok
CREATE TABLE t (a int)

statement count 3
INSERT INTO t VALUES (1), (2), (3)

statement ok
FLUSH

statement count 2
DELETE FROM t WHERE a > 1

statement count 5
INSERT INTO t VALUES (4)
`
	path := filepath.Join(t.TempDir(), "count.slt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]slt.HarnessFactory{"inproc": slt.NewInproc, "pgwire": slt.NewLocalPgwire} {
		res, err := slt.RunFilesWith(context.Background(), []string{path}, slt.Options{}, f)
		if err != nil {
			t.Fatal(err)
		}
		if res.Passed != 4 || res.Failed != 1 || res.Failures[0].Line != 13 || !strings.Contains(res.Failures[0].Message, "got 1, want 5") {
			t.Errorf("%s: %+v", name, res)
		}
	}
}

// TestHarnessesSameOutput runs statements through both harnesses and
// requires the same columns, rows and error text: values, NULL and the
// empty string, the columns of empty results, multi-statement text, SET,
// and errors with SQLSTATEs and hints.
func TestHarnessesSameOutput(t *testing.T) {
	script := []string{
		"CREATE TABLE t (a int, b varchar, c double precision, d numeric, e boolean, f timestamp, g interval, h int[])",
		"INSERT INTO t VALUES (1, 'x y', 1.5, 2.50, true, '2024-01-02 03:04:05', '1 day 02:00:00', ARRAY[1,NULL,3]), (2, '', NULL, NULL, false, NULL, NULL, NULL); FLUSH",
		"SELECT * FROM t ORDER BY a",
		"SELECT a, b FROM t WHERE a > 5",
		"SELECT 1 AS a, 2 AS a",
		"SET timezone = 'UTC'; SHOW timezone",
		"SELECT 1; SELECT 2, 3",
		"SELECT * FROM missing",
		"SELEC 1",
		"SELECT 1; SELEC 2",
		"SELECT nosuchfn(1)",
		"SELECT 1/0",
		"CREATE TABLE t (a int)",
		"SELECT 'a'::int",
		"INSERT INTO t (a) VALUES (3); SELECT count(*) FROM t",
	}
	type out struct {
		cols []string
		rows [][]string
		err  string
	}
	run := func(f slt.HarnessFactory) []out {
		h, c, err := f(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var outs []out
		for _, s := range script {
			cols, rows, err := h.Query(s)
			o := out{cols: cols, rows: rows}
			if err != nil {
				o.err = err.Error()
			}
			outs = append(outs, o)
		}
		return outs
	}
	a, b := run(slt.NewInproc), run(slt.NewLocalPgwire)
	for i := range script {
		if fmt.Sprint(a[i]) != fmt.Sprint(b[i]) {
			t.Errorf("%s:\n  inproc: %q\n  pgwire: %q", script[i], a[i], b[i])
		}
	}
}
