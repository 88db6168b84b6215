package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSLTHarnesses(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/slt/*.slt")
	if len(files) == 0 {
		t.Fatal("no slt files")
	}
	for _, h := range []string{"inproc", "pgwire"} {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"slt", "--harness", h}, files...), &out, &errb)
		if code != 0 || !strings.Contains(out.String(), " passed, 0 failed") {
			t.Errorf("--harness %s: exit %d\n%s%s", h, code, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"slt", "--harness", "nope", files[0]}, &out, &errb); code != 2 {
		t.Errorf("unknown harness: exit %d", code)
	}
}

func TestSLTRewrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.slt")
	text := "statement ok\nCREATE TABLE t (a int)\n\nstatement count 2\nINSERT INTO t VALUES (1), (2)\n\nstatement ok\nFLUSH\n\nquery I rowsort\nSELECT a FROM t\n----\n5\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"pgwire", "inproc"} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"slt", "--harness", h, "--rewrite", path}, &out, &errb); code != 0 {
			t.Fatalf("rewrite: exit %d\n%s%s", code, out.String(), errb.String())
		}
		got, _ := os.ReadFile(path)
		if want := strings.Replace(text, "----\n5\n", "----\n1\n2\n", 1); string(got) != want {
			t.Fatalf("rewritten:\n%s", got)
		}
		out.Reset()
		if code := run(context.Background(), []string{"slt", "--harness", h, path}, &out, &errb); code != 0 {
			t.Fatalf("after rewrite: exit %d\n%s", code, out.String())
		}
	}
}
