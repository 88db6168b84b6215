package expr

import "testing"

// TestCorrectlyRounded checks the big.Float functions against the float
// nearest the exact value (from 50-digit decimal arithmetic, or bc for the
// trigonometric cases). Several are hard cases, within a thousandth of a
// unit of a rounding midpoint, where one extra rounding goes wrong.
func TestCorrectlyRounded(t *testing.T) {
	cases := []struct {
		name string
		f    func(float64) float64
		x    float64
		want float64
	}{
		{"exp", crExpF, 1.5, 4.4816890703380645},
		{"exp", crExpF, -246.6, 7.997988266401245e-108},
		{"exp", crExpF, 0.1, 1.1051709180756477},
		{"exp", crExpF, 700.5, 1.6721859620674984e+304},
		{"exp", crExpF, -1e-05, 0.9999900000499998},
		{"ln", crLogF, 2, 0.6931471805599453},
		{"ln", crLogF, 1e-300, -690.7755278982137},
		{"ln", crLogF, 1.0000001, 9.999999505838704e-08},
		{"ln", crLogF, 12345.678, 9.421061321291832},
		{"ln", crLogF, 0.7, -0.35667494393873245},
		{"tan", crTanF, -31.972972972972972, -0.6228426207657926},
		{"cos", crCosF, -45.78378378378378, -0.2286495976304799},
		{"atan", crAtanF, 10, 1.4711276743037347},
		{"log10", crLog10F, 1000, 3},
	}
	for _, c := range cases {
		if got := c.f(c.x); got != c.want {
			t.Errorf("%s(%v) = %v, want %v", c.name, c.x, got, c.want)
		}
	}
}
