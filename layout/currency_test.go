package layout_test

import (
	"context"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/layout"
)

// Stores made before stores had a currency get the configured default
// once; stores that have one keep it. A zone's unit value is in the
// store's minor units.
func TestAdoptCurrency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	lay := layout.New(pool)
	st := ss.Store{Code: "S1", Name: "One", Timezone: "Asia/Tokyo", OperatingModel: ss.ModelDetection, Currency: "JPY",
		OpeningHours: ss.OpeningHours{"mon": {{"08:00", "20:00"}}}}
	if _, err := lay.PutStore(ctx, &st); err != nil {
		t.Fatal(err)
	}
	// As migration 00028 leaves a store that existed before it.
	if _, err := pool.Exec(ctx, `INSERT INTO stores (code, name, region, timezone, opening_hours, urban_density, theft_index, staffing_capacity, operating_model)
VALUES ('OLD', 'Old', '', 'Europe/Paris', '{"mon":[["08:00","20:00"]]}', 1, 1, 1, 'detection')`); err != nil {
		t.Fatal(err)
	}
	if _, err := lay.AdoptCurrency(ctx, "EURO"); err == nil {
		t.Error("adopted a currency that is not one")
	}
	n, err := lay.AdoptCurrency(ctx, "EUR")
	if err != nil || n != 1 {
		t.Fatalf("adopted %d stores (%v), want 1", n, err)
	}
	if n, _ := lay.AdoptCurrency(ctx, "USD"); n != 0 {
		t.Errorf("second adoption set %d stores", n)
	}
	for code, want := range map[string]ss.Currency{"S1": "JPY", "OLD": "EUR"} {
		got, err := lay.Store(ctx, code)
		if err != nil || got.Currency != want {
			t.Errorf("%s currency %v (%v), want %s", code, got, err, want)
		}
	}
	half := ss.Zone{Code: "Z1", Name: "Toys", Kind: ss.KindAisle, Category: "toys", UnitValue: 999.5, Polygon: ss.Rect(0, 0, 2, 2)}
	_, err = lay.PutZones(ctx, "S1", []ss.Zone{half}, time.Time{})
	if e, ok := err.(*ss.Error); !ok || e.Field != "features[0].properties.unit_value" {
		t.Errorf("a zone worth 999.5 JPY: %v", err)
	}
}
