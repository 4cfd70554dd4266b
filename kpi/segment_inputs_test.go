package kpi_test

import (
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// A three-store estate whose data ends before the window: no store is
// recommended anything; each is marked with what the window held. The window
// that does hold the data counts its span from the first to the last day.
func TestSegmentsReadTheWindow(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	models := []ss.OperatingModel{ss.ModelSOC, ss.ModelCheckout, ss.ModelDetection}
	for i, code := range []string{"S1", "S2", "S3"} {
		w.store(code, "UTC", models[i], zone("Z1", "food", 10, 0))
	}
	start := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC) // a Monday: the test stores open Mondays only
	for d := 0; d < 5; d++ {
		at := start.AddDate(0, 0, 7*d)
		w.footfall("S1", "", at.Truncate(time.Hour), 500)
		w.event("S1", "Z1", at, 0)
	}
	w.refresh()
	segs, err := w.kpis.Segments(w.ctx, day("2025-09-01"), day("2025-11-29"), nil, kpi.SegmentConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 3 {
		t.Fatalf("%d segments", len(segs))
	}
	for _, s := range segs {
		if s.Status != kpi.SegmentInsufficient || s.Recommended != "" || s.Returns != nil || s.Data.Days != 0 || s.Data.NeededDays != 28 {
			t.Errorf("%s: %+v", s.Store, s)
		}
	}
	// 2 June to 30 June is 29 days with data at both ends; 5 concealments < 20.
	segs, err = w.kpis.Segments(w.ctx, day("2025-06-01"), day("2025-08-29"), []string{"S1"}, kpi.SegmentConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 1 || segs[0].Store != "S1" || segs[0].Data.Days != 29 || segs[0].Data.Events != 5 || segs[0].Status != kpi.SegmentInsufficient {
		t.Errorf("S1 %+v", segs)
	}
	// With the bar at 5 concealments the store is decided.
	segs, err = w.kpis.Segments(w.ctx, day("2025-06-01"), day("2025-08-29"), []string{"S1"}, kpi.SegmentConfig{MinEvents: 5})
	if err != nil || segs[0].Status != kpi.SegmentOK || segs[0].Recommended == "" || len(segs[0].Returns) != 3 {
		t.Errorf("S1 with MinEvents 5: %+v (%v)", segs, err)
	}
	for _, c := range []struct {
		from, to, field string
	}{{"2025-06-10", "2025-06-01", "to"}, {"2025-06-01", "2025-06-03", "days"}, {"2020-01-01", "2025-06-03", "days"}} {
		_, err := w.kpis.Segments(w.ctx, day(c.from), day(c.to), nil, kpi.SegmentConfig{})
		if e, ok := err.(*ss.Error); !ok || e.Field != c.field {
			t.Errorf("%s..%s: %v, want field %s", c.from, c.to, err, c.field)
		}
	}
}
