package shrinkscope

import (
	"math/rand/v2"
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
