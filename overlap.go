package shrinkscope

import "math"

// Zones may nest but not overlap in part. A zone inside another is the
// smaller one's (a promo table inside an aisle is the promo table: vision's
// zone index gives a floor point to the smallest zone holding it), but two
// zones that overlap in part leave the shared floor to whichever is smaller,
// which is an accident of their sizes, not a plan, and two zones with the
// same outline leave it to neither.

// CheckOverlaps returns a *BatchError naming each zone (by its index in
// zones, and so its feature's) that overlaps an earlier one in part, with
// both zone ids, else nil. It is the rule of a store's zone set, checked
// when one is stored; readers of stored zones (the vision tier) do not
// apply it, so a set stored before the rule still loads.
//
// Each ring is indexed once (ringIndex: its edges by horizontal strip), so
// a pair of rings costs about the edges near each sample and each edge
// rather than every edge of one against every edge of the other: nested
// traced outlines of 1,000 positions took seconds a pair before. The work
// is still counted, and an upload whose outlines would take more than
// maxOverlapWork edge tests is refused with 422 naming features.
func CheckOverlaps(zones []Zone) error {
	idx := make([]*ringIndex, len(zones))
	for i := range zones {
		idx[i] = newRingIndex(zones[i].Polygon)
	}
	budget := maxOverlapWork
	var be BatchError
	for j := range zones {
		for i := range j {
			over, ok := partialOverlap(idx[i], idx[j], &budget)
			if !ok {
				return Errorf(EINVALID, "features", "the zones' outlines are too detailed to check against each other (more than %d edge tests): simplify the largest outlines", maxOverlapWork)
			}
			if over {
				be.Add(j, "geometry.coordinates", "zone %q overlaps zone %q (feature %d) in part: a zone may lie inside another, but zones may not overlap otherwise", zones[j].Code, zones[i].Code, i)
				break
			}
		}
	}
	return be.Err()
}

// maxOverlapWork bounds the edge tests of one zone set's overlap check:
// 1–1.5 s of a core on a machine at a load average of 23, well under a
// second on a quiet one (docs/BENCHMARKS.md), and far above a planogram's
// (500 rectangles side by side, some nested, need thousands).
const maxOverlapWork = 20_000_000

// PartialOverlap reports whether two simple closed rings overlap other than
// by one lying inside the other: their boundaries cross, or one has floor
// both inside and outside the other, or they enclose the same area. Rings
// that only share edges or corners do not overlap. The rings are sampled at
// their positions and edge midpoints, which decides every case of polygons
// whose boundaries meet only where those samples lie or cross properly.
func PartialOverlap(a, b []Point) bool {
	budget := math.MaxInt
	over, _ := partialOverlap(newRingIndex(a), newRingIndex(b), &budget)
	return over
}

// partialOverlap is PartialOverlap on indexed rings, spending the edge
// tests it makes from budget; ok is false when the budget ran out first.
func partialOverlap(a, b *ringIndex, budget *int) (over, ok bool) {
	if !(a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1) {
		return false, true
	}
	ring := a.ring
	for i := 0; i+1 < len(ring); i++ {
		p, q := ring[i], ring[i+1]
		found := false
		b.edgesNear(math.Min(p[1], q[1]), math.Max(p[1], q[1]), func(e int) bool {
			*budget--
			found = properCross(p, q, b.ring[e], b.ring[e+1])
			return !found && *budget > 0
		})
		if found {
			return true, true
		}
		if *budget <= 0 {
			return false, false
		}
	}
	inA, outA := samplesAgainst(a, b, budget)
	inB, outB := samplesAgainst(b, a, budget)
	if *budget <= 0 {
		return false, false
	}
	switch {
	case inA > 0 && outA > 0, inB > 0 && outB > 0:
		return true, true
	case inA == 0 && outA == 0 && inB == 0 && outB == 0: // the same outline
		return true, true
	}
	return false, true
}

// samplesAgainst counts the samples of ring a (positions and edge
// midpoints) strictly inside and strictly outside ring b.
func samplesAgainst(a, b *ringIndex, budget *int) (in, out int) {
	count := func(p Point) {
		switch b.side(p, budget) {
		case 1:
			in++
		case -1:
			out++
		}
	}
	r := a.ring
	for i := 0; i+1 < len(r) && *budget > 0; i++ {
		count(r[i])
		count(Point{(r[i][0] + r[i+1][0]) / 2, (r[i][1] + r[i+1][1]) / 2})
	}
	return in, out
}

// ringIndex is a closed ring with its bounding box and its edges filed by
// horizontal strip: an edge is in every strip its heights meet, so the
// edges that can reach height y are all in y's strip.
type ringIndex struct {
	ring           []Point
	x0, y0, x1, y1 float64
	strips         [][]int32 // edge numbers per strip, bottom to top
}

// maxStrips caps a ring's strips (and so the index's size when every edge
// spans every strip).
const maxStrips = 256

func newRingIndex(ring []Point) *ringIndex {
	ix := &ringIndex{ring: ring}
	ix.x0, ix.y0, ix.x1, ix.y1 = box(ring)
	n := min(max(len(ring)-1, 1), maxStrips)
	ix.strips = make([][]int32, n)
	for e := 0; e+1 < len(ring); e++ {
		lo, hi := ix.strip(math.Min(ring[e][1], ring[e+1][1])), ix.strip(math.Max(ring[e][1], ring[e+1][1]))
		for k := lo; k <= hi; k++ {
			ix.strips[k] = append(ix.strips[k], int32(e))
		}
	}
	return ix
}

// strip is the strip holding height y, clamped to the ring's.
func (ix *ringIndex) strip(y float64) int {
	n := len(ix.strips)
	if !(ix.y1 > ix.y0) {
		return 0
	}
	k := int(float64(n) * (y - ix.y0) / (ix.y1 - ix.y0))
	return min(max(k, 0), n-1)
}

// edgesNear calls f with each edge whose strip meets heights [lo, hi] (an
// edge spanning several strips more than once) until f returns false.
func (ix *ringIndex) edgesNear(lo, hi float64, f func(e int) bool) {
	if hi < ix.y0 || lo > ix.y1 {
		return
	}
	for k := ix.strip(lo); k <= ix.strip(hi); k++ {
		for _, e := range ix.strips[k] {
			if !f(int(e)) {
				return
			}
		}
	}
}

// side is 1 when p lies strictly inside the ring, 0 on its boundary and -1
// outside (even-odd ray casting over the edges of p's strip, the only ones
// that can reach its height).
func (ix *ringIndex) side(p Point, budget *int) int {
	if p[0] < ix.x0 || p[0] > ix.x1 || p[1] < ix.y0 || p[1] > ix.y1 {
		return -1
	}
	inside := false
	ring := ix.ring
	for _, e := range ix.strips[ix.strip(p[1])] {
		*budget--
		q, r := ring[e], ring[e+1]
		if cross(q, r, p) == 0 && onSegment(q, r, p) {
			return 0
		}
		if (q[1] > p[1]) != (r[1] > p[1]) && p[0] < q[0]+(p[1]-q[1])*(r[0]-q[0])/(r[1]-q[1]) {
			inside = !inside
		}
	}
	if inside {
		return 1
	}
	return -1
}

// properCross reports whether segments p1p2 and p3p4 cross at a point
// inside both (not at an end of either, nor along a shared line).
func properCross(p1, p2, p3, p4 Point) bool {
	d1, d2 := cross(p3, p4, p1), cross(p3, p4, p2)
	d3, d4 := cross(p1, p2, p3), cross(p1, p2, p4)
	return (d1 > 0 && d2 < 0 || d1 < 0 && d2 > 0) && (d3 > 0 && d4 < 0 || d3 < 0 && d4 > 0)
}

func box(r []Point) (x0, y0, x1, y1 float64) {
	x0, y0, x1, y1 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range r {
		x0, y0 = math.Min(x0, p[0]), math.Min(y0, p[1])
		x1, y1 = math.Max(x1, p[0]), math.Max(y1, p[1])
	}
	return x0, y0, x1, y1
}
