package bench

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestLookupSmoke(t *testing.T) {
	res, err := RunLookup(context.Background(), LookupOptions{Rows: 500, Clients: 2, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors > 0 {
		t.Fatalf("%d lookups failed: %s", res.Errors, res.FirstError)
	}
	for _, p := range []string{"pgwire", "http", "embedded"} {
		if res.ByProtocol[p].N == 0 {
			t.Errorf("%s: no lookups measured", p)
		}
	}
	if l := res.Lines(); !strings.HasPrefix(l[1], "lookup pgwire rows=500 clients=2 ") {
		t.Errorf("unexpected line %q", l[1])
	}
}

func TestLookupRawHTTP(t *testing.T) {
	res, err := RunLookup(context.Background(), LookupOptions{Rows: 500, Clients: 2, Duration: 200 * time.Millisecond,
		Protocols: []string{"http"}, RawHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors > 0 {
		t.Fatalf("%d lookups failed: %s", res.Errors, res.FirstError)
	}
	if res.ByProtocol["http"].N == 0 {
		t.Error("http: no lookups measured")
	}
	if l := res.Lines(); !strings.HasSuffix(l[len(l)-1], " http_client=raw") {
		t.Errorf("unexpected line %q", l[len(l)-1])
	}
}
