package bench

import "testing"

func TestCompareRowsTies(t *testing.T) {
	keys := tieKeys("SELECT a AS id, b, count(*) AS n FROM t GROUP BY a, b ORDER BY n DESC LIMIT 2")
	if len(keys) != 1 || keys[0] != 2 {
		t.Fatalf("tieKeys = %v, want [2]", keys)
	}
	want := []string{"1\tx\t9", "2\ty\t5"}
	// A different row with the same ORDER BY value at the cut-off: a tie.
	if msg, ok := compareRows([]string{"1\tx\t9", "3\tz\t5"}, want, keys); !ok {
		t.Errorf("tie at the cut-off rejected: %s", msg)
	}
	// A different ORDER BY value is a real mismatch.
	if msg, ok := compareRows([]string{"1\tx\t9", "3\tz\t4"}, want, keys); ok {
		t.Errorf("real mismatch accepted: %s", msg)
	}
	// Without a LIMIT there are no tie keys, and any difference fails.
	if k := tieKeys("SELECT a, count(*) AS n FROM t GROUP BY a ORDER BY n"); k != nil {
		t.Errorf("tieKeys without LIMIT = %v, want nil", k)
	}
	if _, ok := compareRows([]string{"1\tx\t9", "3\tz\t5"}, want, nil); ok {
		t.Error("difference accepted without tie keys")
	}
}
