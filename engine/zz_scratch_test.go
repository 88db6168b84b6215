package engine_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/eddysql/eddy/engine"
)

func TestZZScratch(t *testing.T) {
	sql, _ := os.ReadFile("/tmp/scratch/in.sql")
	e, err := engine.Open(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := engine.NewSession()
	for _, st := range strings.Split(string(sql), ";;") {
		if strings.TrimSpace(st) == "" {
			continue
		}
		rs, err := e.Exec(context.Background(), s, st)
		if err != nil {
			t.Logf("ERR %s\n  -> %v", strings.TrimSpace(st)[:min(60, len(strings.TrimSpace(st)))], err)
			continue
		}
		for _, r := range rs {
			t.Logf("%s %v", r.Tag, r.Notices)
			for _, row := range r.Rows {
				t.Logf("   %v", row)
			}
		}
	}
}
