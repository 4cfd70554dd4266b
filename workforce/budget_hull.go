package workforce

import (
	"context"
	"math"
)

// hullCurve is the fallback for a span too large for spanCurve: for a sweep
// of prices λ on a covered weighted staff-hour, the span's min-cost flow of
// paid hours − λ·covered value is solved exactly (each is a point of the
// span's lower convex hull of paid hours against value); best[p] is the most
// valuable of those plans paying at most p. Between two hull points an
// integer optimum may lie that the sweep does not produce; fill then spends
// what the knapsack leaves. It checks ctx before each priced flow.
func hullCurve(ctx context.Context, ds []Demand, i int, r Rules, maxPaid int, full Cover) (*curve, error) {
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
	cands, err := spanCandidates(ctx, d, r, wmax, full)
	if err != nil {
		return nil, err
	}
	c := &curve{n: len(d.Req), rules: r, hull: cands}
	c.best, c.state, c.paid = make([]float64, maxPaid+1), make([]int32, maxPaid+1), make([]int, maxPaid+1)
	// best[p] is the most valuable candidate paying at most p: each
	// candidate raises best from its own paid total up, the first of equals
	// kept as before. Values are computed once, not once per total.
	vals := make([]float64, len(cands))
	for j, cand := range cands {
		vals[j] = d.value(cand)
	}
	for p := range c.best {
		c.best[p], c.state[p] = math.Inf(-1), -1
	}
	for j, cand := range cands {
		if cand.Paid <= maxPaid && vals[j] > c.best[cand.Paid] {
			c.best[cand.Paid], c.state[cand.Paid], c.paid[cand.Paid] = vals[j], int32(j), cand.Paid
		}
	}
	for p := 1; p <= maxPaid; p++ {
		if c.best[p-1] > c.best[p] || c.best[p-1] == c.best[p] && c.state[p-1] >= 0 && c.state[p-1] < c.state[p] {
			c.best[p], c.state[p], c.paid[p] = c.best[p-1], c.state[p-1], c.paid[p-1]
		}
	}
	return c, nil
}

// fill spends budget left after the knapsack: it adds the shift that adds
// the most value per paid hour and still fits, while one adds any.
//
// A shift's gain counts only the hours it covers that are still short, and
// that set changes only when one of them gets its last required staffer, so
// the best shift of one pass stays the best (and first among equals) until
// then or until the budget left no longer pays for it: each pass adds that
// many copies at once. A pass thus ends with an hour covered or the budget
// below the shift's length, so there are at most (hours + longest shift)
// passes, each trying every shift once, where adding one shift a pass took
// a pass per paid hour of the budget.
func fill(ctx context.Context, ds []Demand, cs []Cover, r Rules, budget int) error {
	left := budget
	for _, c := range cs {
		left -= c.Paid
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		bi, bs, bl, bv := -1, 0, 0, 0.0
		for i, d := range ds {
			for s := range d.Req {
				// The gain of [s, s+l) is summed hour by hour from s, as l
				// grows, in the order it always was.
				gain := 0.0
				for l := 1; l <= r.MaxHours && s+l <= len(d.Req) && l <= left; l++ {
					if h := s + l - 1; cs[i].Scheduled[h] < d.Req[h] {
						gain += d.weight(h)
					}
					if l >= r.MinHours && gain/float64(l) > bv {
						bi, bs, bl, bv = i, s, l, gain/float64(l)
					}
				}
			}
		}
		if bi < 0 {
			return nil
		}
		c, req := &cs[bi], ds[bi].Req
		k := left / bl
		for h := bs; h < bs+bl; h++ {
			if c.Scheduled[h] < req[h] {
				k = min(k, req[h]-c.Scheduled[h])
			}
		}
		c.Scheduled = append([]int(nil), c.Scheduled...)
		c.Short = append([]int(nil), c.Short...)
		c.Shifts = append(append([]Shift(nil), c.Shifts...), Shift{Start: bs, Hours: bl, Headcount: k})
		c.Paid += k * bl
		left -= k * bl
		for h := bs; h < bs+bl; h++ {
			c.Scheduled[h] += k
			c.Short[h] = max(req[h]-c.Scheduled[h], 0)
		}
	}
}

// sweepSteps prices a covered staff-hour of the heaviest weight from 1/16 to
// 256 paid hours in steps of 2^(1/4).
const sweepSteps = 49

// spanCandidates returns the distinct covers the price sweep yields, the
// empty cover and the full one, each at most one per paid-hour total (the
// most valuable).
func spanCandidates(ctx context.Context, d Demand, r Rules, wmax float64, full Cover) ([]Cover, error) {
	const scale = 1000 // paid hour cost in the flow, so prices round finely
	n := len(d.Req)
	empty := Cover{Scheduled: make([]int, n), Short: append([]int(nil), d.Req...)}
	byPaid := map[int]Cover{0: empty, full.Paid: full}
	pen := make([]int64, n)
	for k := 0; k < sweepSteps; k++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
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
	return out, nil
}
