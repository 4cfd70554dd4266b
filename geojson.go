package shrinkscope

import (
	"bytes"
	"encoding/json"
	"fmt"
)

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

// The bounds of a zone upload, each answered by 422 naming its field. A
// planogram zone is a rectangle or an L of 5 to 20 positions, and the
// largest stores map a few hundred zones; the bounds leave room for traced
// shapes while keeping one upload's checks (each ring tested for
// self-intersection, zone.go) within a fraction of a second of one core at
// worst: docs/BENCHMARKS.md.
const (
	// MaxZones is the most zones one store's upload holds ("features").
	MaxZones = 500
	// MaxZonePositions is the most positions of all an upload's rings
	// together ("features"): 100 a zone on average at MaxZones. Each ring
	// is also at most maxRing positions ("geometry.coordinates").
	MaxZonePositions = 50_000
)

// ZonesFromGeoJSON validates a FeatureCollection whole and returns its zones;
// a *BatchError lists every bad feature.
func ZonesFromGeoJSON(fc *FeatureCollection) ([]Zone, error) {
	if fc.Type != "FeatureCollection" {
		return nil, Errorf(EINVALID, "type", "expected a GeoJSON FeatureCollection, got type %q", fc.Type)
	}
	if len(fc.Features) == 0 {
		return nil, Errorf(EINVALID, "features", "a store needs at least one zone")
	}
	if len(fc.Features) > MaxZones {
		return nil, Errorf(EINVALID, "features", "at most %d zones per store, got %d", MaxZones, len(fc.Features))
	}
	positions := 0
	for _, f := range fc.Features {
		for _, ring := range f.Geometry.Coordinates {
			positions += len(ring)
		}
	}
	if positions > MaxZonePositions {
		return nil, Errorf(EINVALID, "features", "at most %d positions in all of a store's zone polygons, got %d", MaxZonePositions, positions)
	}
	var be BatchError
	zones := make([]Zone, 0, len(fc.Features))
	seen := map[string]int{}
	lanes := map[string]int{}
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
		if j, dup := lanes[z.Lane]; dup && z.Lane != "" {
			be.Add(i, "properties.lane", "lane %q repeats feature %d: a lane names one checkout zone", z.Lane, j)
			continue
		}
		seen[z.Code] = i
		if z.Lane != "" {
			lanes[z.Lane] = i
		}
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

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s", JSONErrorMessage(err))
	}
	return nil
}
