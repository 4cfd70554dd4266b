package shrinkscope_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

func TestPartialOverlap(t *testing.T) {
	t.Parallel()
	sq := ss.Rect(0, 0, 4, 4)
	tri := []ss.Point{{0, 0}, {4, 0}, {4, 4}, {0, 0}}
	// An L: the square [0,4]² without its top-right quarter.
	ell := []ss.Point{{0, 0}, {4, 0}, {4, 2}, {2, 2}, {2, 4}, {0, 4}, {0, 0}}
	for _, c := range []struct {
		name string
		a, b []ss.Point
		want bool
	}{
		{"apart", sq, ss.Rect(5, 0, 9, 4), false},
		{"sharing an edge", sq, ss.Rect(4, 0, 8, 4), false},
		{"sharing a corner", sq, ss.Rect(4, 4, 8, 8), false},
		{"sharing part of an edge", sq, ss.Rect(4, 2, 8, 6), false},
		{"nested strictly", sq, ss.Rect(1, 1, 3, 3), false},
		{"nested on an edge", sq, ss.Rect(0, 1, 2, 3), false},
		{"nested, given the other way", ss.Rect(1, 1, 3, 3), sq, false},
		{"a triangle on the square's corners", sq, tri, false},
		{"the L's notch, outside the L", ell, ss.Rect(2, 2, 4, 4), false},
		{"half over", sq, ss.Rect(2, 0, 6, 4), true},
		{"a corner over", sq, ss.Rect(3, 3, 5, 5), true},
		{"a bar across", sq, ss.Rect(1, -1, 3, 5), true},
		{"the same outline", sq, ss.Rect(0, 0, 4, 4), true},
		{"the same outline, another start", sq, []ss.Point{{4, 4}, {0, 4}, {0, 0}, {4, 0}, {4, 4}}, true},
		{"into the L's notch and the L", ell, ss.Rect(1, 1, 3, 3), true},
	} {
		if got := ss.PartialOverlap(c.a, c.b); got != c.want {
			t.Errorf("%s: PartialOverlap = %v, want %v", c.name, got, c.want)
		}
		if got := ss.PartialOverlap(c.b, c.a); got != c.want {
			t.Errorf("%s (swapped): PartialOverlap = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestZonesOverlapRefused: a zone set with two zones overlapping in part
// names both; nesting passes.
func TestZonesOverlapRefused(t *testing.T) {
	t.Parallel()
	feature := func(id string, r []ss.Point) ss.Feature {
		ring := make([][]float64, len(r))
		for i, p := range r {
			ring[i] = []float64{p[0], p[1]}
		}
		return ss.Feature{Type: "Feature", Geometry: ss.Geometry{Type: "Polygon", Coordinates: [][][]float64{ring}},
			Properties: []byte(`{"id":"` + id + `","name":"Zone ` + id + `","kind":"aisle","category":"toys","unit_value":5}`)}
	}
	fc := &ss.FeatureCollection{Type: "FeatureCollection", Features: []ss.Feature{
		feature("A", ss.Rect(0, 0, 10, 4)), feature("P", ss.Rect(2, 1, 4, 3)), feature("B", ss.Rect(8, 0, 14, 4))}}
	zones, err := ss.ZonesFromGeoJSON(fc)
	if err != nil {
		t.Fatal(err)
	}
	err = ss.CheckOverlaps(zones)
	be, ok := err.(*ss.BatchError)
	if !ok || len(be.Items) != 1 || be.Items[0].Index != 2 || be.Items[0].Field != "geometry.coordinates" ||
		!strings.Contains(be.Items[0].Message, `"B"`) || !strings.Contains(be.Items[0].Message, `"A"`) {
		t.Fatalf("err %v, want feature 2 naming zones B and A", err)
	}
	if err := ss.CheckOverlaps(zones[:2]); err != nil {
		t.Errorf("a promo inside an aisle: %v", err)
	}
}

// TestOverlapWorkBound: outlines piled inside one another past the check's
// work bound are refused naming features; 40 nested rings of 300
// positions are checked (and pass: nested, none crossing), and a grid of
// detailed zones sharing their edges is well within the bound.
func TestOverlapWorkBound(t *testing.T) {
	t.Parallel()
	circle := func(r float64, n int) []ss.Point {
		p := make([]ss.Point, 0, n+1)
		for k := range n {
			a := 2 * math.Pi * float64(k) / float64(n)
			p = append(p, ss.Point{r * math.Cos(a), r * math.Sin(a)})
		}
		return append(p, p[0])
	}
	var piled []ss.Zone
	for i := range 40 {
		piled = append(piled, ss.Zone{Code: "Z" + strconv.Itoa(i), Polygon: circle(float64(1+i), 299)})
	}
	if err := ss.CheckOverlaps(piled); err != nil {
		t.Errorf("40 nested rings of 300 positions: %v, want accepted", err)
	}
	piled = piled[:0]
	for i := range 60 { // 1,770 pairs of 1,000 × 1,000 positions
		piled = append(piled, ss.Zone{Code: "Z" + strconv.Itoa(i), Polygon: circle(float64(1+i), 999)})
	}
	if err := ss.CheckOverlaps(piled); ss.ErrorCode(err) != ss.EINVALID || !strings.Contains(err.Error(), "features") {
		t.Errorf("60 nested rings of 1,000 positions: %v, want refused naming features", err)
	}
	square := func(x, y float64) []ss.Point { // 100 positions, 25 a side
		var p []ss.Point
		for side := range 4 {
			for k := range 25 {
				f := 10 * float64(k) / 25
				p = append(p, [4]ss.Point{{x + f, y}, {x + 10, y + f}, {x + 10 - f, y + 10}, {x, y + 10 - f}}[side])
			}
		}
		return append(p, p[0])
	}
	var grid []ss.Zone
	for i := range 500 {
		grid = append(grid, ss.Zone{Code: "G" + strconv.Itoa(i), Polygon: square(float64(i%25)*10, float64(i/25)*10)})
	}
	if err := ss.CheckOverlaps(grid); err != nil {
		t.Errorf("a grid of 500 squares sharing edges: %v", err)
	}
}
