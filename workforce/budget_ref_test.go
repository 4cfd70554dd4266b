package workforce

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The knapsack and fill were made fast without changing what they choose.
// Here each is held to the plain version it replaced, kept below as the
// reference: the knapsack trying every paid total of every span against
// every budget, and fill adding one shift a pass.

func refKnapsack(ds []Demand, curves []*curve, full []Cover, budget int) []int {
	const eps = 1e-9
	neg := math.Inf(-1)
	best := make([]float64, budget+1)
	pick := make([][]int32, len(ds))
	for i := range ds {
		vals := curves[i].best
		if len(vals) > full[i].Paid {
			vals = append([]float64(nil), vals...)
			vals[full[i].Paid] = math.Max(vals[full[i].Paid], ds[i].value(full[i]))
		}
		next := make([]float64, budget+1)
		pick[i] = make([]int32, budget+1)
		for b := range next {
			next[b], pick[i][b] = neg, -1
			for p := 0; p < len(vals) && p <= b; p++ {
				if best[b-p] == neg || vals[p] == neg {
					continue
				}
				if v := best[b-p] + vals[p]; v > next[b]+eps*math.Max(1, math.Abs(v)) {
					next[b], pick[i][b] = v, int32(p)
				}
			}
		}
		best = next
	}
	out := make([]int, len(ds))
	b := budget
	for i := len(ds) - 1; i >= 0; i-- {
		out[i] = int(pick[i][b])
		b -= out[i]
	}
	return out
}

func refFill(ds []Demand, cs []Cover, r Rules, budget int) {
	left := budget
	for _, c := range cs {
		left -= c.Paid
	}
	for {
		bi, bs, bl, bv := -1, 0, 0, 0.0
		for i, d := range ds {
			for s := range d.Req {
				for l := r.MinHours; l <= r.MaxHours && s+l <= len(d.Req) && l <= left; l++ {
					gain := 0.0
					for h := s; h < s+l; h++ {
						if cs[i].Scheduled[h] < d.Req[h] {
							gain += d.weight(h)
						}
					}
					if gain/float64(l) > bv {
						bi, bs, bl, bv = i, s, l, gain/float64(l)
					}
				}
			}
		}
		if bi < 0 {
			return
		}
		c := &cs[bi]
		c.Scheduled = append([]int(nil), c.Scheduled...)
		c.Short = append([]int(nil), c.Short...)
		c.Shifts = append(append([]Shift(nil), c.Shifts...), Shift{Start: bs, Hours: bl, Headcount: 1})
		c.Paid += bl
		left -= bl
		for h := bs; h < bs+bl; h++ {
			c.Scheduled[h]++
			c.Short[h] = max(ds[bi].Req[h]-c.Scheduled[h], 0)
		}
	}
}

// randomWeek is 1–4 spans of 3–24 hours needing up to top staff, weighted
// 1–10 (or all 1 with uniform).
func randomWeek(rng *rand.Rand, top int, uniform bool) []Demand {
	ds := make([]Demand, 1+rng.IntN(4))
	for k := range ds {
		m := 3 + rng.IntN(22)
		ds[k] = Demand{Req: make([]int, m)}
		if !uniform {
			ds[k].Weight = make([]float64, m)
		}
		for h := range m {
			ds[k].Req[h] = rng.IntN(top + 1)
			if !uniform {
				ds[k].Weight[h] = float64(1 + rng.IntN(10))
			}
		}
	}
	return ds
}

var refRules = []Rules{{1, 1}, {1, 24}, {2, 3}, {3, 5}, {4, 8}, {3, 4}, {6, 6}}

// On random weeks, exact curves and price-sweep curves alike, the knapsack
// picks the paid hours the plain one picks.
func TestKnapsackAsThePlainOne(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 1))
	ctx := context.Background()
	for i := range 150 {
		r := refRules[i%len(refRules)]
		ds := randomWeek(rng, []int{3, 30}[i%2], i%3 == 0)
		full, total := make([]Cover, len(ds)), 0
		for k, d := range ds {
			full[k] = CoverSpan(d.Req, r)
			total += full[k].Paid
		}
		budget := rng.IntN(total + 2)
		curves := make([]*curve, len(ds))
		for k, d := range ds {
			maxPaid := min(budget, full[k].Paid)
			var err error
			if staff, ok := staffCap(d.Req, r); ok && exactWork(len(d.Req), staff, r, maxPaid) <= maxExactWork {
				curves[k], err = spanCurve(ctx, d, r, maxPaid, staff)
			} else {
				curves[k], err = hullCurve(ctx, ds, k, r, maxPaid, full[k])
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := knapsack(ctx, ds, curves, full, budget)
		if err != nil {
			t.Fatal(err)
		}
		if want := refKnapsack(ds, curves, full, budget); !slices.Equal(got, want) {
			t.Fatalf("week %d (rules %+v, budget %d): paid %v, the plain knapsack %v", i, r, budget, got, want)
		}
	}
}

// On random weeks and budgets, fill adding copies at once leaves every
// hour with the staff, and the plan with the paid hours and the shifts,
// that adding one shift a pass gives.
func TestFillAsThePlainOne(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 400 {
		r := refRules[i%len(refRules)]
		ds := randomWeek(rng, []int{2, 40}[i%2], i%3 == 0)
		start := make([]Cover, len(ds))
		total := 0
		for k, d := range ds {
			// Start from a partial plan: the full cover of every other span.
			start[k] = Cover{Scheduled: make([]int, len(d.Req)), Short: append([]int(nil), d.Req...)}
			if k%2 == 1 {
				start[k] = CoverSpan(d.Req, r)
			}
			total += CoverSpan(d.Req, r).Paid
		}
		budget := paidOf(start) + rng.IntN(total+10)
		got, want := slices.Clone(start), slices.Clone(start)
		if err := fill(context.Background(), ds, got, r, budget); err != nil {
			t.Fatal(err)
		}
		refFill(ds, want, r, budget)
		for k := range ds {
			g, w := got[k], want[k]
			if g.Paid != w.Paid || !slices.Equal(g.Scheduled, w.Scheduled) || !slices.Equal(g.Short, w.Short) || !slices.Equal(headcounts(g), headcounts(w)) {
				t.Fatalf("week %d span %d (rules %+v, budget %d): fill gives paid %d %v, one a pass paid %d %v",
					i, k, r, budget, g.Paid, g.Shifts, w.Paid, w.Shifts)
			}
			checkPlan(t, ds[k].Req, r, g)
		}
	}
}

func paidOf(cs []Cover) int {
	n := 0
	for _, c := range cs {
		n += c.Paid
	}
	return n
}

// headcounts lists each (start, hours) shift's total headcount, sorted.
func headcounts(c Cover) [][3]int {
	m := map[[2]int]int{}
	for _, s := range c.Shifts {
		m[[2]int{s.Start, s.Hours}] += s.Headcount
	}
	var out [][3]int
	for k, n := range m {
		out = append(out, [3]int{k[0], k[1], n})
	}
	slices.SortFunc(out, func(a, b [3]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	return out
}
