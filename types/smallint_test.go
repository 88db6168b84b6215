package types

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
)

// TestSmallIntMatchesDecimalReader checks the integer fast path of reading
// a stored numeric against the general decimal reader: same value, same
// exponent, same sign and same text.
func TestSmallIntMatchesDecimalReader(t *testing.T) {
	cases := []string{"0", "-0", "1", "-1", "007", "-007", "123456789012345678", "-123456789012345678",
		"1234567890123456789", "999999999999999999", "1.5", "1.0", "", "-", "--1", "1e5", "+5", "00", " 1", "NaN", "Infinity"}
	fast := 0
	for _, s := range cases {
		v, ok := smallInt(s)
		if !ok {
			continue
		}
		fast++
		want, _, err := apd.NewFromString(s)
		if err != nil {
			t.Fatalf("%q: fast path accepts it, the decimal reader fails: %v", s, err)
		}
		got := apd.New(v, 0)
		if got.Cmp(want) != 0 || got.Exponent != want.Exponent || got.Negative != want.Negative ||
			got.Form != want.Form || got.String() != want.String() {
			t.Errorf("%q: fast path gives %s (exp %d, neg %v), decimal reader %s (exp %d, neg %v)",
				s, got, got.Exponent, got.Negative, want, want.Exponent, want.Negative)
		}
	}
	if fast != 9 {
		t.Errorf("fast path took %d of the cases, want 9", fast)
	}
}
