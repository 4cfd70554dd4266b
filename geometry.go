package shrinkscope

import (
	"cmp"
	"math"
	"slices"
)

// Point is a floor position in metres from the plan's origin.
type Point [2]float64

// SelfIntersection reports two edges of the closed ring (edge k runs from
// position k to k+1) that cross, touch or overlap other than where
// neighbours share their common position; repeated consecutive positions
// are ignored. A ring with none is a simple polygon (Jordan curve), whose
// shoelace area and point-in-polygon test mean what they say.
//
// Only edges whose bounding boxes overlap can meet, so the edges are swept
// from left to right by their boxes (sorted by left end, each compared with
// the ones still open at its left end whose heights overlap too): a floor
// plan's zone, whose edges are short against the ring, costs O(n log n)
// rather than the n²/2 pairs of comparing every edge with every other. A
// ring whose edges' boxes all overlap (a star) still costs n²/2 box
// comparisons, which the bounds of a zone upload keep small (zone.go).
func SelfIntersection(ring []Point) (i, j int, found bool) {
	pts := make([]Point, 0, len(ring))
	idx := make([]int, 0, len(ring)) // edge number in the input of each kept position
	for k, p := range ring {
		if len(pts) > 0 && pts[len(pts)-1] == p {
			continue
		}
		pts = append(pts, p)
		idx = append(idx, k)
	}
	n := len(pts) - 1 // edges
	if n < 2 {
		return 0, 0, false
	}
	// Neighbours share one position; they only clash when they fold back
	// along each other.
	for a := 0; a < n; a++ {
		p, q, r := pts[a], pts[a+1], pts[(a+2)%n]
		if cross(p, q, r) == 0 && dot(q, p, r) > 0 {
			b := (a + 1) % n
			return idx[min(a, b)], idx[max(a, b)], true
		}
	}
	type box struct {
		e                      int
		minX, maxX, minY, maxY float64
	}
	boxes := make([]box, n)
	for e := range n {
		p, q := pts[e], pts[e+1]
		boxes[e] = box{e, math.Min(p[0], q[0]), math.Max(p[0], q[0]), math.Min(p[1], q[1]), math.Max(p[1], q[1])}
	}
	slices.SortFunc(boxes, func(x, y box) int { return cmp.Compare(x.minX, y.minX) })
	open := make([]box, 0, 16)
	for _, bx := range boxes {
		kept := open[:0]
		for _, o := range open {
			if o.maxX < bx.minX {
				continue // closed: no later box reaches back to it
			}
			kept = append(kept, o)
			if o.maxY < bx.minY || bx.maxY < o.minY {
				continue
			}
			a, b := min(o.e, bx.e), max(o.e, bx.e)
			if b == a+1 || (a == 0 && b == n-1) {
				continue // neighbours: checked above
			}
			if segmentsMeet(pts[a], pts[a+1], pts[b], pts[b+1]) {
				return idx[a], idx[b], true
			}
		}
		open = append(kept, bx)
	}
	return 0, 0, false
}

// cross is the z of (q-p)×(r-p): its sign is the turn p→q→r.
func cross(p, q, r Point) float64 {
	return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0])
}

// dot is (p-q)·(r-q): positive when p and r lie on the same side of q.
func dot(q, p, r Point) float64 {
	return (p[0]-q[0])*(r[0]-q[0]) + (p[1]-q[1])*(r[1]-q[1])
}

// onSegment reports whether r, collinear with p and q, lies between them.
func onSegment(p, q, r Point) bool {
	return math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) &&
		math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
}

// segmentsMeet reports whether closed segments p1p2 and p3p4 share a point
// (the orientation test of Cormen et al., "Introduction to Algorithms",
// section 33.1).
func segmentsMeet(p1, p2, p3, p4 Point) bool {
	d1, d2 := cross(p3, p4, p1), cross(p3, p4, p2)
	d3, d4 := cross(p1, p2, p3), cross(p1, p2, p4)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return d1 == 0 && onSegment(p3, p4, p1) || d2 == 0 && onSegment(p3, p4, p2) ||
		d3 == 0 && onSegment(p1, p2, p3) || d4 == 0 && onSegment(p1, p2, p4)
}

// RingArea is the signed shoelace area of a closed ring, in square metres.
func RingArea(ring []Point) float64 {
	var a float64
	for i := 0; i+1 < len(ring); i++ {
		a += ring[i][0]*ring[i+1][1] - ring[i+1][0]*ring[i][1]
	}
	return a / 2
}

// Rect returns a closed rectangular ring with corners (x0,y0) and (x1,y1).
func Rect(x0, y0, x1, y1 float64) []Point {
	return []Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}
