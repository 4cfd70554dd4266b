package workforce

import (
	"context"
	"math"
	"sort"
)

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
	return l.val[i*l.width : (i+1)*l.width], l.backRow(i)
}

// backRow is state i's back pointers, kept after its values are let go.
func (l *layer) backRow(i int) []uint32 { return l.back[i*l.width : (i+1)*l.width] }

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
// most staff on the floor at once. It checks ctx once an hour of the span.
func spanCurve(ctx context.Context, d Demand, r Rules, maxPaid, staff int) (*curve, error) {
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
		if err := ctx.Err(); err != nil {
			return nil, err
		}
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
		// Reading the plan out needs only the back pointers: the values of
		// a layer behind are done with (they are most of its memory).
		cur.val = nil
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
	cur.val = nil
	return c, nil
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
		back := l.backRow(si)
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
