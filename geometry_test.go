package shrinkscope

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// bruteSelfIntersection is the definition, pair by pair: every edge
// against every other, neighbours only when they fold back along each
// other. SelfIntersection must agree with it on every ring.
func bruteSelfIntersection(ring []Point) bool {
	var pts []Point
	for _, p := range ring {
		if len(pts) > 0 && pts[len(pts)-1] == p {
			continue
		}
		pts = append(pts, p)
	}
	n := len(pts) - 1
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			if b == a+1 || (a == 0 && b == n-1) {
				p, q, r := pts[a], pts[a+1], pts[a+2]
				if b != a+1 {
					p, q, r = pts[n-1], pts[0], pts[1]
				}
				if cross(p, q, r) == 0 && dot(q, p, r) > 0 {
					return true
				}
				continue
			}
			if segmentsMeet(pts[a], pts[a+1], pts[b], pts[b+1]) {
				return true
			}
		}
	}
	return false
}

// The sweep finds a crossing exactly when the pair-by-pair definition
// does, on random rings of few grid positions (where touching, collinear
// and repeated positions are common) and on star-shaped simple rings.
func TestSelfIntersectionAgreesWithPairByPair(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 23))
	simple, crossing := 0, 0
	for range 20000 {
		n := 3 + rng.IntN(9)
		ring := make([]Point, n, n+1)
		grid := 2 + rng.IntN(6)
		for k := range ring {
			ring[k] = Point{float64(rng.IntN(grid)), float64(rng.IntN(grid))}
		}
		ring = append(ring, ring[0])
		want := bruteSelfIntersection(ring)
		i, j, got := SelfIntersection(ring)
		if got != want {
			t.Fatalf("ring %v: sweep says %v (edges %d, %d), pair by pair %v", ring, got, i, j, want)
		}
		if got {
			crossing++
			if i >= j || j >= len(ring)-1 {
				t.Fatalf("ring %v: edges %d and %d named", ring, i, j)
			}
		} else {
			simple++
		}
	}
	if simple < 1000 || crossing < 1000 {
		t.Fatalf("random rings: %d simple, %d crossing; the test needs many of both", simple, crossing)
	}
	for _, star := range []bool{false, true} {
		ring := make([]Point, 0, 1000)
		for _, p := range polygonRing(999, 5, 5, 4.5, star) {
			ring = append(ring, Point{p[0], p[1]})
		}
		if _, _, bad := SelfIntersection(ring); bad || bruteSelfIntersection(ring) {
			t.Errorf("a simple ring of 1,000 positions (star %v) is found crossing", star)
		}
		// Move one position across the ring: now it crosses.
		ring[500] = Point{ring[0][0] + 0.1, ring[0][1]}
		if _, _, bad := SelfIntersection(ring); !bad || !bruteSelfIntersection(ring) {
			t.Errorf("a crossing ring of 1,000 positions (star %v) passes", star)
		}
	}
}

// bruteOverlap is PartialOverlap as first written: every edge of one ring
// against every edge of the other, every sample against every edge.
func bruteOverlap(a, b []Point) bool {
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
	side := func(p Point, ring []Point) int {
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
	samples := func(a, b []Point) (in, out int) {
		for i := 0; i+1 < len(a); i++ {
			for _, p := range []Point{a[i], {(a[i][0] + a[i+1][0]) / 2, (a[i][1] + a[i+1][1]) / 2}} {
				switch side(p, b) {
				case 1:
					in++
				case -1:
					out++
				}
			}
		}
		return in, out
	}
	inA, outA := samples(a, b)
	inB, outB := samples(b, a)
	return inA > 0 && outA > 0 || inB > 0 && outB > 0 || inA == 0 && outA == 0 && inB == 0 && outB == 0
}

// randomRing is a simple ring: a rectangle or a star-shaped polygon on a
// half-metre grid of a 6 m floor, so that shared edges, corners, nesting
// and equal outlines all occur.
func randomRing(rng *rand.Rand) []Point {
	snap := func(v float64) float64 { return math.Round(v*2) / 2 }
	for {
		if rng.IntN(2) == 0 {
			x0, y0 := snap(rng.Float64()*5), snap(rng.Float64()*5)
			x1, y1 := x0+0.5+snap(rng.Float64()*3), y0+0.5+snap(rng.Float64()*3)
			return Rect(x0, y0, x1, y1)
		}
		n := 3 + rng.IntN(8)
		cx, cy := 1+rng.Float64()*4, 1+rng.Float64()*4
		angles := make([]float64, n)
		for i := range angles {
			angles[i] = rng.Float64() * 2 * math.Pi
		}
		slices.Sort(angles)
		ring := make([]Point, 0, n+1)
		for _, a := range angles {
			r := 0.5 + rng.Float64()*2.5
			ring = append(ring, Point{snap(cx + r*math.Cos(a)), snap(cy + r*math.Sin(a))})
		}
		ring = append(ring, ring[0])
		if validRing(ring) == nil {
			return ring
		}
	}
}

// The indexed overlap check answers as the pair-by-pair one on random
// pairs of simple rings, both ways round, and CheckOverlaps refuses a set
// past its work bound instead of working on.
func TestOverlapAgreesWithPairByPair(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 8))
	over, apart := 0, 0
	for range 20000 {
		a, b := randomRing(rng), randomRing(rng)
		want := bruteOverlap(a, b)
		if got := PartialOverlap(a, b); got != want {
			t.Fatalf("rings %v and %v: indexed %v, pair by pair %v", a, b, got, want)
		}
		if got := PartialOverlap(b, a); got != want {
			t.Fatalf("rings %v and %v (swapped): indexed %v, pair by pair %v", b, a, got, want)
		}
		if want {
			over++
		} else {
			apart++
		}
	}
	if over < 2000 || apart < 2000 {
		t.Fatalf("%d overlapping pairs, %d not: the test needs many of both", over, apart)
	}
	// 10 nested rings of 1,000 positions pass (they took 6 s before the index);
	// stars nested in each other, whose edges all reach across the strips,
	// run past the work bound and are refused naming features.
	if err := CheckOverlaps(nestedUpload(10, 1000)); err != nil {
		t.Errorf("nested rings: %v", err)
	}
	var stars []Zone
	for i := range 50 {
		var ring []Point
		for _, p := range polygonRing(999, 50, 50, 2+float64(i), true) {
			ring = append(ring, Point{p[0], p[1]})
		}
		stars = append(stars, Zone{Code: fmt.Sprintf("S%d", i), Polygon: ring})
	}
	var e *Error
	if err := CheckOverlaps(stars); !errors.As(err, &e) || e.Field != "features" {
		t.Errorf("50 stars of 1,000 positions about one centre: %v, want 422 naming features", err)
	}
}

// boxesMeet reports whether the bounding boxes of two rings share a point.
func boxesMeet(a, b []Point) bool {
	ax0, ay0, ax1, ay1 := box(a)
	bx0, by0, bx1, by1 := box(b)
	return ax0 <= bx1 && bx0 <= ax1 && ay0 <= by1 && by0 <= ay1
}
