package layout_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/layout"
)

// Every event is attributed to the version in force when it happened
// (layout_version_at), and ZonesAt returns that version's planogram.
func TestVersionsInForce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	lay := layout.New(pool)
	st := ss.Store{Code: "S1", Name: "One", Timezone: "Europe/Berlin", OperatingModel: ss.ModelDetection, Currency: "EUR",
		OpeningHours: ss.OpeningHours{"mon": {{"08:00", "20:00"}}}}
	if _, err := lay.PutStore(ctx, &st); err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	v1 := time.Date(2026, 3, 1, 0, 0, 0, 0, berlin)
	v2 := time.Date(2026, 4, 10, 0, 0, 0, 0, berlin)
	z := ss.Zone{Code: "Z1", Name: "Spirits", Kind: ss.KindAisle, Category: "spirits", UnitValue: 30, Polygon: ss.Rect(0, 0, 2, 2)}
	if _, err := lay.PutZones(ctx, "S1", []ss.Zone{z}, v1); err != nil {
		t.Fatal(err)
	}
	z.Visibility, z.Fixture, z.StaffedDistance = ss.VisibilityBlind, "locked_case", 14
	if _, err := lay.PutZones(ctx, "S1", []ss.Zone{z}, v2); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want int
	}{
		{v1.Add(-time.Second), 0}, {v1, 1}, {v2.Add(-time.Second), 1}, {v2, 2}, {v2.AddDate(1, 0, 0), 2},
	} {
		var got int
		if err := pool.QueryRow(ctx, `SELECT layout_version_at($1, $2)`, st.ID, c.at).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("version at %s = %d, want %d", c.at, got, c.want)
		}
	}
	// 9 April local is the day before the change: version 1, with defaults filled.
	props := func(v *layout.Version) ss.Zone {
		var z ss.Zone
		if err := json.Unmarshal(v.Zones.Features[0].Properties, &z); err != nil {
			t.Fatal(err)
		}
		return z
	}
	v, err := lay.ZonesAt(ctx, "S1", time.Date(2026, 4, 9, 0, 0, 0, 0, time.UTC))
	if err != nil || v.Version != 1 || !v.EffectiveFrom.Equal(v1) {
		t.Fatalf("9 April: %+v %v", v, err)
	}
	if z := props(v); z.Code != "Z1" || z.Fixture != "shelf" || z.Visibility != ss.VisibilityOpen || z.StaffedDistance != 0 {
		t.Errorf("9 April: %+v", z)
	}
	v, err = lay.ZonesAt(ctx, "S1", time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC))
	if err != nil || v.Version != 2 {
		t.Fatalf("10 April: %+v %v", v, err)
	}
	if z := props(v); z.Fixture != "locked_case" || z.Visibility != ss.VisibilityBlind || z.StaffedDistance != 14 {
		t.Errorf("10 April: %+v", z)
	}
	if _, err := lay.ZonesAt(ctx, "S1", time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)); ss.ErrorCode(err) != ss.ENOTFOUND {
		t.Errorf("before any layout: %v", err)
	}
	if err := lay.SetConfig(layout.Config{AfterDays: 3}); ss.ErrorCode(err) != ss.EINVALID {
		t.Errorf("AfterDays 3: %v", err)
	}
	if err := lay.SetConfig(layout.Config{Priors: map[string]layout.Prior{"paint": {1, 1}}}); ss.ErrorCode(err) != ss.EINVALID {
		t.Errorf("unknown kind prior: %v", err)
	}
}

// An implemented change updates the planogram: its layout version and the
// zones from then on carry what it changed, by its kind or as it says.
func TestChangesUpdateTheLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	lay := layout.New(pool)
	st := ss.Store{Code: "S1", Name: "One", Timezone: "Europe/London", OperatingModel: ss.ModelDetection, Currency: "GBP",
		OpeningHours: ss.OpeningHours{"mon": {{"08:00", "20:00"}}}}
	if _, err := lay.PutStore(ctx, &st); err != nil {
		t.Fatal(err)
	}
	london, _ := time.LoadLocation("Europe/London")
	zones := []ss.Zone{
		{Code: "Z1", Name: "Spirits", Kind: ss.KindAisle, Category: "spirits", UnitValue: 30, Polygon: ss.Rect(0, 0, 2, 2), Visibility: ss.VisibilityBlind, StaffedDistance: 20},
		{Code: "Z2", Name: "Grocery", Kind: ss.KindAisle, Category: "grocery", UnitValue: 4, Polygon: ss.Rect(3, 0, 5, 2), StaffedDistance: 3},
	}
	if _, err := lay.PutZones(ctx, "S1", zones, time.Date(2026, 1, 5, 0, 0, 0, 0, london)); err != nil {
		t.Fatal(err)
	}
	get := func(day string) map[string]ss.Zone {
		t.Helper()
		d, _ := time.Parse(time.DateOnly, day)
		v, err := lay.ZonesAt(ctx, "S1", d)
		if err != nil {
			t.Fatal(err)
		}
		zs, err := ss.ZonesFromGeoJSON(&v.Zones)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]ss.Zone{}
		for _, z := range zs {
			out[z.Code] = z
		}
		return out
	}
	change := func(in layout.ChangeInput) error {
		_, err := lay.CreateChange(ctx, "S1", "test", in)
		return err
	}
	if err := change(layout.ChangeInput{Zones: []string{"Z1"}, ImplementedAt: "2026-02-02", Kind: layout.KindProtective}); err != nil {
		t.Fatal(err)
	}
	if err := change(layout.ChangeInput{Zones: []string{"Z1"}, ImplementedAt: "2026-03-02", Kind: layout.KindSightlines}); err != nil {
		t.Fatal(err)
	}
	if err := change(layout.ChangeInput{Zones: []string{"Z1", "Z2"}, ImplementedAt: "2026-04-06", Kind: layout.KindSwap}); err != nil {
		t.Fatal(err)
	}
	two := 2.5
	if err := change(layout.ChangeInput{Zones: []string{"Z2"}, ImplementedAt: "2026-05-04", Kind: layout.KindToCheckout,
		Properties: map[string]layout.ZoneProperties{"Z2": {StaffedDistance: &two}}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		day                  string
		z1Fixture            string
		z1Vis                ss.Visibility
		z1Cat, z2Cat         string
		z1Value, z2Value, z2 float64
	}{
		{"2026-01-20", "shelf", ss.VisibilityBlind, "spirits", "grocery", 30, 4, 3},
		{"2026-02-02", "locked_case", ss.VisibilityBlind, "spirits", "grocery", 30, 4, 3},
		{"2026-03-02", "locked_case", ss.VisibilityOpen, "spirits", "grocery", 30, 4, 3},
		{"2026-04-06", "locked_case", ss.VisibilityOpen, "grocery", "spirits", 4, 30, 3},
		{"2026-05-04", "locked_case", ss.VisibilityOpen, "grocery", "spirits", 4, 30, 2.5},
	} {
		z := get(c.day)
		z1, z2 := z["Z1"], z["Z2"]
		if z1.Fixture != c.z1Fixture || z1.Visibility != c.z1Vis || z1.Category != c.z1Cat || z2.Category != c.z2Cat ||
			z1.UnitValue != c.z1Value || z2.UnitValue != c.z2Value || z2.StaffedDistance != c.z2 {
			t.Errorf("%s: Z1 %s/%s/%s/%g, Z2 %s/%g/%g m; want %s/%s/%s/%g, %s/%g/%g m", c.day, z1.Fixture, z1.Visibility, z1.Category, z1.UnitValue,
				z2.Category, z2.UnitValue, z2.StaffedDistance, c.z1Fixture, c.z1Vis, c.z1Cat, c.z1Value, c.z2Cat, c.z2Value, c.z2)
		}
	}
	// The current zones are the last version's.
	cur, err := lay.Zones(ctx, "S1")
	if err != nil || cur[0].Category != "grocery" || cur[1].StaffedDistance != 2.5 {
		t.Errorf("current zones %+v, %v", cur, err)
	}
	// A property of a zone outside the change, or out of range: 422 naming it, nothing stored.
	bad := -1.0
	for _, c := range []struct {
		in    layout.ChangeInput
		field string
	}{
		{layout.ChangeInput{Zones: []string{"Z2"}, ImplementedAt: "2026-06-01", Kind: layout.KindRelocate,
			Properties: map[string]layout.ZoneProperties{"Z1": {StaffedDistance: &two}}}, "properties.Z1"},
		{layout.ChangeInput{Zones: []string{"Z2"}, ImplementedAt: "2026-06-01", Kind: layout.KindRelocate,
			Properties: map[string]layout.ZoneProperties{"Z2": {StaffedDistance: &bad}}}, "properties.Z2.staffed_distance_m"},
	} {
		if err := change(c.in); ss.ErrorCode(err) != ss.EINVALID || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%+v: %v, want invalid %s", c.in.Properties, err, c.field)
		}
	}
	changes, _ := lay.Changes(ctx, "S1")
	if len(changes) != 4 {
		t.Errorf("%d changes stored, want 4", len(changes))
	}
}
