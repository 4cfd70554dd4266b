package kpi_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/shrinkscope/shrinkscope/kpi"
)

// oldRowJSON is how a row was written before Row.MarshalJSON joined its
// parts as bytes: the key, the figures inline, then a struct of the
// previous period, the change, the reason and the targets.
func oldRowJSON(t *testing.T, r kpi.Row) []byte {
	t.Helper()
	head, err := json.Marshal(struct {
		Key kpi.Key `json:"key"`
	}{r.Key})
	if err != nil {
		t.Fatal(err)
	}
	fig, err := r.Figures.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	tail, err := json.Marshal(struct {
		Previous     *kpi.Figures           `json:"previous"`
		Change       *kpi.Changes           `json:"change"`
		ChangeReason string                 `json:"change_reason,omitempty"`
		Targets      map[string]kpi.Verdict `json:"targets,omitempty"`
	}{r.Previous, r.Change, r.ChangeReason, r.Targets})
	if err != nil {
		t.Fatal(err)
	}
	out := append(append([]byte{}, head[:len(head)-1]...), ',')
	out = append(append(out, fig[1:len(fig)-1]...), ',')
	return append(out, tail[1:]...)
}

// A row's JSON is byte for byte what it was, and AppendRowsJSON writes
// what encoding/json writes for the rows: with and without a previous
// period, a change, a reason or targets, keys that need escaping (HTML
// too, as encoding/json escapes them) and an hour of week.
func TestRowsJSON(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	n := func(v int64) *int64 { return &v }
	how := 0
	rows := []kpi.Row{
		{Key: kpi.Key{Store: "S001", Region: "North"}, Figures: kpi.Figures{Events: 3, Visitors: n(1200), RatePer1k: f(2.5), EstLoss: 12.5},
			Previous: &kpi.Figures{Events: 1, EstLoss: 4}, Change: &kpi.Changes{Events: f(2)}},
		{Key: kpi.Key{Category: `<b>"Spirits" & more</b>`}, Figures: kpi.Figures{Events: 0}, ChangeReason: "no_previous"},
		{Key: kpi.Key{HourOfWeek: &how}, Figures: kpi.Figures{Events: 7, EstLoss: 0.1},
			Targets: map[string]kpi.Verdict{"events": {Op: "<=", Value: 5, JudgedAgainst: 5}, "est_loss": {Op: "<=", Value: 1, Period: "day", Periods: f(1), Days: f(1), JudgedAgainst: 1}}},
		{Key: kpi.Key{Zone: "Z\u2028\x01"}},
	}
	for i, r := range rows {
		got, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if want := oldRowJSON(t, r); !bytes.Equal(got, want) {
			t.Errorf("row %d:\ngot  %s\nwant %s", i, got, want)
		}
	}
	for _, rs := range [][]kpi.Row{rows, rows[:1], nil} {
		got, err := kpi.AppendRowsJSON([]byte("x"), rs)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(rs)
		if err != nil {
			t.Fatal(err)
		}
		if rs == nil {
			want = []byte("[]") // the rows of an answer are never null
		}
		if !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Errorf("%d rows:\ngot  %s\nwant x%s", len(rs), got, want)
		}
	}
}
