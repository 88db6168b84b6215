package operators

// A script runner for the time-based operators (top-N, temporal filter,
// watermarks, windows). It uses the shared script format and harness of
// optest_test.go, with two extensions:
//
//	barrier N [now=2024-01-01T10:00:00] [checkpoint]   Barrier.Now = now (UTC)
//	watermark col=C value=V [type=TS]                  V in chunk text form of the type code (default I)
//
// Like runScripts, every script runs with input chunk sizes 1024, 1 and 3,
// which must print the same output; -rewrite rewrites expected outputs.

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/types"
)

func runTimeScripts(t *testing.T, path string, builders map[string]buildFunc) {
	t.Helper()
	blocks := parseScript(t, path)
	var ref []string
	for _, size := range scriptChunkSizes {
		outs := runTimeBlocks(t, blocks, builders, size)
		if ref == nil {
			ref = outs
			if *rewrite {
				continue
			}
			for i, b := range blocks {
				if outs[i] != b.expected {
					t.Errorf("%s:%d: %s %s:\n got:\n%s\nwant:\n%s", path, b.line, b.cmd, strings.Join(b.argv, " "), outs[i], b.expected)
				}
			}
			continue
		}
		for i, b := range blocks {
			if outs[i] != ref[i] {
				t.Errorf("%s:%d: %s with chunk size %d:\n got:\n%s\nwant (chunk size %d):\n%s", path, b.line, b.cmd, size, outs[i], scriptChunkSizes[0], ref[i])
			}
		}
	}
	if *rewrite {
		writeScript(t, path, blocks, ref)
	}
}

func parseScriptTime(t *testing.T, s string) types.Timestamptz {
	t.Helper()
	tm, err := time.Parse("2006-01-02T15:04:05.999999", s)
	if err != nil {
		t.Fatalf("bad time %q: %v", s, err)
	}
	return types.Timestamptz(tm.UnixMicro())
}

func parseScriptDatum(t *testing.T, code, v string) types.Datum {
	t.Helper()
	c, err := types.ParseChunk("  " + code + "\n+ " + v)
	if err != nil {
		t.Fatalf("bad value %q of type %s: %v", v, code, err)
	}
	defer c.Release()
	return c.Datum(0, 0)
}

func runTimeBlocks(t *testing.T, blocks []*scriptBlock, builders map[string]buildFunc, size int) []string {
	t.Helper()
	outs := make([]string, len(blocks))
	var h *harness
	defer func() {
		if h != nil {
			h.close()
		}
	}()
	var pending []pendingPush
	flush := func() string {
		var errs []string
		for _, g := range groupPushes(pending) {
			for _, c := range rechunk(g.cs, size) {
				if err := h.node.Push(g.port, c); err != nil {
					errs = append(errs, "error: "+err.Error())
				}
			}
		}
		pending = nil
		return strings.Join(errs, "\n")
	}
	build := func(name string) {
		b, ok := builders[name]
		if !ok {
			t.Fatalf("no builder %q", name)
		}
		if h != nil {
			h.close()
		}
		h = newHarness(t, b)
	}
	if _, ok := builders[""]; ok && len(builders) == 1 {
		build("")
	}
	for i, b := range blocks {
		switch b.cmd {
		case "build":
			build(b.argv[0])
		case "push":
			c, err := types.ParseChunk(b.input)
			if err != nil {
				t.Fatalf("line %d: %v", b.line, err)
			}
			pending = append(pending, pendingPush{port: intArg(t, b, "port", 0), c: c})
			if b.hasOut {
				outs[i] = flush()
			}
		case "barrier":
			epoch, err := strconv.ParseUint(b.argv[0], 10, 64)
			if err != nil {
				t.Fatalf("line %d: %v", b.line, err)
			}
			var out []string
			if e := flush(); e != "" {
				out = append(out, e)
			}
			bar := Barrier{Epoch: epoch, Checkpoint: hasArg(b, "checkpoint")}
			if v, ok := b.args["now"]; ok {
				bar.Now = parseScriptTime(t, v)
			}
			if err := h.node.Barrier(0, bar); err != nil {
				out = append(out, "error: "+err.Error())
			}
			h.store.Seal(epoch)
			if bar.Checkpoint {
				if err := h.store.Commit(epoch, nil); err != nil {
					t.Fatalf("line %d: commit: %v", b.line, err)
				}
			}
			out = append(out, h.render(hasArg(b, "raw")))
			outs[i] = strings.TrimSpace(strings.Join(out, "\n"))
		case "watermark":
			var out []string
			if e := flush(); e != "" {
				out = append(out, e)
			}
			code := "I"
			if c, ok := b.args["type"]; ok {
				code = c
			}
			w := Watermark{Col: intArg(t, b, "col", 0), Value: parseScriptDatum(t, code, b.args["value"])}
			if err := h.node.Watermark(0, w); err != nil {
				out = append(out, "error: "+err.Error())
			}
			out = append(out, h.render(false))
			outs[i] = strings.TrimSpace(strings.Join(out, "\n"))
		case "restart":
			if len(pending) > 0 {
				t.Fatalf("line %d: restart with pushes pending", b.line)
			}
			h.restart()
		default:
			t.Fatalf("line %d: unknown directive %q", b.line, b.cmd)
		}
	}
	return outs
}
