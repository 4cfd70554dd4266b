package kpi

import (
	"math"
	"sort"
)

// sketchGamma is the ratio between consecutive response-time buckets: bucket
// b holds [γ^b, γ^(b+1)) seconds, and reporting its geometric midpoint is
// within √γ−1 ≈ 1% of any value in it (the log-bucket idea of DDSketch,
// Masson, Rim & Lee, VLDB 2019), inside the 2% DESIGN.md allows.
const sketchGamma = 1.02

// sketch counts responses per bucket.
type sketch map[int]int64

func (s sketch) add(bucket int, n int64) { s[bucket] += n }

// addPacked merges buckets packed as bucket << 32 | count.
func (s sketch) addPacked(packed []int64) {
	for _, p := range packed {
		s[int(p>>32)] += p & 0xffffffff
	}
}

// quantile returns the q-quantile (0..1) in seconds, or nil when empty. It
// takes the bucket holding the ⌈q·n⌉-th smallest response.
func (s sketch) quantile(q float64) *float64 {
	var n int64
	buckets := make([]int, 0, len(s))
	for b, c := range s {
		n += c
		buckets = append(buckets, b)
	}
	if n == 0 {
		return nil
	}
	sort.Ints(buckets)
	rank := int64(math.Ceil(q * float64(n)))
	rank = max(rank, 1)
	var cum int64
	for _, b := range buckets {
		cum += s[b]
		if cum >= rank {
			v := math.Pow(sketchGamma, float64(b)+0.5)
			if b == 0 {
				v = 1 // bucket 0 also holds responses under a second
			}
			v = math.Round(v*10) / 10
			return &v
		}
	}
	return nil
}
