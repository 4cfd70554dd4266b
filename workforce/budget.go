package workforce

import "math"

// Demand is one opening span's hourly requirement and the value of covering
// each required staffer in each hour (the expected loss a staffer there
// prevents); Weight nil values every staff-hour at 1.
type Demand struct {
	Req    []int
	Weight []float64
}

// value is the risk-weighted covered demand of c: Σ w_h · min(scheduled_h, req_h).
func (d Demand) value(c Cover) float64 {
	v := 0.0
	for h, r := range d.Req {
		v += d.weight(h) * float64(min(c.Scheduled[h], r))
	}
	return v
}

func (d Demand) weight(h int) float64 {
	if d.Weight == nil {
		return 1
	}
	return d.Weight[h]
}

// PlanSpans staffs every span. With budget < 0, or when the fewest paid
// hours that cover everything fit the budget, each span gets its exact
// minimal cover (CoverSpan). Otherwise it maximises risk-weighted covered
// demand within budget paid hours: for a sweep of prices λ on a covered
// weighted staff-hour, each span's min-cost flow of paid hours − λ·covered
// value is solved exactly (each is a point of the span's lower convex hull
// of paid hours against value), and one candidate per span is chosen by a
// multiple-choice knapsack over the integer budget; hours left short are in
// each Cover's Short. The choice is optimal among the hull points; between
// two of them an integer optimum may lie that the sweep does not produce.
func PlanSpans(ds []Demand, r Rules, budget int) []Cover {
	out := make([]Cover, len(ds))
	total := 0
	for i, d := range ds {
		out[i] = CoverSpan(d.Req, r)
		total += out[i].Paid
	}
	if budget < 0 || total <= budget {
		return out
	}
	wmax := 0.0
	for _, d := range ds {
		for h := range d.Req {
			wmax = math.Max(wmax, d.weight(h))
		}
	}
	if wmax == 0 {
		wmax = 1
	}
	cands := make([][]Cover, len(ds))
	for i, d := range ds {
		cands[i] = spanCandidates(d, r, wmax, out[i])
	}
	out = knapsack(ds, cands, budget)
	fill(ds, out, r, budget)
	// Greedy from nothing can beat the hull where the budget is small
	// against a shift's length; keep the better of the two.
	greedy := make([]Cover, len(ds))
	for i, d := range ds {
		greedy[i] = Cover{Scheduled: make([]int, len(d.Req)), Short: append([]int(nil), d.Req...)}
	}
	fill(ds, greedy, r, budget)
	if totalValue(ds, greedy) > totalValue(ds, out) {
		return greedy
	}
	return out
}

func totalValue(ds []Demand, cs []Cover) float64 {
	v := 0.0
	for i, d := range ds {
		v += d.value(cs[i])
	}
	return v
}

// fill spends budget left after the knapsack: it adds, one at a time, the
// shift that adds the most value per paid hour and still fits, while one adds
// any.
func fill(ds []Demand, cs []Cover, r Rules, budget int) {
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

// sweepSteps prices a covered staff-hour of the heaviest weight from 1/16 to
// 256 paid hours in steps of 2^(1/4).
const sweepSteps = 49

// spanCandidates returns the distinct covers the price sweep yields, the
// empty cover and the full one, each at most one per paid-hour total (the
// most valuable).
func spanCandidates(d Demand, r Rules, wmax float64, full Cover) []Cover {
	const scale = 1000 // paid hour cost in the flow, so prices round finely
	n := len(d.Req)
	empty := Cover{Scheduled: make([]int, n), Short: append([]int(nil), d.Req...)}
	byPaid := map[int]Cover{0: empty, full.Paid: full}
	pen := make([]int64, n)
	for k := 0; k < sweepSteps; k++ {
		lambda := math.Exp2(float64(k)/4-4) / wmax
		for h := range pen {
			pen[h] = int64(math.Round(lambda * d.weight(h) * scale))
		}
		c := solveSpan(d.Req, pen, scale, r)
		if old, ok := byPaid[c.Paid]; !ok || d.value(c) > d.value(old) {
			byPaid[c.Paid] = c
		}
	}
	out := make([]Cover, 0, len(byPaid))
	for _, c := range byPaid {
		out = append(out, c)
	}
	return out
}

// knapsack picks one candidate per span maximising total value with total
// paid hours ≤ budget (dynamic programming over the integer budget).
func knapsack(ds []Demand, cands [][]Cover, budget int) []Cover {
	neg := math.Inf(-1)
	best := make([]float64, budget+1)
	pick := make([][]int, len(ds)) // pick[i][b]: candidate of span i at budget b
	for i := range ds {
		vals := make([]float64, len(cands[i]))
		for j, c := range cands[i] {
			vals[j] = ds[i].value(c)
		}
		next := make([]float64, budget+1)
		pick[i] = make([]int, budget+1)
		for b := range next {
			next[b], pick[i][b] = neg, -1
			for j, c := range cands[i] {
				if c.Paid <= b && best[b-c.Paid] != neg {
					if v := best[b-c.Paid] + vals[j]; v > next[b] {
						next[b], pick[i][b] = v, j
					}
				}
			}
		}
		best = next
	}
	out := make([]Cover, len(ds))
	b := budget
	for i := len(ds) - 1; i >= 0; i-- {
		j := pick[i][b]
		out[i] = cands[i][j]
		b -= out[i].Paid
	}
	return out
}
