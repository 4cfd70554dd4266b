package workforce

import "math"

// hullCurve is the fallback for a span too large for spanCurve: for a sweep
// of prices λ on a covered weighted staff-hour, the span's min-cost flow of
// paid hours − λ·covered value is solved exactly (each is a point of the
// span's lower convex hull of paid hours against value); best[p] is the most
// valuable of those plans paying at most p. Between two hull points an
// integer optimum may lie that the sweep does not produce; fill then spends
// what the knapsack leaves.
func hullCurve(ds []Demand, i int, r Rules, maxPaid int, full Cover) *curve {
	wmax := 0.0
	for _, d := range ds {
		for h := range d.Req {
			wmax = math.Max(wmax, d.weight(h))
		}
	}
	if wmax == 0 {
		wmax = 1
	}
	d := ds[i]
	c := &curve{n: len(d.Req), rules: r, hull: spanCandidates(d, r, wmax, full)}
	c.best, c.state, c.paid = make([]float64, maxPaid+1), make([]int32, maxPaid+1), make([]int, maxPaid+1)
	for p := range c.best {
		c.best[p], c.state[p] = math.Inf(-1), -1
		for j, cand := range c.hull {
			if v := d.value(cand); cand.Paid <= p && v > c.best[p] {
				c.best[p], c.state[p], c.paid[p] = v, int32(j), cand.Paid
			}
		}
	}
	return c
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
