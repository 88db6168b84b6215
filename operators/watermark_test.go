package operators

import (
	"testing"
	"time"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

var wmTypes = []types.Type{types.Int64, types.TimestampT}

func wmBuilder(idle time.Duration) buildFunc {
	return func(s *state.Store) (Node, error) {
		return NewWatermarkFilter(WatermarkFilterArgs{Col: 1, Delay: types.Interval{Micros: 5 * types.MicrosPerSecond}, IdleTimeout: idle,
			InputTypes: wmTypes, Store: s, Table: WatermarkFilterLayout(9, "wm", types.TimestampT)})
	}
}

func TestWatermarkScripts(t *testing.T) {
	runTimeScripts(t, "testdata/watermark_filter.txt", map[string]buildFunc{
		"delay5s": wmBuilder(0),
		"idle":    wmBuilder(time.Minute),
	})
}

// TestWatermarkLateRows counts late rows and NULL-time rows.
func TestWatermarkLateRows(t *testing.T) {
	var f *WatermarkFilter
	h := newHarness(t, func(s *state.Store) (Node, error) {
		n, err := wmBuilder(0)(s)
		f, _ = n.(*WatermarkFilter)
		return n, err
	})
	defer h.close()
	ts := func(s string) types.Datum { return parseScriptDatum(t, "TS", s) }
	h.push(0, types.NewInsertChunk(wmTypes, []types.Row{{int64(1), ts("2024-01-01T10:00:10")}, {int64(2), nil}}))
	h.barrier(1)
	if got := f.Current(); got != ts("2024-01-01T10:00:05") {
		t.Fatalf("watermark %v", types.FormatText(got))
	}
	h.push(0, types.NewInsertChunk(wmTypes, []types.Row{{int64(3), ts("2024-01-01T10:00:04")}, {int64(4), ts("2024-01-01T10:00:05")}}))
	h.barrier(2)
	if f.LateRows() != 2 {
		t.Fatalf("LateRows() = %d, want 2 (one NULL, one late)", f.LateRows())
	}
	z := h.take()
	if len(z) != 2 { // rows 1 and 4
		t.Fatalf("output %s", z)
	}
}
