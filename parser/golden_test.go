package parser_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddysql/eddy/parser"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/parse golden files")

// goldenCase is one block of a data-driven test file:
//
//	<directive>
//	<input lines>
//	----
//	<expected output lines>
//	<blank line>
type goldenCase struct {
	directive string
	input     string
	expected  string
	line      int
}

func readGolden(t *testing.T, path string) []goldenCase {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out []goldenCase
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		c := goldenCase{directive: l, line: i + 1}
		i++
		var in []string
		for ; i < len(lines) && lines[i] != "----"; i++ {
			in = append(in, lines[i])
		}
		c.input = strings.Join(in, "\n")
		i++
		var exp []string
		for ; i < len(lines) && lines[i] != ""; i++ {
			exp = append(exp, lines[i])
		}
		c.expected = strings.Join(exp, "\n")
		out = append(out, c)
	}
	return out
}

func runGolden(t *testing.T, c goldenCase) string {
	switch c.directive {
	case "parse":
		stmts, err := parser.Parse(c.input)
		if err != nil {
			return "error: " + err.Error() + "\n" + err.(*parser.Error).Pretty()
		}
		if msg := roundTrip(stmts); msg != "" {
			t.Errorf("line %d: %s", c.line, msg)
		}
		stmts, _ = parser.Parse(c.input)
		return formatAll(stmts)
	case "expr":
		e, err := parser.ParseExpr(c.input)
		if err != nil {
			return "error: " + err.Error() + "\n" + err.(*parser.Error).Pretty()
		}
		s := parser.Format(e)
		e2, err := parser.ParseExpr(s)
		if err != nil || parser.Format(e2) != s {
			t.Errorf("line %d: expression round trip failed: %s", c.line, s)
		}
		return s
	case "split":
		return strings.Join(parser.SplitStatements(c.input), "\n-- next\n")
	}
	t.Fatalf("line %d: unknown directive %q", c.line, c.directive)
	return ""
}

func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/parse/*.txt")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cases := readGolden(t, f)
			var b strings.Builder
			for _, c := range cases {
				got := runGolden(t, c)
				if *rewrite {
					b.WriteString(c.directive + "\n" + c.input + "\n----\n" + got + "\n\n")
					continue
				}
				if got != c.expected {
					t.Errorf("%s:%d:\n%s\n got:\n%s\nwant:\n%s", f, c.line, c.input, got, c.expected)
				}
			}
			if *rewrite {
				if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// allGoldenInputs returns every SQL input of the golden files (for fuzz seeds).
func allGoldenInputs(t testing.TB) []string {
	files, _ := filepath.Glob("testdata/parse/*.txt")
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, blk := range strings.Split(string(b), "\n\n") {
			parts := strings.SplitN(blk, "\n----\n", 2)
			if i := strings.IndexByte(parts[0], '\n'); i >= 0 {
				out = append(out, parts[0][i+1:])
			}
		}
	}
	return out
}
