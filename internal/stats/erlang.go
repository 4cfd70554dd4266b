package stats

import "math"

// The Erlang C model (M/M/c queue): requests arrive as a Poisson process at
// rate λ, each takes an exponentially distributed handling time with mean h,
// and c servers (operators) take them first come, first served. The offered
// load is A = λ·h erlangs; the queue is stable only when A < c.
//
// Source: A. K. Erlang (1917); the formulas as in G. Koole, "Call Center
// Optimization" (2013), ch. 5, and N. Gans, G. Koole, A. Mandelbaum,
// "Telephone call centers: tutorial, review, and research prospects",
// MSOM 5(2), 2003, §4.1.

// ErlangB returns the blocking probability of c servers at offered load a
// (erlangs) with no queue, by the stable recursion
//
//	B(0) = 1,  B(k) = a·B(k−1) / (k + a·B(k−1)),
//
// which avoids the factorials of the closed form. It returns 1 for c ≤ 0 and
// 0 for a ≤ 0 with c ≥ 1.
func ErlangB(c int, a float64) float64 {
	if c <= 0 {
		return 1
	}
	if !(a > 0) {
		return 0
	}
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return b
}

// ErlangC returns the probability that a request waits (finds all c servers
// busy) at offered load a erlangs:
//
//	C(c, a) = c·B / (c − a·(1 − B)),  B = ErlangB(c, a),
//
// equal to the textbook (a^c/c! · c/(c−a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c−a)).
// It returns 1 when a ≥ c (the queue grows without bound: everyone waits)
// and 0 when a ≤ 0.
func ErlangC(c int, a float64) float64 {
	if !(a > 0) {
		return 0
	}
	if float64(c) <= a {
		return 1
	}
	b := ErlangB(c, a)
	return float64(c) * b / (float64(c) - a*(1-b))
}

// ServiceLevel returns the share of requests answered within wait, with c
// servers, arrival rate rate and mean handling time handle (rate, handle and
// wait in one unit of time):
//
//	SL = 1 − C(c, A) · exp(−(c − A) · wait / handle),  A = rate · handle.
//
// It is 0 when the queue is unstable (A ≥ c) and 1 when nothing arrives.
func ServiceLevel(c int, rate, handle, wait float64) float64 {
	a := rate * handle
	if !(a > 0) {
		return 1
	}
	if float64(c) <= a || !(handle > 0) {
		return 0
	}
	return 1 - ErlangC(c, a)*math.Exp(-(float64(c)-a)*wait/handle)
}

// Servers returns the fewest servers that answer at least the share level
// (in (0, 1)) of requests within wait, at arrival rate rate and mean
// handling time handle (one unit of time throughout). It returns 0 when
// nothing arrives or handling takes no time, and -1 when the inputs are not
// finite or level is outside (0, 1).
func Servers(rate, handle, wait, level float64) int {
	for _, x := range []float64{rate, handle, wait, level} {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			return -1
		}
	}
	if !(level > 0 && level < 1) {
		return -1
	}
	a := rate * handle
	if a == 0 {
		return 0
	}
	// The first stable count, then up; each extra server raises the level,
	// and c = A + 10·√A + 10 always reaches any level short of 1 in practice.
	c := int(math.Floor(a)) + 1
	for limit := c + int(10*math.Sqrt(a)) + 1000; c < limit; c++ {
		if ServiceLevel(c, rate, handle, wait) >= level {
			return c
		}
	}
	return c
}
