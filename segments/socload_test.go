package segments

import (
	"strings"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

// With the store's SOC workload (the week's Erlang C operator hours from its
// forecast and its operator rate) the SOC is priced on it, not on the shared
// SOC: handEstate's B at 100 operator hours a week and 12 an hour pays for
// 100 × 365/7 = 5,214.3 hours a year, 62,571.60, with its responder's 2,628
// hours at 20 (52,560): cost 10,000 + 115,131.60 = 125,131.60, net 292,000 −
// 125,131.60 − 1,000 (friction) = 165,868.40, below checkout's 183,416.60.
func TestSOCPricedOnTheStoresWorkload(t *testing.T) {
	t.Parallel()
	in := handEstate()
	for i := range in {
		in[i].SOC = &SOCWorkload{Week: "2026-01-05", OperatorHours: 100, OperatorHourly: 12}
	}
	b := Decide(in, 365, handCfg)[1]
	soc := b.Returns[ss.ModelSOC]
	if !segNear(soc.OperatorHours, 5214.3, 1e-9) || !segNear(soc.StaffingCost, 115_131.6, 0.005) || !segNear(soc.Cost, 125_131.6, 0.005) ||
		!segNear(soc.Net, 165_868.4, 0.005) || b.Recommended != ss.ModelCheckout {
		t.Errorf("B's SOC %+v, recommended %s", soc, b.Recommended)
	}
	if bs := b.Basis; bs.SOCWeek != "2026-01-05" || bs.SOCOperatorHoursWeek == nil || *bs.SOCOperatorHoursWeek != 100 ||
		bs.SOCOperatorHourly == nil || *bs.SOCOperatorHourly != 12 || bs.SOCPoolOperators != 0 || bs.SOCPoolAlertsPerHr != 0 {
		t.Errorf("basis %+v", bs)
	}
	// No shared SOC, so the limited sentence does not claim one.
	if l := b.Limited().Rationale; !strings.Contains(l, "priced on the estate's pooled rates; those figures") {
		t.Errorf("limited rationale %q", l)
	}
}
