package shrinkscope

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"
)

// polygonRing is a closed ring of n positions around (cx, cy): a regular
// polygon of radius r, or, with spikes, a star whose points alternate
// between r and r/20, so that every edge's bounding box holds the centre
// region (the worst case for a sweep over bounding boxes).
func polygonRing(n int, cx, cy, r float64, star bool) [][]float64 {
	ring := make([][]float64, 0, n+1)
	for k := range n {
		a := 2 * math.Pi * float64(k) / float64(n)
		rk := r
		if star && k%2 == 1 {
			rk = r / 20
		}
		ring = append(ring, []float64{cx + rk*math.Cos(a), cy + rk*math.Sin(a)})
	}
	return append(ring, ring[0])
}

// uploadOf is a FeatureCollection of zones zones of n positions each, side
// by side on a grid of 10 m cells.
func uploadOf(zones, n int, star bool) *FeatureCollection {
	fc := &FeatureCollection{Type: "FeatureCollection"}
	for i := range zones {
		props, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("Z%d", i), "name": "zone", "kind": "aisle", "category": "c", "unit_value": 1})
		ring := polygonRing(n-1, float64(i%25)*10+5, float64(i/25)*10+5, 4.5, star)
		fc.Features = append(fc.Features, Feature{Type: "Feature", Geometry: Geometry{Type: "Polygon", Coordinates: [][][]float64{ring}}, Properties: props})
	}
	return fc
}

// BenchmarkRingChecks runs the self-intersection check over the rings of
// the upload, 500 zones of 1,000 positions: regular polygons (a
// traced round counter) and stars, whose every edge's box overlaps every
// other's, the sweep's worst case.
func BenchmarkRingChecks(b *testing.B) {
	for _, star := range []bool{false, true} {
		var rings [][]Point
		for _, f := range uploadOf(500, 1000, star).Features {
			var ring []Point
			for _, p := range f.Geometry.Coordinates[0] {
				ring = append(ring, Point{p[0], p[1]})
			}
			rings = append(rings, ring)
		}
		name := "500x1000-polygons"
		if star {
			name = "500x1000-stars"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				for _, r := range rings {
					if _, _, bad := SelfIntersection(r); bad {
						b.Fatal("a simple ring found crossing")
					}
				}
			}
		})
	}
}

// BenchmarkZoneUploadChecks validates whole uploads: the largest the bounds
// admit, of the worst shapes (50 stars of 1,000 positions; 500 polygons of
// 100), a planogram's usual one (500 zones of 20), and the 500 x
// 1,000, which is now refused before any ring is checked.
func BenchmarkZoneUploadChecks(b *testing.B) {
	for _, bc := range []struct {
		name     string
		zones, n int
		star     bool
		refused  bool
	}{
		{"bound-50x1000-stars", 50, 1000, true, false},
		{"bound-500x100-polygons", 500, 100, false, false},
		{"500x20-polygons", 500, 20, false, false},
		{"500x1000-refused", 500, 1000, false, true},
	} {
		fc := uploadOf(bc.zones, bc.n, bc.star)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ZonesFromGeoJSON(fc); (err != nil) != bc.refused {
					b.Fatalf("refused: %v", err)
				}
			}
		})
	}
}

// An upload past the bounds is refused before its rings are checked: more
// than MaxZones zones, more than MaxZonePositions positions in all, a ring
// over maxRing positions; each 422 names its field. At the bounds it is
// accepted.
func TestZoneUploadBounds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		fc        *FeatureCollection
		field     string // "" when accepted
		itemField string
	}{
		{"501 zones", uploadOf(MaxZones+1, 5, false), "features", ""},
		{"500 zones of 101 positions", uploadOf(MaxZones, 101, false), "features", ""},
		{"500 zones of 100 positions", uploadOf(MaxZones, 100, false), "", ""},
		{"50 stars of 1,000 positions", uploadOf(50, maxRing, true), "", ""},
		{"a ring of 1,001 positions", uploadOf(1, maxRing+1, false), "", "geometry.coordinates"},
	} {
		_, err := ZonesFromGeoJSON(c.fc)
		var e *Error
		var be *BatchError
		switch {
		case c.field == "" && c.itemField == "":
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		case c.field != "":
			if !errors.As(err, &e) || e.Code != EINVALID || e.Field != c.field {
				t.Errorf("%s: %v, want invalid %s", c.name, err, c.field)
			}
		default:
			if !errors.As(err, &be) || len(be.Items) != 1 || be.Items[0].Field != c.itemField {
				t.Errorf("%s: %v, want item invalid %s", c.name, err, c.itemField)
			}
		}
	}
}

// nestedUpload is zones regular polygons of n positions around one centre,
// each inside the next: allowed (a zone may lie inside another), and the
// worst case for the overlap check, whose every pair's boxes meet.
func nestedUpload(zones, n int) []Zone {
	out := make([]Zone, zones)
	for i := range out {
		var ring []Point
		for _, p := range polygonRing(n-1, 50, 50, 1+float64(i), false) {
			ring = append(ring, Point{p[0], p[1]})
		}
		out[i] = Zone{Code: fmt.Sprintf("Z%d", i), Polygon: ring}
	}
	return out
}

// BenchmarkZoneOverlapChecks checks a store's zones against each other:
// nested rings, every pair's boxes meeting.
func BenchmarkZoneOverlapChecks(b *testing.B) {
	for _, bc := range []struct{ zones, n int }{{10, 1000}, {50, 1000}, {500, 100}, {500, 5}} {
		zs := nestedUpload(bc.zones, bc.n)
		b.Run(fmt.Sprintf("nested-%dx%d", bc.zones, bc.n), func(b *testing.B) {
			for b.Loop() {
				_ = CheckOverlaps(zs)
			}
		})
	}
}
