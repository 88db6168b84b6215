package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestBenchNexmarkQ0 runs `eddy bench nexmark --query q0 --events 10000`
// in-process and checks the last line and the result count: q0 is a
// projection of bid, so its view holds one row per bid, 46 of every 50
// events.
func TestBenchNexmarkQ0(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"bench", "nexmark", "--query", "q0", "--events", "10000", "--barrier-ms", "20"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	re := regexp.MustCompile(`^nexmark q0 events=(\d+) wall_s=[0-9.]+ cpu_s=[0-9.]+ events_per_s=\d+ events_per_cpu_s=\d+ peak_rss_mb=[0-9.]+$`)
	m := re.FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("last line %q does not match %s\n%s", last, re, out.String())
	}
	if n, _ := strconv.Atoi(m[1]); n != 9200 {
		t.Errorf("events=%d, want 9200 bids", n)
	}
	if !strings.Contains(out.String(), "result rows:      9200\n") {
		t.Errorf("q0 should hold 9200 rows:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "check:            ok: 9200 rows") {
		t.Errorf("the recomputation check did not pass:\n%s", out.String())
	}
}

func TestBenchLookupSmoke(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"bench", "lookup", "--rows", "300", "--clients", "2", "--seconds", "0.2"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	for _, p := range []string{"pgwire", "http", "embedded"} {
		if !regexp.MustCompile(`(?m)^lookup ` + p + ` rows=300 clients=2 n=[1-9]\d* qps=`).MatchString(out.String()) {
			t.Errorf("no %s line:\n%s", p, out.String())
		}
	}
}
