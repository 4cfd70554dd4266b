package workforce

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// planSpans is PlanSpans with a context that never ends.
func planSpans(t testing.TB, ds []Demand, r Rules, budget int) []Cover {
	t.Helper()
	out, err := PlanSpans(context.Background(), ds, r, budget)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// bruteBudget is the most risk-weighted covered demand any set of shifts of
// at most budget paid hours reaches, by enumerating every multiset of shifts.
func bruteBudget(ds []Demand, r Rules, budget int) float64 {
	type sh struct{ span, start, hours int }
	var all []sh
	for i, d := range ds {
		for s := range d.Req {
			for l := r.MinHours; l <= r.MaxHours && s+l <= len(d.Req); l++ {
				all = append(all, sh{i, s, l})
			}
		}
	}
	covs := make([][]int, len(ds))
	for i, d := range ds {
		covs[i] = make([]int, len(d.Req))
	}
	best := 0.0
	var dfs func(k, left int)
	dfs = func(k, left int) {
		v := 0.0
		for i, d := range ds {
			v += d.value(Cover{Scheduled: covs[i]})
		}
		best = math.Max(best, v)
		for j := k; j < len(all); j++ {
			a := all[j]
			if a.hours > left {
				continue
			}
			for h := a.start; h < a.start+a.hours; h++ {
				covs[a.span][h]++
			}
			dfs(j, left-a.hours)
			for h := a.start; h < a.start+a.hours; h++ {
				covs[a.span][h]--
			}
		}
	}
	dfs(0, budget)
	return best
}

func TestPlanSpansBudget(t *testing.T) {
	t.Parallel()
	// Two days of 6 hours needing one staffer; shifts of 3–6 hours; 6 hours
	// of budget. Day two's hours are worth twice day one's: all 6 go there.
	ds := []Demand{
		{Req: []int{1, 1, 1, 1, 1, 1}, Weight: []float64{1, 1, 1, 1, 1, 1}},
		{Req: []int{1, 1, 1, 1, 1, 1}, Weight: []float64{2, 2, 2, 2, 2, 2}},
	}
	got := planSpans(t, ds, Rules{3, 6}, 6)
	if got[0].Paid != 0 || got[1].Paid != 6 {
		t.Fatalf("paid %d and %d, want 0 and 6", got[0].Paid, got[1].Paid)
	}
	if got[0].Short[2] != 1 || got[1].Short[2] != 0 {
		t.Fatalf("short %v %v", got[0].Short, got[1].Short)
	}
	// A budget that covers everything gives the exact minimal cover.
	if got := planSpans(t, ds, Rules{3, 6}, 100); got[0].Paid+got[1].Paid != 12 {
		t.Fatalf("full budget paid %d, want 12", got[0].Paid+got[1].Paid)
	}
}

// checkPlan fails unless c is a valid plan for a span requiring req under
// r: every shift inside the span and of an allowed length, and Scheduled,
// Short and Paid what the shifts give.
func checkPlan(t *testing.T, req []int, r Rules, c Cover) {
	t.Helper()
	sched := make([]int, len(req))
	paid := 0
	for _, s := range c.Shifts {
		if s.Hours < r.MinHours || s.Hours > r.MaxHours || s.Start < 0 || s.Start+s.Hours > len(req) || s.Headcount < 1 {
			t.Fatalf("req %v: shift %+v breaks rules %+v", req, s, r)
		}
		for h := s.Start; h < s.Start+s.Hours; h++ {
			sched[h] += s.Headcount
		}
		paid += s.Hours * s.Headcount
	}
	if paid != c.Paid {
		t.Fatalf("paid %d, shifts give %d", c.Paid, paid)
	}
	for h := range sched {
		if sched[h] != c.Scheduled[h] || c.Short[h] != max(req[h]-sched[h], 0) {
			t.Fatalf("hour %d: scheduled %d short %d, shifts give %d", h, c.Scheduled[h], c.Short[h], sched[h])
		}
	}
}

// On small random weeks the budgeted plan is valid, within budget, and
// reaches the exhaustive optimum, under rules where shifts join end to end
// into any length (max ≥ 2·min − 1) and rules where they do not.
func TestPlanSpansBudgetAgainstBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(12, 2))
	rules := []Rules{{1, 1}, {1, 2}, {2, 2}, {2, 3}, {2, 5}, {3, 3}, {3, 4}, {3, 5}}
	n := 600
	for i := 0; i < n; i++ {
		r := rules[i%len(rules)]
		ds := make([]Demand, 1+rng.IntN(2))
		full := 0
		for k := range ds {
			m := 2 + rng.IntN(5)
			ds[k] = Demand{Req: make([]int, m), Weight: make([]float64, m)}
			for h := range m {
				ds[k].Req[h] = rng.IntN(3)
				ds[k].Weight[h] = float64(1 + rng.IntN(9))
			}
			full += CoverSpan(ds[k].Req, r).Paid
		}
		budget := rng.IntN(min(full, 12) + 1)
		got := planSpans(t, ds, r, budget)
		paid, val := 0, 0.0
		for k, c := range got {
			checkPlan(t, ds[k].Req, r, c)
			paid += c.Paid
			val += ds[k].value(c)
		}
		if paid > budget {
			t.Fatalf("instance %d: paid %d over budget %d", i, paid, budget)
		}
		if want := bruteBudget(ds, r, budget); math.Abs(val-want) > 1e-9 {
			t.Fatalf("instance %d (%+v, rules %+v, budget %d): value %v, exhaustive optimum %v", i, ds, r, budget, val, want)
		}
	}
}

// The staff cap of the dynamic program never binds: on random store-sized
// spans, a cap four higher finds no better value at any paid-hour total, and
// the plan read out at each total reaches the value the curve claims.
func TestSpanCurveCap(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 8))
	rules := []Rules{{4, 8}, {3, 4}, {2, 3}, {4, 5}, {1, 3}}
	for i := range 120 {
		r := rules[i%len(rules)]
		m := 6 + rng.IntN(11)
		d := Demand{Req: make([]int, m), Weight: make([]float64, m)}
		for h := range m {
			d.Req[h] = rng.IntN(4)
			d.Weight[h] = 1 + rng.Float64()*10
		}
		fullCover := CoverSpan(d.Req, r)
		full := fullCover.Paid
		c, _ := staffCap(d.Req, r)
		base, err := spanCurve(context.Background(), d, r, full, c)
		if err != nil {
			t.Fatal(err)
		}
		wide, err := spanCurve(context.Background(), d, r, full, c+4)
		if err != nil {
			t.Fatal(err)
		}
		for p := 0; p <= full; p++ {
			if wide.best[p] > base.best[p]+1e-9 {
				t.Fatalf("spans %v rules %+v: at %d paid hours cap %d gives %v, cap %d gives %v", d.Req, r, p, c, base.best[p], c+4, wide.best[p])
			}
			cov := base.cover(p, d.Req)
			checkPlan(t, d.Req, r, cov)
			if cov.Paid > p || math.Abs(d.value(cov)-base.best[p]) > 1e-9 {
				t.Fatalf("spans %v rules %+v: at %d paid hours the plan pays %d for %v, the curve says %v", d.Req, r, p, cov.Paid, d.value(cov), base.best[p])
			}
		}
		// Where a full cover exists, the program covers everything at its paid hours too.
		if want := d.value(Cover{Scheduled: d.Req}); sum(fullCover.Short) == 0 && math.Abs(base.best[full]-want) > 1e-9 {
			t.Fatalf("spans %v rules %+v: %v at the full cover's %d hours, want %v", d.Req, r, base.best[full], full, want)
		}
	}
}

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// A span too large for the exact program (here 20 staff at once) still
// gets a valid plan within budget, from the price sweep.
func TestPlanSpansBudgetFallback(t *testing.T) {
	t.Parallel()
	r := Rules{4, 8}
	ds := []Demand{{Req: make([]int, 16), Weight: make([]float64, 16)}, {Req: []int{1, 1, 1, 1, 1, 1}, Weight: []float64{1, 1, 1, 1, 1, 1}}}
	for h := range ds[0].Req {
		ds[0].Req[h], ds[0].Weight[h] = 20, float64(1+h%5)
	}
	if _, ok := staffCap(ds[0].Req, r); ok {
		t.Fatal("20 staff should be past the exact program's cap")
	}
	if _, ok := staffCap(ds[1].Req, r); !ok {
		t.Fatal("1 staffer should be within the exact program's cap")
	}
	budget := 150
	got := planSpans(t, ds, r, budget)
	paid := 0
	for k, c := range got {
		checkPlan(t, ds[k].Req, r, c)
		paid += c.Paid
	}
	if paid > budget || paid < budget-r.MaxHours {
		t.Fatalf("paid %d of a budget of %d", paid, budget)
	}
	// Against an upper bound that ignores shift lengths altogether (the
	// budget's worth of the most valuable staff-hours), the approximation
	// keeps most of the value.
	var units []float64
	for _, d := range ds {
		for h, x := range d.Req {
			for range x {
				units = append(units, d.Weight[h])
			}
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(units)))
	bound := 0.0
	for _, w := range units[:budget] {
		bound += w
	}
	val := ds[0].value(got[0]) + ds[1].value(got[1])
	t.Logf("fallback plan: value %.0f of an upper bound of %.0f", val, bound)
	if val < 0.75*bound {
		t.Fatalf("value %v, under 3/4 of the upper bound %v", val, bound)
	}
}
