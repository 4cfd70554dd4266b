package segments

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// On the hand estate (segment_test.go) a token for B alone sees B's
// decision without a figure drawn from A or C. Unlimited, B's basis names
// the shared SOC's load, 2,000 alerts a year over 8,760 hours = 0.228 an
// hour, of which B's own 1,000 are half: C's alert rate follows by
// subtraction (0.114 an hour). Limited, none of it is there.
func TestLimitedHandEstate(t *testing.T) {
	t.Parallel()
	got := Decide(handEstate(), 365, handCfg)
	if got[1].Basis == nil || got[1].Basis.SOCPoolAlertsPerHr != 0.228 {
		t.Fatalf("B's unlimited basis %+v, want the SOC pool's 0.228 alerts an hour", got[1].Basis)
	}
	want := map[string]string{
		// Risk index 0.35·z(rate) + 0.25·z(loss per visitor) − 0.05·z(staffing):
		// rates 9, 8, 9.9 per 1,000, losses 2, 1.5, 0.297 per visitor, staffing
		// 0.8, 1.2, 1.0 give A 0.33, B −0.42, C 0.08: A high, C medium, B low.
		"A": "High risk against the estate's stores. Checkout validation has the best net return of the models the store can run, " +
			"priced on the estate's pooled rates and its shared SOC; those figures draw on other stores, so a token limited to some stores is shown the decision without them. " +
			"A SOC is not possible: staffing capacity 0.80 is below the 0.90 a SOC needs to act on its alerts.",
		"B": "Low risk against the estate's stores. A SOC has the best net return of the models the store can run, " +
			"priced on the estate's pooled rates and its shared SOC; those figures draw on other stores, so a token limited to some stores is shown the decision without them.",
		"C": "Medium risk against the estate's stores. No model pays here: none nets a positive return, " +
			"priced on the estate's pooled rates and its shared SOC; those figures draw on other stores, so a token limited to some stores is shown the decision without them.",
	}
	for _, g := range got {
		l := g.Limited()
		if l.Rationale != want[g.Store] {
			t.Errorf("%s: rationale\n%q\nwant\n%q", g.Store, l.Rationale, want[g.Store])
		}
		if l.Tier != g.Tier || l.Recommended != g.Recommended || l.Mismatch != g.Mismatch || l.Status != g.Status || !l.EstateWithheld {
			t.Errorf("%s: limited decision %+v, unlimited %+v", g.Store, l, g)
		}
		b, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"risk_index", "percentile", "factors", "basis", "returns"} {
			if _, ok := m[k]; ok {
				t.Errorf("%s: limited segment has %s: %s", g.Store, k, b)
			}
		}
		if m["estate_figures_withheld"] != true {
			t.Errorf("%s: estate_figures_withheld missing: %s", g.Store, b)
		}
	}
}

// Whatever the stores outside the scope hold, a store inside it gets the
// same limited answer, byte for byte, unless the estate's decision for it
// (tier or model) changes: no figure of theirs can be read from it. The
// unlimited answers do change (checked, so the test can tell), which is
// what a limited token must not see.
func TestLimitedIgnoresOtherStores(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(23, 5))
	same, changedUnderneath := 0, 0
	for trial := range 600 {
		in := randomEstate(r)
		if len(in) < 2 {
			continue
		}
		k := 1 + r.IntN(len(in)-1) // the first k stores are the scope
		other := append([]Input(nil), in...)
		redraw := randomEstate(r)
		for i := k; i < len(other); i++ {
			s := redraw[r.IntN(len(redraw))]
			s.Store = other[i].Store
			other[i] = s
		}
		cfg := Config{}
		if trial%2 == 1 {
			cfg = handCfg
		}
		a, b := Decide(in, 90, cfg), Decide(other, 90, cfg)
		for i := range k {
			if a[i].Status != b[i].Status || a[i].Tier != b[i].Tier || a[i].Recommended != b[i].Recommended {
				continue // the estate's decision moved: that much is meant to show
			}
			la, _ := json.Marshal(a[i].Limited())
			lb, _ := json.Marshal(b[i].Limited())
			if string(la) != string(lb) {
				t.Fatalf("trial %d store %s: the limited answer depends on other stores:\n%s\n%s", trial, in[i].Store, la, lb)
			}
			same++
			fa, _ := json.Marshal(a[i])
			fb, _ := json.Marshal(b[i])
			if string(fa) != string(fb) {
				changedUnderneath++
			}
			if a[i].Status == StatusOK && (strings.Contains(string(la), "median") || strings.Contains(string(la), " stores)")) {
				t.Fatalf("trial %d store %s: %s", trial, in[i].Store, la)
			}
		}
	}
	if same < 200 || changedUnderneath < 100 {
		t.Errorf("only %d comparisons held the decision, %d of them with different unlimited answers: the test shows little", same, changedUnderneath)
	}
	t.Logf("%d comparisons, %d where the unlimited answer changed and the limited one did not", same, changedUnderneath)
}
