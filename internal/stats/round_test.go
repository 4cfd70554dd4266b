package stats

import (
	"math"
	"testing"
)

func TestSignificant(t *testing.T) {
	t.Parallel()
	cases := []struct {
		x    float64
		want float64
	}{
		// The cases of the issue: a fixed six decimals read 1.6e-6 as 2e-6
		// and anything under 5e-7 as 0.
		{1.6e-6, 1.6e-6},
		{1.6449e-6, 1.64e-6},
		{4e-7, 4e-7},
		{4.26e-7, 4.26e-7},
		{0.0123456, 0.0123},
		{0.5, 0.5},
		{0.99951, 1},
		{0.12345, 0.123}, // 0.12345 is stored just below the half: it rounds down
		{0.12351, 0.124},
		{1234.5, 1230},
		{-0.000123456, -0.000123},
		{3.3e-300, 3.3e-300},
		{0, 0},
	}
	for _, c := range cases {
		if got := Significant(c.x, StatDigits); got != c.want {
			t.Errorf("Significant(%v, 3) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := Significant(math.NaN(), 3); !math.IsNaN(got) {
		t.Errorf("NaN gave %v", got)
	}
	if got := Significant(math.Inf(1), 3); !math.IsInf(got, 1) {
		t.Errorf("+Inf gave %v", got)
	}
	if got := Significant(0.0123456, 0); got != 0.01 {
		t.Errorf("digits 0 gave %v, want one digit", got)
	}
}

func TestFormatSignificant(t *testing.T) {
	t.Parallel()
	for x, want := range map[float64]string{1.6e-6: "1.6e-6", 4e-7: "4e-7", 0.0123456: "0.0123", 0.5: "0.5", 1.23456: "1.23", 1234.5: "1230", 2.5e21: "2.5e21", 0: "0"} {
		if got := FormatSignificant(x, StatDigits); got != want {
			t.Errorf("FormatSignificant(%v) = %q, want %q", x, got, want)
		}
	}
}
