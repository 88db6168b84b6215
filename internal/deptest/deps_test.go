// Package deptest enforces the one-way import rule of ARCHITECTURE.md:
// cmd → pgwire → eddy → engine → {planner, operators, connectors, state} →
// {expr, parser} → {types, sqlerr}.
package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/eddysql/eddy"

// allowed lists, per project package, the project packages it may import
// (non-test imports). A package missing from this map may not be imported
// by the product packages listed here, and may import anything (internal
// test support, examples, cmd).
var allowed = map[string][]string{
	"types":      {},
	"sqlerr":     {},
	"parser":     {"types", "sqlerr"},
	"expr":       {"types", "sqlerr"},
	"state":      {"types", "sqlerr"},
	"planner":    {"parser", "expr", "types", "sqlerr"},
	"operators":  {"expr", "state", "types", "sqlerr"},
	"connectors": {"parser", "expr", "state", "types", "sqlerr"},
	"engine":     {"planner", "operators", "connectors", "state", "parser", "expr", "types", "sqlerr"},
	"":           {"engine", "planner", "operators", "connectors", "state", "parser", "expr", "types", "sqlerr"},
	"eddytest":   {"", "engine", "types", "sqlerr"},
	"pgwire":     {"", "engine", "parser", "types", "sqlerr"},
}

func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg := rel(fields[0])
		top := topLevel(pkg)
		ok, governed := allowed[top]
		if !governed {
			continue
		}
		checked++
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			dep := topLevel(rel(imp))
			if dep == top {
				continue
			}
			if !contains(ok, dep) {
				t.Errorf("%s imports %s: not allowed by the dependency rule (ARCHITECTURE.md)", fields[0], imp)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no governed packages found; is the module path right?")
	}
}

// rel strips the module path: "github.com/eddysql/eddy/types" → "types",
// the root package → "".
func rel(p string) string {
	return strings.TrimPrefix(strings.TrimPrefix(p, module), "/")
}

// topLevel returns the first path element ("operators/x" → "operators").
func topLevel(p string) string {
	top, _, _ := strings.Cut(p, "/")
	return top
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
