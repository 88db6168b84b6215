package types_test

import (
	"testing"

	"github.com/eddysql/eddy/types"
)

func TestChunkTextRoundTrip(t *testing.T) {
	in := `  I T F B TS
+  1 a 1.5 t 2024-01-02T03:04:05
-  2 . . f .
U- 3 "b c" 0.1 t 2024-01-02T03:04:05.25
U+ 3 d 1e+20 f 1970-01-01T00:00:00`
	c, err := types.ParseChunk(in)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	if c.NumRows() != 4 {
		t.Fatalf("rows = %d, want 4", c.NumRows())
	}
	c2, err := types.ParseChunk(c.String())
	if err != nil {
		t.Fatalf("reparse %q: %v", c.String(), err)
	}
	defer c2.Release()
	if c.String() != c2.String() {
		t.Fatalf("round trip differs:\n%s\n%s", c, c2)
	}
	if got := c.Datum(1, 2); got != "b c" {
		t.Fatalf("quoted token = %v", got)
	}
	if c.Datum(1, 1) != nil {
		t.Fatal("NULL lost")
	}
}

func TestFormatText(t *testing.T) {
	cases := []struct {
		d    types.Datum
		want string
	}{
		{int64(-5), "-5"},
		{0.1, "0.1"},
		{1e20, "1e+20"},
		{123456789012345.0, "123456789012345"},
		{1234567890123456.0, "1.234567890123456e+15"},
		{0.0001, "0.0001"},
		{0.00001, "1e-05"},
		{true, "t"},
		{types.Interval{Months: 14, Days: 3, Micros: 4*types.MicrosPerHour + 5*types.MicrosPerMinute + 6*types.MicrosPerSecond + 500000}, "1 year 2 mons 3 days 04:05:06.5"},
		{types.Interval{}, "00:00:00"},
		{types.Interval{Days: -1, Micros: 2 * types.MicrosPerHour}, "-1 days +02:00:00"},
		{types.Interval{Months: 1, Days: 1}, "1 mon 1 day"},
		{types.Interval{Micros: -90 * types.MicrosPerMinute}, "-01:30:00"},
		{types.Timestamptz(0), "1970-01-01 00:00:00+00"},
		{types.Date(0), "1970-01-01"},
		{types.Timestamp(1_500_000), "1970-01-01 00:00:01.5"},
		{types.Array{int64(1), nil, "x y"}, `{1,NULL,"x y"}`},
		{[]byte{1, 171}, `\x01ab`},
	}
	for _, c := range cases {
		if got := types.FormatText(c.d); got != c.want {
			t.Errorf("FormatText(%#v) = %q, want %q", c.d, got, c.want)
		}
	}
	if got := types.FormatFloat(float64(float32(0.1)), 32); got != "0.1" {
		t.Errorf("real 0.1 = %q", got)
	}
}
