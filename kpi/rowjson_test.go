package kpi

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Row.MarshalJSON writes what encoding/json writes for the same fields.
func TestRowJSONMatchesReflection(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	i := func(v int64) *int64 { return &v }
	how := 37
	rows := []Row{
		{Key: Key{Store: "S001", Zone: "Z<&>\"é\u2028\x01"}, Figures: Figures{Events: 12, Visitors: i(3456), RatePer1k: f(3.4722222222222223),
			EstLoss: 123.45, RecoveredValue: 0, Recovered: 2, Lost: 1, RecoveryRate: f(2.0 / 3), ResponseP50: f(41.3),
			HotspotIndex: f(1e-7), Sales: f(1e22), ShrinkPct: f(-0.5)},
			Previous: &Figures{Events: 3}, Change: Changes{Events: f(9), EstLoss: f(-1.5e-9)},
			Targets: map[string]Verdict{"rate_per_1k": {Op: "<=", Value: 0.8, Met: ptrBool(false)}}},
		{Key: Key{HourOfWeek: &how}},
		{Key: Key{Region: "north", Day: "2026-10-01", Week: "2026-09-28", Category: "spirits"}, Previous: nil},
	}
	type plain Row // no MarshalJSON
	for _, r := range rows {
		fast, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		slow, err := json.Marshal(plain(r))
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if err := json.Unmarshal(fast, &a); err != nil {
			t.Fatalf("%s: %v", fast, err)
		}
		if err := json.Unmarshal(slow, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("MarshalJSON\n%s\nencoding/json\n%s", fast, slow)
		}
	}
}

func ptrBool(v bool) *bool { return &v }
