package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/engine"
)

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestWatermarkIdleTimeout: with watermark.idle_timeout, an idle table's
// watermark moves on with the clock, so its last window still closes.
func TestWatermarkIdleTimeout(t *testing.T) {
	clock := &testClock{now: time.Date(2024, 1, 1, 0, 0, 30, 0, time.UTC)}
	e, err := engine.Open(context.Background(), engine.Options{Clock: clock.Now, BarrierInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := engine.NewSession()
	mustExec(t, e, s, `CREATE TABLE ev (ts timestamp, WATERMARK FOR ts AS ts - INTERVAL '5 seconds') APPEND ONLY WITH (watermark.idle_timeout = '10s')`)
	mustExec(t, e, s, `CREATE MATERIALIZED VIEW w AS SELECT window_start, count(*) AS n FROM TUMBLE(ev, ts, INTERVAL '10 seconds') GROUP BY window_start EMIT ON WINDOW CLOSE`)
	mustExec(t, e, s, `INSERT INTO ev VALUES ('2024-01-01 00:00:01'), ('2024-01-01 00:00:02'); FLUSH`)
	if rs := mustExec(t, e, s, "SELECT * FROM w"); len(rs[0].Rows) != 0 {
		t.Fatalf("window closed early: %v", rs[0].Rows)
	}
	// No more rows: after the idle timeout the watermark follows the clock.
	for i := 0; i < 4; i++ {
		clock.Advance(5 * time.Second)
		mustExec(t, e, s, "FLUSH")
	}
	if rs := mustExec(t, e, s, "SELECT n FROM w"); len(rs[0].Rows) != 1 || rs[0].Rows[0][0] != int64(2) {
		t.Fatalf("idle window did not close: %v", rs[0].Rows)
	}
	late, err := e.LateRows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, s, `INSERT INTO ev VALUES ('2024-01-01 00:00:03'); FLUSH`)
	late2, _ := e.LateRows(context.Background())
	if late2["ev"] != late["ev"]+1 {
		t.Fatalf("late rows %v then %v", late, late2)
	}
}
