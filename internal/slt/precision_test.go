package slt

import "testing"

func TestAlignPrecision(t *testing.T) {
	for _, c := range []struct {
		got, want string
		same      bool
	}{
		{"1000 4193850.5714285714285714", "1000 4193850.5714285714285714285714", true},
		{"9657614.3333333333333333", "9657614.333333333333333333333", true},
		{"0.6666666666666667", "0.66666666666666666666666666667", true},
		{"-2.3333333333333333", "-2.333333333333333333333333333", true},
		{"4193850.5714285714285715", "4193850.5714285714285714285714", false}, // a digit both print differs
		{"1.5", "1.46", false},           // too few digits to be a precision choice
		{"1.123456", "1.1234567", false}, // rounds to 1.123457
		{"abc 1.1234567", "abd 1.1234567", false},
	} {
		got, want := []string{c.got}, []string{c.want}
		alignPrecision(got, want)
		if (got[0] == want[0]) != c.same {
			t.Errorf("%q vs %q: aligned %q %q, want same=%v", c.got, c.want, got[0], want[0], c.same)
		}
	}
}
