package findings

import (
	"math"
	"math/big"
	"testing"

	"github.com/shrinkscope/shrinkscope/internal/stats"
)

func near(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.IsInf(want, 0) || want == 0 {
		if got != want {
			t.Errorf("%s = %g, want %g", what, got, want)
		}
		return
	}
	if math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.17g, want %.17g (rel %.1e)", what, got, want, math.Abs(got-want)/math.Abs(want))
	}
}

func TestPoissonTails(t *testing.T) {
	e := math.Exp(-1)
	for _, c := range []struct {
		what string
		got  float64
		want float64
	}{
		// Closed forms by hand.
		{"P(X≥0|3)", PoissonUpper(0, 3), 1},
		{"P(X≥1|1)", PoissonUpper(1, 1), 1 - e},
		{"P(X≥3|1)", PoissonUpper(3, 1), 1 - 2.5*e},
		{"P(X≤0|20)", PoissonLower(0, 20), math.Exp(-20)},
		{"P(X≤1|20)", PoissonLower(1, 20), 21 * math.Exp(-20)},
		{"P(X≤2|50)", PoissonLower(2, 50), (1 + 50 + 1250) * math.Exp(-50)},
		{"P(X≤-1|2)", PoissonLower(-1, 2), 0},
		{"P(X≥1|0)", PoissonUpper(1, 0), 0},
		{"P(X≤5|0)", PoissonLower(5, 0), 1},
	} {
		near(t, c.what, c.got, c.want, 1e-13)
	}
	// Against the regularized incomplete gamma (an independent method):
	// P(X ≥ k) = P(k, mu) for k ≥ 1, far into both tails.
	for _, c := range []struct {
		k  int64
		mu float64
	}{{14, 4.1}, {60, 20}, {30, 20}, {5, 20}, {21, 20}, {100, 99.5}, {3, 0.01}} {
		want := stats.GammaCDF(c.mu, float64(c.k), 1)
		near(t, "PoissonUpper", PoissonUpper(c.k, c.mu), want, 1e-10)
		near(t, "PoissonLower", PoissonLower(c.k-1, c.mu), 1-want, 1e-9)
	}
}

// binomialExact is P(Y ≥ y) for Y ~ Binomial(n, num/den) in exact rational
// arithmetic: the independent method the tails are checked against.
func binomialExact(y, n, num, den int64) float64 {
	p := big.NewRat(num, den)
	q := new(big.Rat).Sub(big.NewRat(1, 1), p)
	sum := new(big.Rat)
	for i := y; i <= n; i++ {
		c := new(big.Int).Binomial(n, i)
		term := new(big.Rat).SetInt(c)
		term.Mul(term, pow(p, i))
		term.Mul(term, pow(q, n-i))
		sum.Add(sum, term)
	}
	f, _ := sum.Float64()
	return f
}

func pow(r *big.Rat, k int64) *big.Rat {
	out := big.NewRat(1, 1)
	for range k {
		out.Mul(out, r)
	}
	return out
}

func TestBinomialTails(t *testing.T) {
	// Closed forms.
	near(t, "P(Y≥10|10,.3)", BinomialUpper(10, 10, 0.3), math.Pow(0.3, 10), 1e-13)
	near(t, "P(Y≤0|10,.3)", BinomialLower(0, 10, 0.3), math.Pow(0.7, 10), 1e-13)
	near(t, "P(Y≥1|10,.3)", BinomialUpper(1, 10, 0.3), 1-math.Pow(0.7, 10), 1e-13)
	near(t, "P(Y≥2|3,.5)", BinomialUpper(2, 3, 0.5), 0.5, 1e-15)
	near(t, "P(Y≥11|10,.5)", BinomialUpper(11, 10, 0.5), 0, 0)
	// Exact rationals, in both tails and the middle.
	for _, c := range []struct{ y, n, num, den int64 }{
		{30, 90, 1, 7}, {2, 90, 1, 7}, {13, 90, 1, 7}, {40, 200, 1, 4}, {80, 200, 1, 4},
		{1, 27, 1, 27}, {3, 30, 1, 27}, {150, 400, 1, 3},
	} {
		p := float64(c.num) / float64(c.den)
		want := binomialExact(c.y, c.n, c.num, c.den)
		near(t, "BinomialUpper", BinomialUpper(c.y, c.n, p), want, 1e-11)
		near(t, "BinomialLower", BinomialLower(c.y-1, c.n, p), 1-want, 1e-9)
	}
}

func TestClopperPearson(t *testing.T) {
	// With no successes the upper bound solves (1 − p)^n = α/2; with all,
	// the lower bound solves p^n = α/2.
	lo, hi := clopperPearson(0, 10, 0.05)
	near(t, "lo(0/10)", lo, 0, 0)
	near(t, "hi(0/10)", hi, 1-math.Pow(0.025, 0.1), 1e-12)
	lo, hi = clopperPearson(10, 10, 0.05)
	near(t, "lo(10/10)", lo, math.Pow(0.025, 0.1), 1e-12)
	near(t, "hi(10/10)", hi, 1, 0)
	// In between, each bound puts exactly α/2 in its tail.
	lo, hi = clopperPearson(30, 90, 0.05)
	near(t, "tail at lo", BinomialUpper(30, 90, lo), 0.025, 1e-9)
	near(t, "tail at hi", BinomialLower(30, 90, hi), 0.025, 1e-9)
}

func TestBHOnThePapersExample(t *testing.T) {
	// Benjamini & Hochberg (1995), §4: fifteen p-values; at q = 0.05 the
	// procedure rejects the four smallest (Bonferroni only three).
	ps := []float64{0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000}
	q := BH(ps)
	var found int
	for _, x := range q {
		if x <= 0.05 {
			found++
		}
	}
	if found != 4 {
		t.Errorf("findings at 5%% = %d, want 4 (q = %v)", found, q)
	}
	// By hand: q(4) = 0.0095·15/4; q(3) = 0.0019·15/3; q(5) = min over the
	// ranks at and above 5 of p·15/rank: 0.0603, 0.0695, 0.0745, 0.0774,
	// 0.0765, … so rank 5's own 0.0201·15/5.
	near(t, "q4", q[3], 0.0095*15/4, 1e-12)
	near(t, "q3", q[2], 0.0019*15/3, 1e-12)
	near(t, "q5", q[4], 0.0201*15/5, 1e-12)
	near(t, "q15", q[14], 1, 1e-12)
	// Order does not matter.
	rev := make([]float64, len(ps))
	for i := range ps {
		rev[i] = ps[len(ps)-1-i]
	}
	qr := BH(rev)
	for i := range q {
		near(t, "reversed", qr[len(ps)-1-i], q[i], 1e-15)
	}
}
