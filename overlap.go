package shrinkscope

import "math"

// Zones may nest but not overlap in part. A zone inside another is the
// smaller one's (a promo table inside an aisle is the promo table: vision's
// zone index gives a floor point to the smallest zone holding it), but two
// zones that overlap in part leave the shared floor to whichever is smaller,
// which is an accident of their sizes, not a plan, and two zones with the
// same outline leave it to neither.

// MaxOverlapWork bounds the work of CheckOverlaps: the sum, over the pairs
// of zones whose bounding boxes meet, of the positions of each zone inside
// the other's box times the other's positions (what the tests of
// PartialOverlap cost, about 10 ns each). Zones side by side meet only along
// a strip: a grid of 500 squares of 100 positions each, sharing their edges,
// costs about 5 million; an outer zone around 499 rectangles, about 1
// million. Only outlines of hundreds of positions piled inside one
// another's boxes pass it (60 nested rings of 100 positions: 18 million,
// 0.19 s of CPU), and they are refused (422 naming features) after a count
// of positions in boxes and before any pair is compared, so the check of
// one upload costs about a tenth of a second of CPU at most.
const MaxOverlapWork = 10_000_000

// bbox is a ring's bounding box.
type bbox struct{ x0, y0, x1, y1 float64 }

func boxOf(r []Point) bbox {
	b := bbox{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range r {
		b.x0, b.y0 = math.Min(b.x0, p[0]), math.Min(b.y0, p[1])
		b.x1, b.y1 = math.Max(b.x1, p[0]), math.Max(b.y1, p[1])
	}
	return b
}

func (b bbox) meets(o bbox) bool { return b.x0 <= o.x1 && o.x0 <= b.x1 && b.y0 <= o.y1 && o.y0 <= b.y1 }

func (b bbox) holds(p Point) bool {
	return b.x0 <= p[0] && p[0] <= b.x1 && b.y0 <= p[1] && p[1] <= b.y1
}

// inside counts the positions of ring r that lie in box b.
func (b bbox) inside(r []Point) int {
	n := 0
	for _, p := range r {
		if b.holds(p) {
			n++
		}
	}
	return n
}

// CheckOverlaps returns a *BatchError naming each zone (by its index in
// zones, and so its feature's) that overlaps an earlier one in part, with
// both zone ids, else nil. It is the rule of a store's zone set, checked
// when one is stored; readers of stored zones (the vision tier) do not
// apply it, so a set stored before the rule still loads.
func CheckOverlaps(zones []Zone) error {
	boxes := make([]bbox, len(zones))
	for i := range zones {
		boxes[i] = boxOf(zones[i].Polygon)
	}
	work := 0
	for j := range zones {
		for i := range j {
			if boxes[i].meets(boxes[j]) {
				a, b := zones[i].Polygon, zones[j].Polygon
				work += boxes[j].inside(a)*len(b) + boxes[i].inside(b)*len(a)
			}
		}
	}
	if work > MaxOverlapWork {
		return Errorf(EINVALID, "features", "the zones' outlines lie so much inside one another's bounds that checking them for overlaps would take %d comparisons, more than %d: simplify the outlines", work, MaxOverlapWork)
	}
	var be BatchError
	for j := range zones {
		for i := range j {
			if boxes[i].meets(boxes[j]) && partialOverlap(zones[i].Polygon, zones[j].Polygon, boxes[i], boxes[j]) {
				be.Add(j, "geometry.coordinates", "zone %q overlaps zone %q (feature %d) in part: a zone may lie inside another, but zones may not overlap otherwise", zones[j].Code, zones[i].Code, i)
				break
			}
		}
	}
	return be.Err()
}

// PartialOverlap reports whether two simple closed rings overlap other than
// by one lying inside the other: their boundaries cross, or one has floor
// both inside and outside the other, or they enclose the same area. Rings
// that only share edges or corners do not overlap. The rings are sampled at
// their positions and edge midpoints, which decides every case of polygons
// whose boundaries meet only where those samples lie or cross properly.
func PartialOverlap(a, b []Point) bool {
	ba, bb := boxOf(a), boxOf(b)
	return ba.meets(bb) && partialOverlap(a, b, ba, bb)
}

func partialOverlap(a, b []Point, ba, bb bbox) bool {
	// Only edges inside the other ring's box can cross it.
	near := func(r []Point, o bbox) []int {
		var out []int
		for i := 0; i+1 < len(r); i++ {
			if o.meets(boxOf(r[i : i+2])) {
				out = append(out, i)
			}
		}
		return out
	}
	na, nb := near(a, bb), near(b, ba)
	for _, i := range na {
		for _, j := range nb {
			if properCross(a[i], a[i+1], b[j], b[j+1]) {
				return true
			}
		}
	}
	inA, outA := samplesAgainst(a, b, bb)
	inB, outB := samplesAgainst(b, a, ba)
	switch {
	case inA > 0 && outA > 0, inB > 0 && outB > 0:
		return true
	case inA == 0 && outA == 0 && inB == 0 && outB == 0: // the same outline
		return true
	}
	return false
}

// samplesAgainst counts the samples of ring a (positions and edge
// midpoints) strictly inside and strictly outside ring b, whose box is bb.
func samplesAgainst(a, b []Point, bb bbox) (in, out int) {
	count := func(p Point) {
		if !bb.holds(p) {
			out++
			return
		}
		switch pointSide(p, b) {
		case 1:
			in++
		case -1:
			out++
		}
	}
	for i := 0; i+1 < len(a); i++ {
		count(a[i])
		count(Point{(a[i][0] + a[i+1][0]) / 2, (a[i][1] + a[i+1][1]) / 2})
	}
	return in, out
}

// pointSide is 1 when p lies strictly inside the closed ring, 0 on its
// boundary and -1 outside (even-odd ray casting).
func pointSide(p Point, ring []Point) int {
	inside := false
	for i := 0; i+1 < len(ring); i++ {
		q, r := ring[i], ring[i+1]
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
