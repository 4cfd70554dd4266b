package kpi

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// roundedSmall gives the float64 roundedBig gives, bit for bit, wherever it
// applies: random amounts over random and decimal denominators, exact
// halves either side of zero, negatives that round to zero, and the edges
// where it must hand over to big.Rat.
func TestRoundedSmallMatchesBig(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	var vals []*big.Rat
	dens := []int64{1, 2, 3, 7, 8, 10, 40, 100, 1000, 3600, 100000, 1e6, 1e9, 1e12, 999_999_937}
	for range 20000 {
		num := rng.Int64N(2e12) - 1e12
		den := dens[rng.IntN(len(dens))]
		if rng.IntN(3) == 0 {
			den = rng.Int64N(1e9) + 1
		}
		vals = append(vals, big.NewRat(num, den))
	}
	for minor := range 4 {
		scale := int64(math.Pow10(minor))
		for k := int64(-50); k <= 50; k++ { // k + 1/2 minor units: away from zero
			vals = append(vals, big.NewRat(2*k+1, 2*scale))
		}
	}
	vals = append(vals, big.NewRat(-1, 1000), big.NewRat(-4, 1000), big.NewRat(-5, 1000), big.NewRat(0, 1),
		new(big.Rat).SetFrac(big.NewInt(math.MaxInt64), big.NewInt(1)), new(big.Rat).SetFrac(big.NewInt(math.MinInt64+1), big.NewInt(3)),
		new(big.Rat).SetFrac(new(big.Int).Lsh(big.NewInt(1), 70), big.NewInt(3)), big.NewRat(1<<53, 100), big.NewRat(1<<53-1, 1))
	var fast, handed int
	for _, v := range vals {
		for _, minor := range []int{0, 2, 3} {
			want := roundedBig(v, minor)
			got, ok := roundedSmall(v, minor)
			if !ok {
				handed++
				continue
			}
			fast++
			if math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("%s to %d decimals: %v (bits %x), big.Rat gives %v (bits %x)", v.RatString(), minor, got, math.Float64bits(got), want, math.Float64bits(want))
			}
			if rounded(v, minor) != want {
				t.Errorf("rounded(%s, %d) = %v, want %v", v.RatString(), minor, rounded(v, minor), want)
			}
		}
	}
	if fast < 60000 || handed == 0 {
		t.Errorf("%d values by the fast path, %d handed to big.Rat: want both", fast, handed)
	}
	// By hand: 2.345 to 2 decimals is 2.35, -2.345 is -2.35, -0.004 is 0 (not -0).
	for _, c := range []struct {
		v    *big.Rat
		want float64
	}{{big.NewRat(2345, 1000), 2.35}, {big.NewRat(-2345, 1000), -2.35}, {big.NewRat(-4, 1000), 0}, {big.NewRat(1, 3), 0.33}} {
		if got := rounded(c.v, 2); math.Float64bits(got) != math.Float64bits(c.want) {
			t.Errorf("rounded(%s, 2) = %v, want %v", c.v.RatString(), got, c.want)
		}
	}
}
