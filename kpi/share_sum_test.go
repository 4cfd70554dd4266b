package kpi

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// shareSum equals the plain sum of one rational per amount: by hand for
// small cases, and against big.Rat sums of random shares.
func TestShareSum(t *testing.T) {
	t.Parallel()
	type term struct{ v, keep, rev int64 }
	for _, c := range []struct {
		name  string
		terms []term
		den   int64
		want  *big.Rat
	}{
		{"none", nil, 100, big.NewRat(0, 1)},
		{"thirds making a whole", []term{{3, 1, 3}, {3, 2, 3}}, 1, big.NewRat(3, 1)},
		{"a third and a sixth", []term{{1, 1, 3}, {1, 1, 6}}, 1, big.NewRat(1, 2)},
		{"kept whole, over cents", []term{{250, 1, 1}, {1, 0, 7}}, 100, big.NewRat(5, 2)},
		{"a seventh and three quarters, over 100", []term{{700, 1, 7}, {5, 3, 4}}, 100, big.NewRat(83, 80)}, // (100 + 3.75) / 100
	} {
		var s shareSum
		for _, x := range c.terms {
			s.add(big.NewInt(x.v), x.keep, x.rev)
		}
		if got := s.over(big.NewInt(c.den)); got.Cmp(c.want) != 0 {
			t.Errorf("%s: %s, want %s", c.name, got.RatString(), c.want.RatString())
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 10, 500} {
		var s shareSum
		want := new(big.Rat)
		den := big.NewInt(100_000_000)
		for range n {
			rev := 1 + r.Int64N(5000)
			keep := r.Int64N(rev + 1)
			v := r.Int64N(1 << 62)
			s.add(big.NewInt(v), keep, rev)
			want.Add(want, new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(v), big.NewInt(keep)), new(big.Int).Mul(den, big.NewInt(rev))))
		}
		if got := s.over(den); got.Cmp(want) != 0 {
			t.Errorf("%d random shares: %s, want %s", n, got.RatString(), want.RatString())
		}
	}
}
