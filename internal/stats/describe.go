package stats

import (
	"math"
	"slices"
	"sort"
)

// MeanSD returns the mean and population standard deviation of xs (divide
// by n, not n − 1: callers pass a whole population, such as every store of
// an estate). Empty input gives 0, 0. A spread within floating-point noise
// of the mean (identical values whose mean rounded) is reported as 0.
func MeanSD(xs []float64) (mean, sd float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var sumsq float64
	for _, x := range xs {
		sumsq += (x - mean) * (x - mean)
	}
	sd = math.Sqrt(sumsq / float64(len(xs)))
	if sd <= 1e-12*math.Abs(mean) {
		sd = 0
	}
	return mean, sd
}

// Median returns the median of xs (the mean of the middle two for an even
// count), NaN when xs is empty. It does not modify xs.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// MidRanks returns each value's mid-rank percentile in xs:
//
//	p_i = (#{j : x_j < x_i} + ½ · #{j : x_j = x_i}) / n
//
// the average of the empirical distribution function just below and at x_i
// (Hazen's plotting position (i − ½)/n when there are no ties). It is
// symmetric — the lowest of n values gets 1/(2n), the highest 1 − 1/(2n) —
// so a lone value sits at 0.5. Ties share a percentile, and values within
// 1e-9 of each other count as ties, so results equal up to floating-point
// rounding rank together and the order of xs does not matter.
func MidRanks(xs []float64) []float64 {
	const tol = 1e-9
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	n := float64(len(xs))
	p := make([]float64, len(xs))
	for i, x := range xs {
		lo := sort.Search(len(sorted), func(k int) bool { return sorted[k] >= x-tol })
		hi := sort.Search(len(sorted), func(k int) bool { return sorted[k] > x+tol })
		p[i] = (float64(lo) + float64(hi-lo)/2) / n
	}
	return p
}
