package slt

import (
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// minAlignedDigits is the fewest fractional digits a decimal must carry
// for alignPrecision to compare it at the precision of another: below it
// a difference is a wrong value, not a precision choice.
const minAlignedDigits = 6

// alignPrecision makes the decimals of RisingWave-format result lines
// comparable where the two systems compute the same quotient to different
// precisions: RisingWave divides decimals to 28 significant digits (avg of
// 4193850.5714285714285714285714), Postgres to a scale of at least 16
// (4193850.5714285714285714). For each pair of lines at the same place in
// got and want, and each pair of tokens that differ, when both are plain
// decimals with at least minAlignedDigits fractional digits and the longer
// one rounded half away from zero to the shorter one's digits equals it,
// both tokens become the shorter one. Nothing else changes, so a value
// that differs in any digit both systems print still fails.
func alignPrecision(got, want []string) {
	if len(got) != len(want) {
		return
	}
	for i := range got {
		if got[i] == want[i] {
			continue
		}
		gt, wt := strings.Split(got[i], " "), strings.Split(want[i], " ")
		if len(gt) != len(wt) {
			continue
		}
		changed := false
		for j := range gt {
			if gt[j] != wt[j] {
				if short, ok := sameAtShorterPrecision(gt[j], wt[j]); ok {
					gt[j], wt[j] = short, short
					changed = true
				}
			}
		}
		if changed {
			got[i], want[i] = strings.Join(gt, " "), strings.Join(wt, " ")
		}
	}
}

// sameAtShorterPrecision reports whether a and b are decimals that agree
// at the precision of the one with fewer fractional digits, and returns
// that one.
func sameAtShorterPrecision(a, b string) (string, bool) {
	fa, fb := fracDigits(a), fracDigits(b)
	if fa < minAlignedDigits || fb < minAlignedDigits || fa == fb {
		return "", false
	}
	short, long, digits := a, b, fa
	if fb < fa {
		short, long, digits = b, a, fb
	}
	var l, s apd.Decimal
	if _, _, err := l.SetString(long); err != nil {
		return "", false
	}
	if _, _, err := s.SetString(short); err != nil {
		return "", false
	}
	var r apd.Decimal
	ctx := apd.BaseContext.WithPrecision(100)
	ctx.Rounding = apd.RoundHalfUp
	if _, err := ctx.Quantize(&r, &l, -int32(digits)); err != nil {
		return "", false
	}
	return short, r.Cmp(&s) == 0
}

// fracDigits returns the number of digits after the point of a plain
// decimal ([-]digits.digits), or -1 for anything else.
func fracDigits(t string) int {
	t = strings.TrimPrefix(t, "-")
	dot := strings.IndexByte(t, '.')
	if dot <= 0 || dot == len(t)-1 {
		return -1
	}
	for i, c := range t {
		if i != dot && (c < '0' || c > '9') {
			return -1
		}
	}
	return len(t) - dot - 1
}
