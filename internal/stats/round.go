package stats

import (
	"math"
	"strconv"
	"strings"
)

// Significant rounds x to digits significant digits, returning the float64
// nearest that decimal, so that it prints as it (1.6e-6 stays 1.6e-6,
// 0.0123456 becomes 0.0123). Rounding to a fixed count of decimals instead
// turns a small p-value into 0 or a wrong power of ten; a statistic keeps
// its relative precision at any size this way. Zero, NaN and infinities come
// back unchanged; digits below 1 is read as 1.
func Significant(x float64, digits int) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', max(digits, 1), 64), 64)
	return v
}

// StatDigits is the significant digits every reported test statistic and
// p-value carries.
const StatDigits = 3

// FormatSignificant writes x to digits significant digits as its shortest
// decimal, in exponent form (1.6e-6) below 0.0001: what pages and reports
// print for a p-value.
func FormatSignificant(x float64, digits int) string {
	s := strconv.FormatFloat(Significant(x, digits), 'g', -1, 64)
	if i := strings.Index(s, "e"); i >= 0 {
		mant, exp := s[:i], s[i+1:]
		sign := ""
		if exp[0] == '-' || exp[0] == '+' {
			if exp[0] == '-' {
				sign = "-"
			}
			exp = exp[1:]
		}
		exp = strings.TrimLeft(exp, "0")
		s = mant + "e" + sign + exp
	}
	return s
}
