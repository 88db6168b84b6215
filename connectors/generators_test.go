package connectors_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/types"
)

func openSource(t testing.TB, cfg connectors.SourceConfig, off connectors.Offsets) connectors.Source {
	t.Helper()
	src, err := connectors.Default.NewSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Open(context.Background(), off); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func TestDatagenDeterministicAndResumable(t *testing.T) {
	cfg := connectors.SourceConfig{
		Name: "dg",
		Schema: types.Schema{
			{Name: "id", Type: types.Int64}, {Name: "v", Type: types.Int32}, {Name: "s", Type: types.Varchar},
			{Name: "ts", Type: types.TimestampT}, {Name: "f", Type: types.Float64},
		},
		With: map[string]string{
			"connector": "datagen", "datagen.rows.per.second": "0", "datagen.max.chunk.size": "7", "datagen.split.num": "2",
			"fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "50",
			"fields.v.min": "10", "fields.v.max": "20", "fields.s.length": "5", "fields.ts.kind": "sequence",
			"fields.ts.start": "2024-01-01 00:00:00",
		},
	}
	all := readRows(t, openSource(t, cfg, nil), 1000, 10*time.Second)
	if len(all) != 50 {
		t.Fatalf("bounded sequence: got %d rows, want 50", len(all))
	}
	if again := readRows(t, openSource(t, cfg, nil), 1000, 10*time.Second); strings.Join(again, "\n") != strings.Join(all, "\n") {
		t.Fatal("datagen is not deterministic")
	}
	ids := map[string]bool{}
	for _, r := range all {
		f := strings.Fields(r)
		ids[f[1]] = true
		if v := f[2]; v < "10" || v > "20" || len(f[3]) != 5 {
			t.Fatalf("row out of spec: %s", r)
		}
	}
	if len(ids) != 50 {
		t.Fatalf("ids not unique: %d", len(ids))
	}
	// Resume after 21 rows (3 chunks of 7): the rest is identical.
	src := openSource(t, cfg, nil)
	first := readRows(t, src, 21, 10*time.Second)
	off := src.Offsets()
	rest := readRows(t, openSource(t, cfg, off), 1000, 10*time.Second)
	if got := strings.Join(append(first, rest...), "\n"); got != strings.Join(all, "\n") {
		t.Fatalf("resume differs:\n%s", got)
	}

	// The rate limit holds: 20 rows/s for ~0.3 s gives a handful of rows.
	slow := cfg
	slow.With = map[string]string{"connector": "datagen", "datagen.rows.per.second": "20", "fields.id.kind": "sequence"}
	s2 := openSource(t, slow, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	n := 0
	for {
		c, err := s2.Read(ctx)
		if err != nil {
			break
		}
		n += c.NumRows()
		c.Release()
	}
	if n < 2 || n > 12 {
		t.Errorf("20 rows/s for 0.3 s gave %d rows", n)
	}

	bad := cfg
	bad.With = map[string]string{"connector": "datagen", "fields.nope.kind": "sequence"}
	if _, err := connectors.Default.NewSource(bad); err == nil || !strings.Contains(err.Error(), "fields.nope.kind") {
		t.Errorf("unknown column in fields.*: %v", err)
	}
}

var bidCols = types.Schema{
	{Name: "auction", Type: types.Int64}, {Name: "bidder", Type: types.Int64}, {Name: "price", Type: types.Int64},
	{Name: "channel", Type: types.Varchar}, {Name: "url", Type: types.Varchar}, {Name: "date_time", Type: types.TimestampT},
	{Name: "extra", Type: types.Varchar},
}

func TestNexmarkProportionsAndDeterminism(t *testing.T) {
	combined := connectors.SourceConfig{
		Name: "nx",
		Schema: types.Schema{
			{Name: "event_type", Type: types.Int64},
			{Name: "person", Type: types.JSONBT},
			{Name: "auction.id", Type: types.Int64},
			{Name: "bid.price", Type: types.Int64},
			{Name: "bid.date_time", Type: types.TimestampT},
		},
		With: map[string]string{"connector": "nexmark", "nexmark.event.num": "50000", "nexmark.base.time": "1436918400000", "nexmark.max.chunk.size": "4096"},
	}
	rows := readRows(t, openSource(t, combined, nil), 100000, 30*time.Second)
	if len(rows) != 50000 {
		t.Fatalf("got %d events", len(rows))
	}
	counts := map[string]int{}
	for _, r := range rows {
		counts[strings.Fields(r)[1]]++
	}
	if counts["0"] != 1000 || counts["1"] != 3000 || counts["2"] != 46000 {
		t.Fatalf("person:auction:bid = %d:%d:%d, want 1000:3000:46000", counts["0"], counts["1"], counts["2"])
	}
	if !strings.HasPrefix(rows[0], `+ 0 {"id": 1000, `) {
		t.Errorf("first event should be person 1000: %s", rows[0])
	}
	if !strings.HasSuffix(rows[49], " 2015-07-15 00:00:00.005") {
		t.Errorf("event 49 is a bid at base time + 4.9 ms, rounded to 5 ms: %s", rows[49])
	}

	bid := connectors.SourceConfig{Name: "bid", Schema: bidCols, With: map[string]string{
		"connector": "nexmark", "nexmark.table.type": "Bid", "nexmark.event.num": "3000", "nexmark.base.time": "1436918400000",
		"nexmark.split.num": "3", "nexmark.max.chunk.size": "500"}}
	a := readRows(t, openSource(t, bid, nil), 10000, 30*time.Second)
	b := readRows(t, openSource(t, bid, nil), 10000, 30*time.Second)
	if len(a) != 3000 || strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatalf("bid stream not deterministic (%d rows)", len(a))
	}
	// Resume from offsets after 1000 rows: identical continuation.
	src := openSource(t, bid, nil)
	head := readRows(t, src, 1000, 10*time.Second)
	tail := readRows(t, openSource(t, bid, src.Offsets()), 10000, 30*time.Second)
	if strings.Join(append(head, tail...), "\n") != strings.Join(a, "\n") {
		t.Fatal("resumed nexmark stream differs")
	}
	// Hot auctions and bidders: bids concentrate on few ids.
	auctions := map[string]int{}
	for _, r := range a {
		auctions[strings.Fields(r)[1]]++
	}
	if len(auctions) > 400 {
		t.Errorf("bids spread over %d auctions; hot auctions should concentrate them", len(auctions))
	}
	// Different seed → different content.
	bid.With["nexmark.seed"] = "7"
	if c := readRows(t, openSource(t, bid, nil), 10, 10*time.Second); strings.Join(c, "\n") == strings.Join(a[:10], "\n") {
		t.Error("nexmark.seed has no effect")
	}
	bad := bid
	bad.Schema = types.Schema{{Name: "nope", Type: types.Int64}}
	if _, err := connectors.Default.NewSource(bad); err == nil {
		t.Error("unknown nexmark column accepted")
	}
}

func BenchmarkNexmarkBid(b *testing.B) {
	cfg := connectors.SourceConfig{Name: "bid", Schema: bidCols, With: map[string]string{
		"connector": "nexmark", "nexmark.table.type": "Bid", "nexmark.base.time": "0", "nexmark.max.chunk.size": "1024"}}
	src := openSource(b, cfg, nil)
	b.ResetTimer()
	n := 0
	for n < b.N {
		c, err := src.Read(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		n += c.NumRows()
		c.Release()
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
