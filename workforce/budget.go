package workforce

import (
	"context"
	"math"
)

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
// demand, Σ w_h · min(scheduled_h, req_h), within budget paid hours: each
// span's best value at every paid-hour total is computed exactly by dynamic
// programming over its hours (spanCurve), and one total per span is chosen
// by a knapsack over the integer budget, so the plan is optimal (its one
// assumption, staffCap, is tested not to bind); hours left short are in
// each Cover's Short. A span whose state space would be too
// large for that (more than 15 staff at once, or long minimum shifts with
// many staff: see exactWork), or that comes after the spans before it have
// spent maxExactTotal, gets the price-sweep approximation instead
// (hullCurve), and the plan is then not proved optimal.
//
// ctx is checked between steps of every loop whose length the input sets
// (each hour of the program, each priced flow, each span and each stretch of
// the knapsack, each pass of fill), so a caller that gives up stops it
// within milliseconds; the error is then ctx.Err().
func PlanSpans(ctx context.Context, ds []Demand, r Rules, budget int) ([]Cover, error) {
	out := make([]Cover, len(ds))
	total := 0
	for i, d := range ds {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i] = CoverSpan(d.Req, r)
		total += out[i].Paid
	}
	if budget < 0 || total <= budget {
		return out, nil
	}
	curves := make([]*curve, len(ds))
	approx, work := false, 0.0
	for i, d := range ds {
		maxPaid := min(budget, out[i].Paid)
		staff, ok := staffCap(d.Req, r)
		w := exactWork(len(d.Req), staff, r, maxPaid)
		var err error
		if ok && w <= maxExactWork && work+w <= maxExactTotal {
			work += w
			curves[i], err = spanCurve(ctx, d, r, maxPaid, staff)
		} else {
			approx = true
			curves[i], err = hullCurve(ctx, ds, i, r, maxPaid, out[i])
		}
		if err != nil {
			return nil, err
		}
	}
	paid, err := knapsack(ctx, ds, curves, out, budget)
	if err != nil {
		return nil, err
	}
	for i, d := range ds {
		if paid[i] < out[i].Paid || d.value(out[i]) < curves[i].best[paid[i]] {
			out[i] = curves[i].cover(paid[i], d.Req)
		}
		curves[i] = nil // a span's program may hold megabytes: let it go
	}
	if approx {
		if err := fill(ctx, ds, out, r, budget); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// staffCap bounds the staff on the floor the dynamic program considers:
// the span's largest requirement, doubled where shifts cannot be joined
// end to end into any length (max < 2·min − 1), so that a long stretch may
// be covered by overlapping shifts. TestSpanCurveCap shows a larger cap
// finds nothing better on random spans. ok is false past maxStaffCap.
func staffCap(req []int, r Rules) (int, bool) {
	top := 0
	for _, x := range req {
		top = max(top, x)
	}
	if !r.joinable() {
		top *= 2
	}
	return top, top <= maxStaffCap
}

// maxStaffCap keeps a state's slot counts in 4 bits.
const maxStaffCap = 15

// maxExactWork bounds exactWork for one span: some 30 ms (1.8e7 took 17 ms).
const maxExactWork = 3e7

// maxExactTotal bounds exactWork summed over one call's spans, so a month of
// days each just inside maxExactWork cannot take a second and, with each
// program's back pointers held until the plan is read out (some 2 bytes a
// step at worst), hundreds of megabytes: spans past it get the price sweep.
const maxExactTotal = 1e8

// exactWork bounds the inner steps of spanCurve: hours × states × moves per
// state × paid totals, where the states are the ways to put at most staff
// shifts into K slots, C(staff+K, K), and a move ends some shifts or starts
// some (or, where shifts cannot be joined, both).
func exactWork(hours, staff int, r Rules, maxPaid int) float64 {
	states := stateCount(staff, r.slots())
	if states >= 1<<16 { // a state's index must fit the back pointer
		return math.Inf(1)
	}
	moves := float64(staff + 1) // a boundary starts or ends shifts
	if !r.joinable() {
		moves *= float64(staff + 1) // it may do both
	}
	return float64(hours) * states * moves * float64(maxPaid+1)
}

// joinable says whether shifts of allowed lengths joined end to end make
// any length from MinHours up (max ≥ 2·min − 1): the dynamic program may
// then plan shifts of any length and split them when read out.
func (r Rules) joinable() bool { return r.MaxHours >= 2*r.MinHours-1 }

// slots is K, the hours-worked slots of the dynamic program's state.
func (r Rules) slots() int {
	if r.joinable() {
		return r.MinHours
	}
	return r.MaxHours
}

// stateCount is C(staff+k, k), the ways to put at most staff shifts into k
// slots.
func stateCount(staff, k int) float64 {
	n := 1.0
	for i := 1; i <= k; i++ {
		n = n * float64(staff+i) / float64(i)
	}
	return n
}

// knapsack chooses each span's paid hours, at most budget in all,
// maximising the sum of the spans' best values (dynamic programming over
// the integer budget). At its full cover's paid hours a span's value is the
// full cover's.
//
// Both the running best and each span's curve are non-decreasing in paid
// hours ("the most value with at most p"), so a curve is a step function and
// best[b − p] + vals[p] over the p of one step is largest at the step's
// first p: only the steps need trying. A span then costs its steps times
// the budget reached so far (the running best is flat past the sum of the
// spans' caps), not the budget squared: a month of large days under a
// budget of 100,000 hours took minutes the other way.
func knapsack(ctx context.Context, ds []Demand, curves []*curve, full []Cover, budget int) ([]int, error) {
	const eps = 1e-9
	best := []float64{0} // best[b]: the most value of spans 0..i-1 in at most b paid hours; flat past its end
	at := func(xs []float64, b int) float64 { return xs[min(b, len(xs)-1)] }
	pick := make([][]int32, len(ds)) // pick[i][b]: paid hours of span i with b left for spans 0..i
	for i := range ds {
		vals := curves[i].best
		if len(vals) > full[i].Paid {
			vals = append([]float64(nil), vals...)
			vals[full[i].Paid] = math.Max(vals[full[i].Paid], ds[i].value(full[i]))
		}
		var steps []int // the paid totals where vals rises
		for p, v := range vals {
			if p == 0 || v > vals[p-1] {
				steps = append(steps, p)
			}
		}
		top := min(budget, len(best)-1+len(vals)-1)
		next := make([]float64, top+1)
		pick[i] = make([]int32, top+1)
		for b := range next {
			if b%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			next[b], pick[i][b] = math.Inf(-1), -1
			for _, p := range steps {
				if p > b {
					break
				}
				// Ties go to fewer paid hours: p rises, so only a gain beyond
				// rounding moves the pick.
				if v := at(best, b-p) + vals[p]; v > next[b]+eps*math.Max(1, math.Abs(v)) {
					next[b], pick[i][b] = v, int32(p)
				}
			}
		}
		best = next
	}
	out := make([]int, len(ds))
	b := budget
	for i := len(ds) - 1; i >= 0; i-- {
		out[i] = int(pick[i][min(b, len(pick[i])-1)])
		b -= out[i]
	}
	return out, nil
}
