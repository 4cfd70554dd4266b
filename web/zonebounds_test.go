package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/web"
)

// The upload, 500 zones of 1,000 positions each, is refused at
// once with 422 naming features (it once took 10.9 s to check and store);
// the previous layout stays.
func TestZoneUploadPastTheBoundsIsRefused(t *testing.T) {
	t.Parallel()
	f := setupWith(t, dbtest.New(t), web.Options{MaxBodyBytes: 64 << 20})
	features := make([]map[string]any, 500)
	for i := range features {
		ring := make([][]float64, 0, 1000)
		for k := range 999 {
			a := 2 * math.Pi * float64(k) / 999
			ring = append(ring, []float64{float64(i%25)*10 + 5 + 4.5*math.Cos(a), float64(i/25)*10 + 5 + 4.5*math.Sin(a)})
		}
		ring = append(ring, ring[0])
		features[i] = map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}},
			"properties": map[string]any{"id": fmt.Sprintf("Z%d", i), "name": "zone", "kind": "aisle", "category": "c", "unit_value": 1}}
	}
	body, _ := json.Marshal(zonesJSON(features...))
	start := time.Now()
	r := f.do("PUT", "/api/v1/stores/S1/zones", f.admin, body)
	if r.Status != http.StatusUnprocessableEntity || r.errField() != "features" {
		t.Fatalf("500 x 1,000 positions: %d %.300s", r.Status, r.Raw)
	}
	t.Logf("%d bytes refused in %s", len(body), time.Since(start))
	if got := f.mustStatus(200, "GET", "/api/v1/stores/S1/zones", f.admin, nil).Body["features"].([]any); len(got) != 2 {
		t.Errorf("S1 has %d zones after the refused upload, want its 2", len(got))
	}
}
