package parser_test

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/eddysql/eddy/internal/shared"
	"github.com/eddysql/eddy/parser"
)

var sharedDir = shared.Dir()

func needFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("missing %s: %v", path, err)
		}
		t.Skipf("missing %s", path)
	}
}

func parseFileOK(t *testing.T, path string) []parser.Statement {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := parser.Parse(string(b))
	if err != nil {
		t.Fatalf("%s:\n%s", path, err.(*parser.Error).Pretty())
	}
	if msg := roundTrip(stmts); msg != "" {
		t.Errorf("%s: %s", path, msg)
	}
	return stmts
}

func TestRecommendationsPipeline(t *testing.T) {
	path := filepath.Join(sharedDir, "examples/recommendations.sql")
	needFile(t, path)
	stmts := parseFileOK(t, path)
	if len(stmts) != 6 {
		t.Fatalf("got %d statements, want 6", len(stmts))
	}
	kinds := []string{"*parser.CreateSource", "*parser.CreateSource", "*parser.CreateMaterializedView",
		"*parser.CreateMaterializedView", "*parser.CreateSink", "*parser.CreateSink"}
	for i, st := range stmts {
		if got := typeName(st); got != kinds[i] {
			t.Errorf("statement %d is %s, want %s", i, got, kinds[i])
		}
	}
	src := stmts[0].(*parser.CreateSource)
	if src.Columns[3].Name != "timestamp" || src.Columns[3].Type.Name != "timestamp" {
		t.Errorf("bad timestamp column: %+v", src.Columns[3])
	}
	sink := stmts[5].(*parser.CreateSink)
	if sink.From != "trending_products" || sink.Format.Encode != "TEMPLATE" || len(sink.Format.Options) != 3 {
		t.Errorf("bad sink: %s", sink)
	}
}

func typeName(v any) string { return strings.TrimPrefix(reflectTypeString(v), "") }

func TestNexmark(t *testing.T) {
	dir := filepath.Join(sharedDir, "corpus/nexmark/rw-e2e")
	needFile(t, dir)
	files, _ := filepath.Glob(filepath.Join(dir, "*.sql"))
	more, _ := filepath.Glob(filepath.Join(dir, "queries/*.sql"))
	data, _ := filepath.Glob(filepath.Join(dir, "data/*.sql"))
	files = append(append(files, more...), data...)
	if len(files) == 0 {
		t.Fatal("no nexmark files")
	}
	for _, f := range files {
		parseFileOK(t, f)
	}
}

// sltBlock is one statement or query block of a sqllogictest file.
type sltBlock struct {
	file    string
	line    int
	sql     string
	errorOK bool
}

// readSLT extracts the SQL of `statement ok|error` and `query` blocks.
func readSLT(path string) ([]sltBlock, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []sltBlock
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var cur *sltBlock
	var lines []string
	n := 0
	skip := false
	flush := func() {
		if cur != nil {
			cur.sql = strings.TrimSpace(strings.Join(lines, "\n"))
			if cur.sql != "" {
				out = append(out, *cur)
			}
		}
		cur, lines = nil, nil
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		if cur != nil {
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "----") {
				flush()
				continue
			}
			lines = append(lines, line)
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "onlyif":
			if len(fields) > 1 && fields[1] != "postgresql" {
				skip = true
			}
			continue
		case "skipif":
			if len(fields) > 1 && fields[1] == "postgresql" {
				skip = true
			}
			continue
		}
		if skip && (fields[0] == "statement" || fields[0] == "query") {
			skip = false
			cur = &sltBlock{file: path, line: n + 1, errorOK: true}
			continue
		}
		switch fields[0] {
		case "statement":
			errOK := len(fields) > 1 && fields[1] == "error"
			cur = &sltBlock{file: path, line: n + 1, errorOK: errOK}
		case "query":
			errOK := len(fields) > 1 && fields[1] == "error"
			cur = &sltBlock{file: path, line: n + 1, errorOK: errOK}
		}
	}
	flush()
	return out, sc.Err()
}

func readTiers(t *testing.T, root string) map[string]string {
	b, err := os.ReadFile(filepath.Join(root, "FILES.tsv"))
	if err != nil {
		return nil
	}
	tiers := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, "\t")
		if len(f) >= 3 {
			tiers[f[0]] = f[2]
		}
	}
	return tiers
}

func TestRisingWaveSLT(t *testing.T) {
	root := filepath.Join(sharedDir, "corpus/risingwave-slt")
	needFile(t, root)
	tiers := readTiers(t, root)
	var paths []string
	for p := range tiers {
		if strings.HasPrefix(p, "e2e_test/") {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	type stat struct{ ok, total int }
	stats := map[string]*stat{}
	var failures []string
	for _, rel := range paths {
		tier := tiers[rel]
		blocks, err := readSLT(filepath.Join(root, rel))
		if err != nil {
			continue
		}
		for _, b := range blocks {
			if b.errorOK {
				continue
			}
			st := stats[tier]
			if st == nil {
				st = &stat{}
				stats[tier] = st
			}
			st.total++
			stmts, err := parser.Parse(b.sql)
			if err == nil {
				if msg := roundTrip(stmts); msg != "" {
					t.Errorf("%s:%d: %s", rel, b.line, msg)
				}
				st.ok++
			} else if tier == "A" || os.Getenv("PARSER_SHOW_FAILURES") == "all" {
				failures = append(failures, rel+":"+itoa(b.line)+": "+err.Error()+"\n    "+strings.ReplaceAll(b.sql, "\n", "\n    "))
			}
		}
	}
	var tiersSorted []string
	for k := range stats {
		tiersSorted = append(tiersSorted, k)
	}
	sort.Strings(tiersSorted)
	for _, k := range tiersSorted {
		st := stats[k]
		t.Logf("tier %-6s parsed %d/%d statement/query blocks (%.1f%%)", k, st.ok, st.total, 100*float64(st.ok)/float64(st.total))
	}
	if os.Getenv("PARSER_SHOW_FAILURES") != "" {
		for _, f := range failures {
			t.Log(f)
		}
	}
}

func TestSQLiteSLT(t *testing.T) {
	root := filepath.Join(sharedDir, "corpus/sqlite-slt")
	needFile(t, root)
	var files []string
	filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(path, ".test") {
			files = append(files, path)
		}
		return nil
	})
	ok, total := 0, 0
	shown := 0
	for _, f := range files {
		blocks, err := readSLT(f)
		if err != nil {
			continue
		}
		for _, b := range blocks {
			if b.errorOK {
				continue
			}
			total++
			stmts, err := parser.Parse(b.sql)
			if err != nil {
				if os.Getenv("PARSER_SHOW_FAILURES") != "" && (shown < 40 || os.Getenv("PARSER_SHOW_FAILURES") == "all") {
					shown++
					t.Logf("%s:%d: %v\n    %s", f, b.line, err, b.sql)
				}
				continue
			}
			ok++
			if msg := roundTrip(stmts); msg != "" {
				t.Errorf("%s:%d: %s", f, b.line, msg)
			}
		}
	}
	t.Logf("sqlite-slt: parsed %d/%d statement/query blocks (%.2f%%)", ok, total, 100*float64(ok)/float64(max(total, 1)))
}
