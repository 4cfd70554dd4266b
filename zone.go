package shrinkscope

import "math"

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
	// Lane is the till's id as the point of sale knows it, for a zone of
	// kind checkout (ValidCode's alphabet); the lane API answers by it.
	// Empty: a checkout zone no point of sale asks about (every soc or
	// detection store's checkouts, and a checkout store's self-service
	// area); any other kind has none.
	Lane string `json:"lane,omitempty"`
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
	if err := CheckText("properties.name", z.Name, 200); err != nil {
		return err
	}
	if !z.Kind.Valid() {
		return Errorf(EINVALID, "properties.kind", "zone kind %q is not one of %v", z.Kind, zoneKinds)
	}
	if z.Category == "" {
		return Errorf(EINVALID, "properties.category", "category is required (at most 64 characters)")
	}
	if err := CheckText("properties.category", z.Category, 64); err != nil {
		return err
	}
	if !(z.UnitValue >= 0) || z.UnitValue > 1e6 {
		return Errorf(EINVALID, "properties.unit_value", "unit_value must be between 0 and 1000000, got %v", z.UnitValue)
	}
	if err := CheckText("properties.fixture", z.Fixture, 64); err != nil {
		return err
	}
	switch z.Visibility {
	case "", VisibilityOpen, VisibilityPartial, VisibilityBlind:
	default:
		return Errorf(EINVALID, "properties.visibility", "visibility must be open, partial or blind_spot, got %q", z.Visibility)
	}
	if !(z.StaffedDistance >= 0) || z.StaffedDistance > 1e4 {
		return Errorf(EINVALID, "properties.staffed_distance_m", "staffed_distance_m must be between 0 and 10000 metres, got %v", z.StaffedDistance)
	}
	if z.Lane != "" {
		if z.Kind != KindCheckout {
			return Errorf(EINVALID, "properties.lane", "lane applies only to zones of kind checkout, not %q", z.Kind)
		}
		if !ValidCode(z.Lane) {
			return Errorf(EINVALID, "properties.lane", "lane %q must be 1-64 letters, digits, '_', '.', '-'", z.Lane)
		}
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
	if len(ring) > maxRing {
		return Errorf(EINVALID, "geometry.coordinates", "a polygon ring has at most %d positions, got %d", maxRing, len(ring))
	}
	for _, p := range ring {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[0]) > 1e4 || math.Abs(p[1]) > 1e4 {
			return Errorf(EINVALID, "geometry.coordinates", "positions are floor metres within ±10000, got %v", p)
		}
	}
	if math.Abs(RingArea(ring)) < 1e-6 {
		return Errorf(EINVALID, "geometry.coordinates", "polygon has zero area")
	}
	if i, j, bad := SelfIntersection(ring); bad {
		return Errorf(EINVALID, "geometry.coordinates", "polygon edges %d and %d cross or touch: a zone must be a simple polygon", i, j)
	}
	return nil
}

// maxRing bounds a ring's positions: the self-intersection check sweeps
// the edges' boxes, which costs n log n on a zone's usual shapes but up to
// n²/2 box comparisons when every box overlaps every other (a star), so
// the ring's size and MaxZonePositions bound that worst case.
const maxRing = 1000
