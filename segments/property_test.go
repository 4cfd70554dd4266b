package segments

import (
	"math/rand/v2"
	"strings"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

// randomEstate draws an estate of 1–9 stores whose figures are consistent
// (paid + interventions + lost ≤ events ≤ detections) but otherwise anything:
// empty stores, stores with no outcomes, 24-hour and part-week stores.
func randomEstate(r *rand.Rand) []Input {
	models := []ss.OperatingModel{ss.ModelSOC, ss.ModelCheckout, ss.ModelDetection}
	in := make([]Input, 1+r.IntN(9))
	for i := range in {
		det := float64(r.IntN(6000))
		if r.IntN(6) == 0 {
			det = float64(r.IntN(30))
		}
		fp := float64(r.IntN(int(det)/3 + 1))
		ev := det - fp
		paid := float64(r.IntN(int(ev)/2 + 1))
		inter := float64(r.IntN(int(ev-paid) + 1))
		lost := float64(r.IntN(int(ev-paid-inter) + 1))
		s := Input{
			Store: string(rune('A' + i)), Current: models[r.IntN(3)],
			Profile: ss.Profile{UrbanDensity: 0.3 + 2*r.Float64(), TheftIndex: 0.3 + 2*r.Float64(), StaffingCapacity: 0.3 + 1.5*r.Float64()},
			Days:    r.IntN(91), WeeklyOpenHours: float64(40 + r.IntN(129)), Visitors: float64(r.IntN(2_000_000)),
			Detections: det, Events: ev, FalsePositives: fp, Paid: paid, Interventions: inter, Lost: lost,
			Blocked: float64(r.IntN(int(inter) + 1)), ConcealedValue: ev * (5 + 60*r.Float64()),
		}
		s.EstLoss = s.ConcealedValue * r.Float64()
		in[i] = s
	}
	return in
}

// No answer's choice or sentence disagrees with the returns it shows.
func TestSegmentPropertyChoiceAgreesWithReturns(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(9, 10))
	for trial := range 400 {
		in := randomEstate(r)
		cfg := Config{}
		if trial%3 == 1 {
			cfg = handCfg
		}
		if trial%5 == 2 {
			cfg.OperatorHourly, cfg.FalseInterventionCost = 60, 1 // make the SOC dear and friction cheap
		}
		d := cfg.withDefaults()
		for i, g := range Decide(in, 90, cfg) {
			s := in[i]
			if enough := s.Days >= 28 && s.Events >= 20; enough != (g.Status == StatusOK) {
				t.Fatalf("trial %d %s: status %s with %d days, %v events", trial, g.Store, g.Status, s.Days, s.Events)
			}
			if g.Status != StatusOK {
				if g.Recommended != "" || g.Returns != nil || !strings.HasPrefix(g.Rationale, "Too little data") {
					t.Fatalf("trial %d %s: insufficient but %+v", trial, g.Store, g)
				}
				continue
			}
			if g.Recommended == "" {
				// No model pays: every feasible model nets nothing or less.
				for _, m := range segModels {
					if o := g.Returns[m]; !g.NoModelPays || o.Feasible && o.Net > 0 {
						t.Fatalf("trial %d %s: no recommendation, but %s nets %v (no_model_pays %v)", trial, g.Store, m, o.Net, g.NoModelPays)
					}
				}
				continue
			}
			rec, ok := g.Returns[g.Recommended]
			if !ok || !rec.Feasible || g.NoModelPays || rec.Net <= 0 {
				t.Fatalf("trial %d %s: recommended %s is not a feasible return: %+v", trial, g.Store, g.Recommended, g.Returns)
			}
			if g.Mismatch != (g.Recommended != s.Current) {
				t.Fatalf("trial %d %s: mismatch %v", trial, g.Store, g.Mismatch)
			}
			for _, m := range segModels {
				o := g.Returns[m]
				if o.Feasible && o.Net > rec.Net {
					t.Fatalf("trial %d %s: %s nets %v > recommended %s's %v", trial, g.Store, m, o.Net, g.Recommended, rec.Net)
				}
				if !segNear(o.Net, o.PreventedLoss-o.Cost-o.FrictionCost, 0.011) || !segNear(o.Cost, o.TechnologyCost+o.StaffingCost, 0.011) {
					t.Fatalf("trial %d %s/%s: parts do not add up: %+v", trial, g.Store, m, o)
				}
				if socOK := s.Profile.StaffingCapacity >= d.StaffingShort; m == ss.ModelSOC && o.Feasible != socOK ||
					m != ss.ModelSOC && !o.Feasible || o.Feasible != (o.Reason == "") {
					t.Fatalf("trial %d %s/%s: feasible %v reason %q at staffing %v", trial, g.Store, m, o.Feasible, o.Reason, s.Profile.StaffingCapacity)
				}
				name := segModelName(m)
				switch {
				case m == g.Recommended:
					head := segCapital(name) + " has the best net return of the models the store can run, " + segMoney(o.Net) + " a year"
					if !strings.Contains(g.Rationale, head) || strings.Contains(g.Rationale, name+" would net") || strings.Contains(g.Rationale, name+" is not possible") {
						t.Fatalf("trial %d %s: rationale %q does not lead with %q", trial, g.Store, g.Rationale, head)
					}
				case o.Feasible:
					if !strings.Contains(strings.ToLower(g.Rationale), strings.ToLower(name)+" would net "+segMoney(o.Net)) {
						t.Fatalf("trial %d %s: rationale %q lacks %s's net %s", trial, g.Store, g.Rationale, m, segMoney(o.Net))
					}
				default:
					if !strings.Contains(strings.ToLower(g.Rationale), strings.ToLower(name+" is not possible ("+o.Reason)) {
						t.Fatalf("trial %d %s: rationale %q lacks why %s is not possible", trial, g.Store, g.Rationale, m)
					}
				}
			}
			if strings.Contains(g.Rationale, "today") != g.Mismatch || strings.Contains(g.Rationale, "does not pay") {
				t.Fatalf("trial %d %s: rationale %q (mismatch %v)", trial, g.Store, g.Rationale, g.Mismatch)
			}
		}
	}
}
