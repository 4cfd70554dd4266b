package stats

import (
	"math"
	"math/big"
	"testing"
)

// Published Erlang C values, to the four places the tables print.
//   - The classic call-centre example (100 calls in half an hour of 3 minutes:
//     A = 10 erlangs): 11 agents wait 68.21%, 12 44.94%, 13 28.53%, 14 17.41%.
//   - A textbook M/M/m exercise: A = 6, m = 10, "from the Erlang C
//     curve, the probability of waiting is about 0.10".
//   - Wolfram Language ErlangC documentation: 30 calls an hour of 5 minutes
//     (A = 2.5) need 6 people for 90% of calls not delayed.
func TestErlangCPublishedTables(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c    int
		a    float64
		want float64
		tol  float64
	}{
		{11, 10, 0.6821, 5e-5},
		{12, 10, 0.4494, 5e-5},
		{13, 10, 0.2853, 5e-5},
		{14, 10, 0.1741, 5e-5},
		{10, 6, 0.10, 5e-3},
	} {
		if got := ErlangC(tc.c, tc.a); math.Abs(got-tc.want) > tc.tol {
			t.Errorf("ErlangC(%d, %v) = %.5f, table %.4f", tc.c, tc.a, got, tc.want)
		}
	}
	if n := Servers(30, 1.0/12, 0, 0.9); n != 6 {
		t.Errorf("30 calls an hour of 5 minutes, 90%% not delayed: %d servers, want 6", n)
	}
}

// closedC is the textbook closed form with factorials, in 2,000-bit floats
// so nothing overflows: an independent check of the recursion.
func closedC(c int, a float64) float64 {
	const prec = 2000
	num := func(x float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(x) }
	term, sum := num(1), num(0)
	for k := 0; k < c; k++ {
		sum.Add(sum, term)
		term.Mul(term, num(a))
		term.Quo(term, num(float64(k+1)))
	}
	top := new(big.Float).SetPrec(prec).Mul(term, num(float64(c)/(float64(c)-a)))
	r, _ := new(big.Float).SetPrec(prec).Quo(top, new(big.Float).SetPrec(prec).Add(sum, top)).Float64()
	return r
}

// At 500 erlangs a^c/c! overflows float64 a hundred times over; the Erlang B
// recursion stays finite and agrees with the exact closed form.
func TestErlangCAt500Erlangs(t *testing.T) {
	t.Parallel()
	prev := 1.0
	for c := 501; c <= 600; c++ {
		got, want := ErlangC(c, 500), closedC(c, 500)
		if math.IsNaN(got) || got <= 0 || got > 1 || math.Abs(got-want) > 1e-9*math.Max(want, 1e-12) && math.Abs(got-want) > 1e-13 {
			t.Fatalf("ErlangC(%d, 500) = %v, closed form %v", c, got, want)
		}
		if got >= prev {
			t.Fatalf("ErlangC(%d, 500) = %v does not fall below %v", c, got, prev)
		}
		prev = got
	}
	// 500 erlangs as 10,000 alerts an hour of 180 s, 80% within 20 s: the
	// fewest servers by a scan of the exact closed form.
	rate, handle, wait := 10000.0/3600, 180.0, 20.0
	want := 0
	for c := 501; want == 0; c++ {
		if 1-closedC(c, 500)*math.Exp(-(float64(c)-500)*wait/handle) >= 0.8 {
			want = c
		}
	}
	if got := Servers(rate, handle, wait, 0.8); got != want {
		t.Errorf("Servers at 500 erlangs = %d, exact scan %d", got, want)
	}
}
