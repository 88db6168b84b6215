// Package shared finds the workspace's shared folder (DESIGN.md, the
// reference pipeline and the conformance corpora) for tests and tools.
//
// The folder is looked up in this order: $EDDY_SHARED; a folder named
// "shared" beside the module root or beside any of its parents; and
// /work/shared.
package shared

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the shared folder, or "" when it cannot be found.
func Dir() string {
	if d := os.Getenv("EDDY_SHARED"); d != "" {
		return d
	}
	_, file, _, ok := runtime.Caller(0)
	if ok {
		// file is <module>/internal/shared/shared.go.
		dir := filepath.Dir(filepath.Dir(filepath.Dir(file)))
		for {
			cand := filepath.Join(filepath.Dir(dir), "shared")
			if isShared(cand) {
				return cand
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	if isShared("/work/shared") {
		return "/work/shared"
	}
	return ""
}

func isShared(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "DESIGN.md"))
	return err == nil
}

// Path returns a path inside the shared folder. When the folder or the
// path is missing, the test is skipped with a clear message, or fails
// under CI=true.
func Path(t testing.TB, rel string) string {
	t.Helper()
	d := Dir()
	p := filepath.Join(d, rel)
	if d == "" {
		missing(t, "the shared folder (set EDDY_SHARED) is not found")
		return ""
	}
	if _, err := os.Stat(p); err != nil {
		missing(t, "missing "+p)
	}
	return p
}

func missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
