package web

import (
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/segments"
)

// segmentRecords keeps, per store, the latest tier and recommendation, the
// first day each has held since, and the one before.
func TestSegmentRecords(t *testing.T) {
	snaps := []segments.Snapshot{
		{Day: "2026-11-01", Store: "A", Status: segments.StatusInsufficient},
		{Day: "2026-11-02", Store: "A", Tier: "medium", Recommended: ss.ModelDetection},
		{Day: "2026-11-03", Store: "A", Tier: "high", Recommended: ss.ModelDetection},
		{Day: "2026-11-04", Store: "A", Tier: "high", Recommended: ss.ModelSOC},
		{Day: "2026-11-05", Store: "A", Tier: "high", Recommended: ss.ModelSOC},
		{Day: "2026-11-04", Store: "B", Tier: "low", Recommended: ss.ModelDetection},
		{Day: "2026-11-05", Store: "B", Tier: "low", Recommended: ss.ModelDetection},
	}
	got := segmentRecords(snaps)
	a, b := got["A"], got["B"]
	if a == nil || b == nil || len(got) != 2 {
		t.Fatalf("records %v", got)
	}
	if a.First != "2026-11-01" || a.Tier != "high" || a.TierSince != "2026-11-03" || a.TierWas != "medium" || !a.TierChanged() {
		t.Errorf("A's tier: %+v", a)
	}
	if a.Model != ss.ModelSOC || a.ModelSince != "2026-11-04" || a.ModelWas != ss.ModelDetection || !a.ModelChanged() {
		t.Errorf("A's model: %+v", a)
	}
	if b.First != "2026-11-04" || b.Tier != "low" || b.TierChanged() || b.ModelChanged() || b.TierSince != "2026-11-04" {
		t.Errorf("B: %+v", b)
	}
}
