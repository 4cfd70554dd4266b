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
func CheckOverlaps(zones []Zone) error {
	var be BatchError
	for j := range zones {
		for i := range j {
			if PartialOverlap(zones[i].Polygon, zones[j].Polygon) {
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
	if !boxesMeet(a, b) {
		return false
	}
	for i := 0; i+1 < len(a); i++ {
		for j := 0; j+1 < len(b); j++ {
			if properCross(a[i], a[i+1], b[j], b[j+1]) {
				return true
			}
		}
	}
	inA, outA := samplesAgainst(a, b)
	inB, outB := samplesAgainst(b, a)
	switch {
	case inA > 0 && outA > 0, inB > 0 && outB > 0:
		return true
	case inA == 0 && outA == 0 && inB == 0 && outB == 0: // the same outline
		return true
	}
	return false
}

// samplesAgainst counts the samples of ring a (positions and edge
// midpoints) strictly inside and strictly outside ring b.
func samplesAgainst(a, b []Point) (in, out int) {
	count := func(p Point) {
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

// boxesMeet reports whether the bounding boxes of two rings share a point.
func boxesMeet(a, b []Point) bool {
	ax0, ay0, ax1, ay1 := box(a)
	bx0, by0, bx1, by1 := box(b)
	return ax0 <= bx1 && bx0 <= ax1 && ay0 <= by1 && by0 <= ay1
}

func box(r []Point) (x0, y0, x1, y1 float64) {
	x0, y0, x1, y1 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range r {
		x0, y0 = math.Min(x0, p[0]), math.Min(y0, p[1])
		x1, y1 = math.Max(x1, p[0]), math.Max(y1, p[1])
	}
	return x0, y0, x1, y1
}
