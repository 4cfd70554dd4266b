package shrinkscope

import (
	"encoding/json"
	"fmt"
	"math"
)

// ZoneKind is what part of the floor a zone is.
type ZoneKind string

// Zone kinds.
const (
	KindAisle    ZoneKind = "aisle"
	KindEndcap   ZoneKind = "endcap"
	KindPromo    ZoneKind = "promo"
	KindCounter  ZoneKind = "counter"
	KindCheckout ZoneKind = "checkout"
	KindEntrance ZoneKind = "entrance"
	KindFitting  ZoneKind = "fitting_room"
	KindOther    ZoneKind = "other"
)

var zoneKinds = []ZoneKind{KindAisle, KindEndcap, KindPromo, KindCounter, KindCheckout, KindEntrance, KindFitting, KindOther}

// Valid reports whether k is a known zone kind.
func (k ZoneKind) Valid() bool {
	for _, z := range zoneKinds {
		if z == k {
			return true
		}
	}
	return false
}

// Point is a floor position in metres from the plan's origin.
type Point [2]float64

// Zone is a planogram zone: a polygon of the floor plan (metres) with the
// merchandise category it holds and that category's typical unit value.
type Zone struct {
	ID        int64    `json:"-"`
	StoreID   int64    `json:"-"`
	Code      string   `json:"id"`
	Name      string   `json:"name"`
	Kind      ZoneKind `json:"kind"`
	Category  string   `json:"category"`
	UnitValue float64  `json:"unit_value"`
	Polygon   []Point  `json:"-"` // outer ring, closed (first point == last point)

	// Fixture is what holds the goods (shelf, peg, cabinet, locked_case, …);
	// empty means shelf.
	Fixture string `json:"fixture,omitempty"`
	// Visibility is how well staff and cameras see the zone; empty means open.
	Visibility Visibility `json:"visibility,omitempty"`
	// StaffedDistance is the walking distance in metres to the nearest
	// staffed point (till, desk, guard post).
	StaffedDistance float64 `json:"staffed_distance_m,omitempty"`
}

// Visibility is how well a zone is seen from staffed points and cameras.
type Visibility string

// Visibilities.
const (
	VisibilityOpen    Visibility = "open"
	VisibilityPartial Visibility = "partial"
	VisibilityBlind   Visibility = "blind_spot"
)

// WithDefaults fills the optional planogram properties: shelf, open.
func (z Zone) WithDefaults() Zone {
	if z.Fixture == "" {
		z.Fixture = "shelf"
	}
	if z.Visibility == "" {
		z.Visibility = VisibilityOpen
	}
	return z
}

// Validate checks the zone's properties and polygon.
func (z *Zone) Validate() error {
	if !ValidCode(z.Code) {
		return Errorf(EINVALID, "properties.id", "zone id %q must be 1-64 letters, digits, '_', '.', '-'", z.Code)
	}
	if z.Name == "" {
		return Errorf(EINVALID, "properties.name", "zone name is required")
	}
	if !z.Kind.Valid() {
		return Errorf(EINVALID, "properties.kind", "zone kind %q is not one of %v", z.Kind, zoneKinds)
	}
	if z.Category == "" || len(z.Category) > 64 {
		return Errorf(EINVALID, "properties.category", "category is required (at most 64 characters)")
	}
	if !(z.UnitValue >= 0) || z.UnitValue > 1e6 {
		return Errorf(EINVALID, "properties.unit_value", "unit_value must be between 0 and 1000000, got %v", z.UnitValue)
	}
	if len(z.Fixture) > 64 {
		return Errorf(EINVALID, "properties.fixture", "fixture is at most 64 characters")
	}
	switch z.Visibility {
	case "", VisibilityOpen, VisibilityPartial, VisibilityBlind:
	default:
		return Errorf(EINVALID, "properties.visibility", "visibility must be open, partial or blind_spot, got %q", z.Visibility)
	}
	if !(z.StaffedDistance >= 0) || z.StaffedDistance > 1e4 {
		return Errorf(EINVALID, "properties.staffed_distance_m", "staffed_distance_m must be between 0 and 10000 metres, got %v", z.StaffedDistance)
	}
	return validRing(z.Polygon)
}

func validRing(ring []Point) error {
	if len(ring) < 4 {
		return Errorf(EINVALID, "geometry.coordinates", "a polygon ring needs at least 4 positions (closed), got %d", len(ring))
	}
	if ring[0] != ring[len(ring)-1] {
		return Errorf(EINVALID, "geometry.coordinates", "a polygon ring must be closed: first and last positions equal")
	}
	for _, p := range ring {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[0]) > 1e4 || math.Abs(p[1]) > 1e4 {
			return Errorf(EINVALID, "geometry.coordinates", "positions are floor metres within ±10000, got %v", p)
		}
	}
	if math.Abs(RingArea(ring)) < 1e-6 {
		return Errorf(EINVALID, "geometry.coordinates", "polygon has zero area")
	}
	return nil
}

// RingArea is the signed shoelace area of a closed ring, in square metres.
func RingArea(ring []Point) float64 {
	var a float64
	for i := 0; i+1 < len(ring); i++ {
		a += ring[i][0]*ring[i+1][1] - ring[i+1][0]*ring[i][1]
	}
	return a / 2
}

// FeatureCollection is the GeoJSON document that carries a store's zones.
type FeatureCollection struct {
	Type     string    `json:"type"`
	Features []Feature `json:"features"`
}

// Feature is one GeoJSON feature: a zone.
type Feature struct {
	Type       string          `json:"type"`
	Geometry   Geometry        `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

// Geometry is a GeoJSON Polygon geometry.
type Geometry struct {
	Type        string        `json:"type"`
	Coordinates [][][]float64 `json:"coordinates"`
}

// ZonesFromGeoJSON validates a FeatureCollection whole and returns its zones;
// a *BatchError lists every bad feature.
func ZonesFromGeoJSON(fc *FeatureCollection) ([]Zone, error) {
	if fc.Type != "FeatureCollection" {
		return nil, Errorf(EINVALID, "type", "expected a GeoJSON FeatureCollection, got type %q", fc.Type)
	}
	if len(fc.Features) == 0 {
		return nil, Errorf(EINVALID, "features", "a store needs at least one zone")
	}
	if len(fc.Features) > 500 {
		return nil, Errorf(EINVALID, "features", "at most 500 zones per store, got %d", len(fc.Features))
	}
	var be BatchError
	zones := make([]Zone, 0, len(fc.Features))
	seen := map[string]int{}
	for i, f := range fc.Features {
		z, err := zoneFromFeature(&f)
		if err != nil {
			e := err.(*Error)
			be.Add(i, e.Field, "%s", e.Message)
			continue
		}
		if j, dup := seen[z.Code]; dup {
			be.Add(i, "properties.id", "zone id %q repeats feature %d", z.Code, j)
			continue
		}
		seen[z.Code] = i
		zones = append(zones, z)
	}
	return zones, be.Err()
}

func zoneFromFeature(f *Feature) (Zone, error) {
	var z Zone
	if f.Type != "Feature" {
		return z, Errorf(EINVALID, "type", "expected type Feature, got %q", f.Type)
	}
	if f.Geometry.Type != "Polygon" {
		return z, Errorf(EINVALID, "geometry.type", "zone geometry must be a Polygon, got %q", f.Geometry.Type)
	}
	if len(f.Geometry.Coordinates) != 1 {
		return z, Errorf(EINVALID, "geometry.coordinates", "a zone polygon has exactly one ring (no holes), got %d", len(f.Geometry.Coordinates))
	}
	for _, pos := range f.Geometry.Coordinates[0] {
		if len(pos) != 2 {
			return z, Errorf(EINVALID, "geometry.coordinates", "positions are [x, y] in metres, got %v", pos)
		}
		z.Polygon = append(z.Polygon, Point{pos[0], pos[1]})
	}
	if len(f.Properties) == 0 {
		return z, Errorf(EINVALID, "properties", "properties are required")
	}
	if err := decodeStrict(f.Properties, &z); err != nil {
		return z, Errorf(EINVALID, "properties", "%v", err)
	}
	return z, z.Validate()
}

// GeoJSON renders zones back as a FeatureCollection.
func GeoJSON(zones []Zone) FeatureCollection {
	fc := FeatureCollection{Type: "FeatureCollection", Features: []Feature{}}
	for _, z := range zones {
		ring := make([][]float64, len(z.Polygon))
		for i, p := range z.Polygon {
			ring[i] = []float64{p[0], p[1]}
		}
		props, _ := json.Marshal(z)
		fc.Features = append(fc.Features, Feature{Type: "Feature", Geometry: Geometry{Type: "Polygon", Coordinates: [][][]float64{ring}}, Properties: props})
	}
	return fc
}

// Rect returns a closed rectangular ring with corners (x0,y0) and (x1,y1).
func Rect(x0, y0, x1, y1 float64) []Point {
	return []Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytesReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s", JSONErrorMessage(err))
	}
	return nil
}
