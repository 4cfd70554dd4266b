package stats

import (
	"math"
	"testing"
)

// The expected values are worked by hand from the closed forms:
// B(k) = a·B(k−1)/(k + a·B(k−1)) and C = (a^c/c! · c/(c−a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c−a)).
func TestErlangBAndC(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c    int
		a    float64
		b, w float64 // Erlang B, Erlang C
	}{
		// B(1) = 1/2, B(2) = ½/(2 + ½) = 1/5. C = (1/2 · 2) / (1 + 1 + 1) = 1/3.
		{2, 1, 0.2, 1.0 / 3},
		// B(3) at a = 2: 2/3, then 0.4, then 0.8/3.8 = 4/19. C = (8/6 · 3) / (1 + 2 + 2 + 4) = 4/9.
		{3, 2, 4.0 / 19, 4.0 / 9},
		// One server: B = a/(1+a) and C = a (the utilisation).
		{1, 0.25, 0.2, 0.25},
		// B(3) at a = 1: ½, 1/5, then (1/5)/(3 + 1/5) = 1/16. C = (1/6 · 3/2) / (1 + 1 + 1/2 + 1/4) = (1/4)/(11/4) = 1/11.
		{3, 1, 1.0 / 16, 1.0 / 11},
		// Nothing offered: no blocking, no waiting.
		{2, 0, 0, 0},
		// At or over capacity everyone waits.
		{1, 1, 0.5, 1},
		{2, 3, 9.0 / 17, 1},
	} {
		if got := ErlangB(tc.c, tc.a); !near(got, tc.b) {
			t.Errorf("ErlangB(%d, %v) = %v, want %v", tc.c, tc.a, got, tc.b)
		}
		if got := ErlangC(tc.c, tc.a); !near(got, tc.w) {
			t.Errorf("ErlangC(%d, %v) = %v, want %v", tc.c, tc.a, got, tc.w)
		}
	}
	if ErlangB(0, 1) != 1 {
		t.Errorf("ErlangB with no servers must block everything")
	}
}

func TestServiceLevel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name               string
		c                  int
		rate, handle, wait float64
		want               float64
	}{
		// A = 1, c = 2: C = 1/3; with no grace every waiter misses.
		{"no grace", 2, 1, 1, 0, 2.0 / 3},
		// exp(−(2 − 1)·ln 2) = ½: 1 − 1/3 · ½ = 5/6.
		{"ln 2 grace", 2, 1, 1, math.Ln2, 5.0 / 6},
		// Units only matter through rate·handle and wait/handle: 30 an hour
		// of 2 minutes (A = 1) within 2·ln 2 minutes is the same 5/6.
		{"hours and minutes", 2, 0.5, 2, 2 * math.Ln2, 5.0 / 6},
		{"unstable", 1, 1, 1, 10, 0},
		{"nothing arrives", 1, 0, 1, 0, 1},
	} {
		if got := ServiceLevel(tc.c, tc.rate, tc.handle, tc.wait); !near(got, tc.want) {
			t.Errorf("%s: ServiceLevel = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestServers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                      string
		rate, handle, wait, level float64
		want                      int
	}{
		// A = 1: c = 2 answers 2/3 at once, c = 3 answers 10/11.
		{"two suffice", 1, 1, 0, 0.6, 2},
		{"exactly two thirds", 1, 1, 0, 2.0 / 3, 2},
		{"three needed", 1, 1, 0, 0.7, 3},
		{"ten elevenths", 1, 1, 0, 10.0 / 11, 3},
		// A = 0.25, c = 1: SL = 1 − ¼·exp(−¾·wait/handle); with wait = 0, ¾.
		{"one light", 0.25, 1, 0, 0.75, 1},
		{"one too few", 0.25, 1, 0, 0.76, 2},
		{"nothing arrives", 0, 1, 1, 0.9, 0},
		{"bad level", 1, 1, 1, 1, -1},
		{"negative rate", -1, 1, 1, 0.9, -1},
		{"not finite", math.Inf(1), 1, 1, 0.9, -1},
	} {
		if got := Servers(tc.rate, tc.handle, tc.wait, tc.level); got != tc.want {
			t.Errorf("%s: Servers = %d, want %d", tc.name, got, tc.want)
		}
	}
	// More load never needs fewer servers.
	prev := 0
	for a := 0.0; a <= 60; a += 0.37 {
		n := Servers(a, 1, 0.2, 0.9)
		if n < prev || float64(n) <= a && a > 0 {
			t.Fatalf("Servers at load %v = %d after %d", a, n, prev)
		}
		prev = n
	}
}
