package slt_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/eddysql/eddy/internal/slt"
)

// TestTestdata runs every file of testdata/slt through the in-process
// harness, in both query modes.
func TestTestdata(t *testing.T) {
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
				res, err := slt.RunFiles(context.Background(), []string{f}, slt.Options{Mode: mode})
				if err != nil {
					t.Fatal(err)
				}
				for _, fl := range res.Failures {
					t.Error(fl.String())
				}
				t.Logf("%d passed, %d failed, %d skipped", res.Passed, res.Failed, res.Skipped)
			})
		}
	}
}
