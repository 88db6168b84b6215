package nexmarktest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/eddysql/eddy/internal/shared"
	"github.com/eddysql/eddy/internal/slt"
)

// corpus is the Nexmark e2e corpus of the shared workspace.
var corpus = filepath.Join(shared.Dir(), "corpus/nexmark/rw-e2e")

// The expected files print numerics and timestamps the way RisingWave does
// (avg as 6221.50, milliseconds padded: 00:00:20.210) where Eddy prints them
// as Postgres does (6221.5000000000000000, 00:00:20.21). Both sides are
// compared after dropping trailing fractional zeros, so only the values
// count.
var (
	decimalTok = regexp.MustCompile(`^-?\d+\.\d+$`)
	timeTok    = regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d+$`)
)

func normToken(tok string) string {
	if decimalTok.MatchString(tok) || timeTok.MatchString(tok) {
		tok = strings.TrimRight(tok, "0")
		tok = strings.TrimSuffix(tok, ".")
	}
	return tok
}

func normValue(v string) string {
	f := strings.Fields(v)
	for i, t := range f {
		f[i] = normToken(t)
	}
	return strings.Join(f, " ")
}

// normHarness normalizes query results (see normToken).
type normHarness struct{ *slt.EngineHarness }

func (h normHarness) Query(sql string) ([]string, [][]string, error) {
	cols, rows, err := h.EngineHarness.Query(sql)
	for _, r := range rows {
		for i := range r {
			r[i] = normValue(r[i])
		}
	}
	return cols, rows, err
}

// normExpected writes a copy of an expected file with normalized result
// lines.
func normExpected(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	inRows := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case line == "----":
			inRows = true
		case strings.TrimSpace(line) == "":
			inRows = false
		case inRows:
			f := strings.Fields(line)
			for i, tok := range f {
				f[i] = normToken(tok)
			}
			line = strings.Join(f, " ")
		}
		out = append(out, line)
	}
	p := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(p, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// knownFailures lists the queries that are expected to fail, with the
// reason; the test fails when one of them starts passing (so the list stays
// honest) or when any other query fails.
var knownFailures = map[string]string{}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and the nexmark corpus is not available: %v", err)
		}
		t.Skipf("nexmark corpus not available: %v", err)
	}
	return string(b)
}

// insertBatches splits an INSERT … VALUES file (one row per line) into
// INSERT statements of at most n rows each.
func insertBatches(sql string, n int) []string {
	var head strings.Builder
	var rows []string
	inValues := false
	for _, line := range strings.Split(sql, "\n") {
		tl := strings.TrimSpace(line)
		if strings.HasPrefix(tl, "--") || tl == "" {
			continue
		}
		if !inValues {
			head.WriteString(line + "\n")
			if strings.HasSuffix(tl, "VALUES") {
				inValues = true
			}
			continue
		}
		tl = strings.TrimSuffix(strings.TrimSuffix(tl, ";"), ",")
		rows = append(rows, tl)
	}
	var out []string
	for i := 0; i < len(rows); i += n {
		j := min(i+n, len(rows))
		out = append(out, head.String()+strings.Join(rows[i:j], ",\n")+";")
	}
	return out
}

type mode struct {
	name string
	run  func(h *slt.EngineHarness, ddl, query string, data []string) error
}

func execAll(h *slt.EngineHarness, sqls ...string) error {
	for _, s := range sqls {
		if err := h.Exec(s); err != nil {
			return fmt.Errorf("%.80s: %w", strings.TrimSpace(s), err)
		}
	}
	return nil
}

var modes = []mode{
	{"backfill", func(h *slt.EngineHarness, ddl, query string, data []string) error {
		if err := execAll(h, ddl); err != nil {
			return err
		}
		if err := execAll(h, data...); err != nil {
			return err
		}
		return execAll(h, "FLUSH", query, "FLUSH")
	}},
	{"incremental", func(h *slt.EngineHarness, ddl, query string, data []string) error {
		if err := execAll(h, ddl, query); err != nil {
			return err
		}
		for _, d := range data {
			for _, b := range insertBatches(d, 3) {
				if err := execAll(h, b, "FLUSH"); err != nil {
					return err
				}
			}
		}
		return nil
	}},
}

// TestNexmark runs every query in both modes and reports the pass count.
func TestNexmark(t *testing.T) {
	ddl := readFile(t, filepath.Join(corpus, "ddl.sql"))
	var data []string
	for _, f := range []string{"insert_person.sql", "insert_auction.sql", "insert_bid.sql"} {
		data = append(data, readFile(t, filepath.Join(corpus, "data", f)))
	}
	qs, _ := filepath.Glob(filepath.Join(corpus, "queries", "*.sql"))
	sort.Strings(qs)
	pass, total := 0, 0
	var failed []string
	for _, qf := range qs {
		name := strings.TrimSuffix(filepath.Base(qf), ".sql")
		query := readFile(t, qf)
		expected := normExpected(t, filepath.Join(corpus, "expected", name+".slt"))
		for _, m := range modes {
			total++
			err := func() error {
				h, err := slt.NewEngineHarness(context.Background())
				if err != nil {
					return err
				}
				defer h.Close()
				if err := m.run(h, ddl, query, data); err != nil {
					return err
				}
				res, err := slt.RunFile(normHarness{h}, expected, slt.Options{})
				if err != nil {
					return err
				}
				if res.Failed > 0 {
					var msgs []string
					for _, f := range res.Failures {
						msgs = append(msgs, f.Message)
					}
					return fmt.Errorf("%s", strings.Join(msgs, "; "))
				}
				return nil
			}()
			key := name + "/" + m.name
			if err == nil {
				pass++
				if why, ok := knownFailures[key]; ok {
					t.Errorf("%s passes now; remove it from knownFailures (%s)", key, why)
				}
				continue
			}
			msg := err.Error()
			if len(msg) > 3000 && os.Getenv("NEXMARK_FULL") == "" {
				msg = msg[:3000] + "…"
			}
			failed = append(failed, key+": "+msg)
			if _, ok := knownFailures[key]; !ok {
				t.Errorf("%s: %s", key, msg)
			}
		}
	}
	t.Logf("nexmark: %d/%d passed", pass, total)
	for _, f := range failed {
		t.Logf("FAIL %s", f)
	}
}
