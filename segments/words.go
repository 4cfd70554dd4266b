package segments

import (
	"math"
	"strconv"
	"strings"
)

// Numbers as the rationale writes them.

// segIndex writes the risk index with two decimals, never as "-0.00".
func segIndex(x float64) string {
	v := math.Round(x*100) / 100
	if v == 0 {
		v = 0 // drops the sign of -0
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// segNum rounds a figure for a sentence: two significant digits below 10
// (3.1, 0.41), one decimal below 100 (12.3), whole numbers with thousands
// separators above (1,240).
func segNum(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "n/a"
	case x == 0:
		return "0"
	case math.Abs(x) >= 100:
		return segMoney(x)
	case math.Abs(x) >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	d := 1 - int(math.Floor(math.Log10(math.Abs(x))))
	d = min(max(d, 1), 6)
	return strconv.FormatFloat(x, 'f', d, 64)
}

// segMoney renders x as a whole number with thousands separators: -12,345.
func segMoney(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	v := math.Round(x)
	sign := ""
	if v == 0 {
		v = 0 // drops the sign of -0
	}
	if v < 0 {
		sign, v = "-", -v
	}
	digits := strconv.FormatFloat(v, 'f', 0, 64)
	var b strings.Builder
	for k, c := range digits {
		if k > 0 && (len(digits)-k)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

// segOrdinal writes 1st, 2nd, 3rd, 4th, 11th, 21st, …
func segOrdinal(k int) string {
	suffix := "th"
	if k%100 < 11 || k%100 > 13 {
		switch k % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(k) + suffix
}

func segPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
