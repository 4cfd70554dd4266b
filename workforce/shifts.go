package workforce

import (
	ss "github.com/shrinkscope/shrinkscope"
)

// Rules bound the length of one shift, in whole hours.
type Rules struct {
	MinHours int `json:"min_hours"`
	MaxHours int `json:"max_hours"`
}

// Validate checks 1 ≤ min ≤ max ≤ 24; field names the JSON object holding the rules.
func (r Rules) Validate(field string) error {
	if r.MinHours < 1 || r.MinHours > 24 {
		return ss.Errorf(ss.EINVALID, field+".min_hours", "min_hours must be between 1 and 24, got %d", r.MinHours)
	}
	if r.MaxHours < 1 || r.MaxHours > 24 {
		return ss.Errorf(ss.EINVALID, field+".max_hours", "max_hours must be between 1 and 24, got %d", r.MaxHours)
	}
	if r.MinHours > r.MaxHours {
		return ss.Errorf(ss.EINVALID, field+".min_hours", "min_hours (%d) must not exceed max_hours (%d)", r.MinHours, r.MaxHours)
	}
	return nil
}

// Shift is Headcount staff working the hours [Start, Start+Hours) of a span.
type Shift struct {
	Start     int `json:"start"`
	Hours     int `json:"hours"`
	Headcount int `json:"headcount"`
}

// Cover is the staffing of one opening span.
type Cover struct {
	Shifts    []Shift
	Scheduled []int // staff on the floor in each hour
	Short     []int // required staff left uncovered in each hour
	Paid      int   // paid staff-hours
}

// CoverSpan returns the shifts of allowed lengths inside a span of
// len(req) consecutive hours that give every hour h at least req[h] staff
// at the fewest paid hours. Hours no allowed shift fits (a span shorter
// than MinHours) are left short.
//
// Why it is exact: the covering constraints Σ_{shifts j ∋ h} x_j − u_h = req[h]
// form a consecutive-ones matrix (each shift covers consecutive hours).
// Subtracting each row from the next turns it into the node-arc incidence
// matrix of a network on the hour boundaries 0..H: a shift [s, e) is an arc
// s → e of cost e − s, a surplus u_h is a free arc h+1 → h, and boundary h
// supplies req[h] − req[h−1]. A min-cost flow with integer supplies has an
// integer optimum, which is the integer optimum of the cover.
// Source: A. F. Veinott, H. M. Wagner, "Optimal capacity scheduling",
// Operations Research 10(4), 1962; Ahuja, Magnanti, Orlin, "Network Flows"
// (1993), §9.2 (the transformation) and §19.4.
func CoverSpan(req []int, r Rules) Cover {
	return solveSpan(req, nil, 1, r)
}

// bigPenalty makes leaving a unit short dearer than any shift that covers it
// (a shift costs at most 24 paid hours).
const bigPenalty = int64(1) << 20

// solveSpan minimises paid hours · paidCost + Σ pen[h] · short[h]; with pen
// nil (and paidCost 1), leaving an hour short costs more than covering it
// ever could.
func solveSpan(req []int, pen []int64, paidCost int64, r Rules) Cover {
	n := len(req)
	c := Cover{Scheduled: make([]int, n), Short: make([]int, n)}
	if n == 0 {
		return c
	}
	src, sink := n+1, n+2
	g := newFlowGraph(n+3, n*(r.MaxHours-r.MinHours+1)+3*n+1)
	type shiftArc struct{ arc, start, hours int }
	var arcs []shiftArc
	for s := 0; s < n; s++ {
		for l := r.MinHours; l <= r.MaxHours && s+l <= n; l++ {
			arcs = append(arcs, shiftArc{g.add(s, s+l, inf, int64(l)*paidCost), s, l})
		}
	}
	short := make([]int, n)
	for h := 0; h < n; h++ {
		g.add(h+1, h, inf, 0) // surplus: more staff than required
		p := bigPenalty
		if pen != nil {
			p = pen[h]
		}
		if req[h] > 0 {
			short[h] = g.add(h, h+1, int64(req[h]), p)
		} else {
			short[h] = -1
		}
	}
	prev := 0
	for h := 0; h <= n; h++ {
		cur := 0
		if h < n {
			cur = max(req[h], 0)
		}
		switch d := int64(cur - prev); {
		case d > 0:
			g.add(src, h, d, 0)
		case d < 0:
			g.add(h, sink, -d, 0)
		}
		prev = cur
	}
	g.minCost(src, sink)
	for _, a := range arcs {
		if x := int(g.flow(a.arc)); x > 0 {
			c.Shifts = append(c.Shifts, Shift{Start: a.start, Hours: a.hours, Headcount: x})
			c.Paid += x * a.hours
			for h := a.start; h < a.start+a.hours; h++ {
				c.Scheduled[h] += x
			}
		}
	}
	for h := range short {
		if req[h] > c.Scheduled[h] {
			c.Short[h] = req[h] - c.Scheduled[h]
		}
	}
	return c
}
