package layout_test

import (
	"context"
	"encoding/json"
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
