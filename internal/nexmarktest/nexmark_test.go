package nexmarktest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/eddysql/eddy/internal/slt"
)

// corpus is the Nexmark e2e corpus, relative to this package.
const corpus = "../../../shared/corpus/nexmark/rw-e2e"

// knownFailures lists the queries that are expected to fail, with the
// reason; the test fails when one of them starts passing (so the list stays
// honest) or when any other query fails.
var knownFailures = map[string]string{}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
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
		expected := filepath.Join(corpus, "expected", name+".slt")
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
				res, err := slt.RunFile(h, expected, slt.Options{})
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
			if len(msg) > 300 {
				msg = msg[:300] + "…"
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
