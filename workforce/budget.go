package workforce

import (
	"math"
	"sort"
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
// many staff: see exactWork) gets the price-sweep approximation instead
// (hullCurve), and the plan is then not proved optimal.
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
	curves := make([]*curve, len(ds))
	approx := false
	for i, d := range ds {
		maxPaid := min(budget, out[i].Paid)
		if staff, ok := staffCap(d.Req, r); ok && exactWork(len(d.Req), staff, r, maxPaid) <= maxExactWork {
			curves[i] = spanCurve(d, r, maxPaid, staff)
		} else {
			curves[i], approx = hullCurve(ds, i, r, maxPaid, out[i]), true
		}
	}
	paid := knapsack(ds, curves, out, budget)
	for i, d := range ds {
		if paid[i] < out[i].Paid || d.value(out[i]) < curves[i].best[paid[i]] {
			out[i] = curves[i].cover(paid[i], d.Req)
		}
	}
	if approx {
		fill(ds, out, r, budget)
	}
	return out
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
func knapsack(ds []Demand, curves []*curve, full []Cover, budget int) []int {
	const eps = 1e-9
	neg := math.Inf(-1)
	best := make([]float64, budget+1)
	pick := make([][]int32, len(ds)) // pick[i][b]: paid hours of span i with b left for spans 0..i
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
				// Ties go to fewer paid hours: p rises, so only a gain beyond
				// rounding moves the pick.
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

// A span's plans are built hour boundary by hour boundary. A state is the
// staff on the floor grouped by hours worked so far: slot j (1 ≤ j ≤ K)
// counts shifts that have worked j hours. With max ≥ 2·min − 1 any length
// ≥ min splits into allowed lengths, so a shift may run on as long as it
// likes (split when the plan is read out) and K = min, slot K meaning "min
// or more"; then ending one shift and starting another at the same boundary
// is never needed (joining them is as good), so a boundary either ends or
// starts shifts. Otherwise K = max: slot K must end at the next boundary,
// and ends and starts may meet. Of shifts that may end, the longest-worked
// end first: a shorter-worked one left on the floor can do all it could.
// For each state the program keeps the best covered value at every
// paid-hour total up to the span's cap (paid hours are the sum over hours
// of the staff on the floor, so each hour adds the state's headcount).
// Nothing is approximated; the only bound is staffCap.

// stateKey packs slot counts 1..K, 4 bits each (K ≤ 24).
type stateKey [2]uint64

func (k stateKey) get(j int) int { return int(k[j/16]>>(uint(j%16)*4)) & 15 }

func (k *stateKey) set(j, v int) {
	k[j/16] = k[j/16]&^(15<<(uint(j%16)*4)) | uint64(v)<<(uint(j%16)*4)
}

// layer holds, for each state reached after an hour, the best covered
// value at each paid-hour total (−Inf where none) and how it was reached,
// in rows of width totals laid end to end.
type layer struct {
	keys   []stateKey
	idx    map[stateKey]int32
	val    []float64
	back   []uint32 // previous layer's state << 16 | shifts ended << 8 | shifts started
	lo, hi []int    // the lowest and highest paid totals each state reaches
	width  int
	neg    []float64 // a row of −Inf
	zero   []uint32
}

// newLayer makes room for about states states at once.
func newLayer(width, states int) *layer {
	return &layer{idx: make(map[stateKey]int32, states), width: width,
		val: make([]float64, 0, states*width), back: make([]uint32, 0, states*width)}
}

// state returns the index of key, adding it with no paid total reached.
func (l *layer) state(key stateKey) int32 {
	if i, ok := l.idx[key]; ok {
		return i
	}
	i := int32(len(l.keys))
	l.idx[key] = i
	l.keys = append(l.keys, key)
	if len(l.neg) != l.width {
		l.zero = make([]uint32, l.width)
		l.neg = make([]float64, l.width)
		for p := range l.neg {
			l.neg[p] = math.Inf(-1)
		}
	}
	l.val = append(l.val, l.neg...)
	l.back = append(l.back, l.zero...)
	l.lo, l.hi = append(l.lo, l.width), append(l.hi, -1)
	return i
}

func (l *layer) row(i int) ([]float64, []uint32) {
	return l.val[i*l.width : (i+1)*l.width], l.back[i*l.width : (i+1)*l.width]
}

func (k stateKey) total(slots int) int {
	t := 0
	for j := 1; j <= slots; j++ {
		t += k.get(j)
	}
	return t
}

// curve is a span's best covered value at each paid-hour total.
type curve struct {
	best   []float64 // best[p]: the most value with at most p paid hours
	state  []int32   // the final state and exact paid total behind best[p]
	paid   []int
	layers []*layer
	hull   []Cover // set for a hullCurve: the plan behind best[p] is hull[state[p]]
	n      int
	rules  Rules
	k      int
	free   bool
}

// spanCurve computes a span's curve for paid-hour totals 0..maxPaid with at
// most staff on the floor at once.
func spanCurve(d Demand, r Rules, maxPaid, staff int) *curve {
	n := len(d.Req)
	c := &curve{n: n, rules: r, free: r.joinable(), k: r.slots()}
	a, k, width := r.MinHours, c.k, maxPaid+1
	// Room for every state, up to 1024.
	room := int(min(stateCount(staff, k), 1024))
	cur := newLayer(width, 1)
	cur.state(stateKey{})
	cur.val[0], cur.lo[0], cur.hi[0] = 0, 0, 0
	c.layers = append(c.layers, cur)
	for h := 0; h < n; h++ {
		next := newLayer(width, room)
		for si, key := range cur.keys {
			row, _ := cur.row(si)
			lo, hi := cur.lo[si], cur.hi[si]
			total, eligible := 0, 0
			for j := 1; j <= k; j++ {
				total += key.get(j)
				if j >= a {
					eligible += key.get(j)
				}
			}
			forced := 0
			if !c.free {
				forced = key.get(k)
			}
			for e := forced; e <= eligible; e++ {
				for u := 0; total-e+u <= staff; u++ {
					if c.free && e > 0 && u > 0 {
						break
					}
					if u > 0 && h+a > n { // a shift started here could not reach min
						break
					}
					on := total - e + u
					if lo+on >= width {
						break
					}
					nk, ok := advance(key, e, u, k, a, c.free, n-h-1)
					if !ok {
						continue
					}
					ti := next.state(nk)
					to, back := next.row(int(ti))
					gain := d.weight(h) * float64(min(on, d.Req[h]))
					tag := uint32(si)<<16 | uint32(e)<<8 | uint32(u)
					top := min(hi, width-1-on)
					for p := lo; p <= top; p++ {
						if v := row[p] + gain; v > to[p+on] {
							to[p+on], back[p+on] = v, tag
						}
					}
					next.lo[ti], next.hi[ti] = min(next.lo[ti], lo+on), max(next.hi[ti], top+on)
				}
			}
		}
		cur = next
		c.layers = append(c.layers, cur)
	}
	// The close: every shift still on the floor ends, so none may be short of min.
	c.best = make([]float64, width)
	c.state = make([]int32, width)
	c.paid = make([]int, width)
	for p := range c.best {
		c.best[p], c.state[p] = math.Inf(-1), -1
	}
	for si, key := range cur.keys {
		ok := true
		for j := 1; j < a && j <= k; j++ {
			ok = ok && key.get(j) == 0
		}
		if !ok {
			continue
		}
		vals, _ := cur.row(si)
		for p, v := range vals {
			if v > c.best[p] {
				c.best[p], c.state[p], c.paid[p] = v, int32(si), p
			}
		}
	}
	for p := 1; p < width; p++ {
		if c.best[p-1] >= c.best[p] {
			c.best[p], c.state[p], c.paid[p] = c.best[p-1], c.state[p-1], c.paid[p-1]
		}
	}
	return c
}

// advance ends e of key's shifts (longest-worked first), starts u, and
// moves every shift on by the hour it then works; left is the hours after
// that one. It refuses a state with a shift that cannot reach min by the
// close.
func advance(key stateKey, e, u, k, a int, free bool, left int) (stateKey, bool) {
	for j := k; j >= a && e > 0; j-- {
		x := min(key.get(j), e)
		key.set(j, key.get(j)-x)
		e -= x
	}
	var next stateKey
	for j := k; j >= 1; j-- {
		x := key.get(j)
		if x == 0 {
			continue
		}
		to := j + 1
		if to > k {
			if !free {
				return key, false // past max: cannot happen, slot k always ends
			}
			to = k
		}
		next.set(to, next.get(to)+x)
	}
	next.set(1, next.get(1)+u)
	for j := 1; j < a; j++ {
		if next.get(j) > 0 && j+left < a {
			return next, false
		}
	}
	return next, true
}

// cover reads out the plan behind best[p] for a span requiring req: the
// ends and starts at each boundary, matched first in, first out into shifts, each split into
// allowed lengths.
func (c *curve) cover(p int, req []int) Cover {
	if c.hull != nil {
		return c.hull[c.state[p]]
	}
	n := c.n
	cov := Cover{Scheduled: make([]int, n), Short: make([]int, n)}
	if c.state[p] < 0 {
		return cov
	}
	ends, adds := make([]int, n), make([]int, n)
	si, paid := int(c.state[p]), c.paid[p]
	for h := n; h >= 1; h-- {
		l := c.layers[h]
		_, back := l.row(si)
		tag := back[paid]
		paid -= l.keys[si].total(c.k) // the staff on the floor in hour h-1
		ends[h-1], adds[h-1] = int(tag>>8&0xff), int(tag&0xff)
		si = int(tag >> 16)
	}
	var starts []int // start hour of each shift on the floor, in order of start
	count := map[[2]int]int{}
	emit := func(start, end int) {
		for _, l := range splitLength(end-start, c.rules) {
			count[[2]int{start, l}]++
			start += l
		}
	}
	for h := 0; h < n; h++ {
		for range ends[h] {
			emit(starts[0], h)
			starts = starts[1:]
		}
		for range adds[h] {
			starts = append(starts, h)
		}
		cov.Scheduled[h] = len(starts)
	}
	for _, s := range starts {
		emit(s, n)
	}
	for h := range cov.Short {
		cov.Short[h] = max(req[h]-cov.Scheduled[h], 0)
	}
	for k, x := range count {
		cov.Shifts = append(cov.Shifts, Shift{Start: k[0], Hours: k[1], Headcount: x})
		cov.Paid += k[1] * x
	}
	sort.Slice(cov.Shifts, func(i, j int) bool {
		a, b := cov.Shifts[i], cov.Shifts[j]
		return a.Start < b.Start || a.Start == b.Start && a.Hours < b.Hours
	})
	return cov
}

// splitLength splits a shift of l ≥ min hours into as few allowed lengths
// as possible, as even as possible (each within [min, max] when
// max ≥ 2·min − 1, which is when longer shifts are planned).
func splitLength(l int, r Rules) []int {
	parts := (l + r.MaxHours - 1) / r.MaxHours
	out := make([]int, parts)
	for i := range out {
		out[i] = l / parts
		if i < l%parts {
			out[i]++
		}
	}
	return out
}
