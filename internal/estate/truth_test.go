package estate

import (
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	ss "github.com/shrinkscope/shrinkscope"
)

// within reports whether observed counts agree with a Poisson expectation
// to k standard deviations.
func within(obs, exp, k float64) bool { return math.Abs(obs-exp) <= k*math.Sqrt(exp) }

func TestHourOfWeekFactor(t *testing.T) {
	t.Parallel()
	// Hand values: Saturday ×1.2, Tuesday ×0.9; 20:00 ×1.35, 08:00 ×0.75, 03:00 ×1.4.
	for _, tc := range []struct {
		wd   time.Weekday
		h    int
		want float64
	}{{time.Saturday, 20, 1.62}, {time.Tuesday, 8, 0.675}, {time.Sunday, 3, 1.61}, {time.Thursday, 12, 0.95}} {
		if got := HourOfWeekFactor(tc.wd, tc.h); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("HourOfWeekFactor(%v, %d) = %v, want %v", tc.wd, tc.h, got, tc.want)
		}
	}
}

// TestExpectedEventsFormula checks ExpectedEvents against the documented
// formula, by hand, on both sides of a layout change.
func TestExpectedEventsFormula(t *testing.T) {
	t.Parallel()
	e := New(Config{Seed: 9, Stores: 3, Days: 60, End: testEnd})
	ch := e.Changes[0]
	i := e.StoreIndex(ch.Store)
	s := &e.Stores[i]
	z := s.ZoneIndex(ch.Zones[0])
	loc := s.Loc()
	local := ch.At.In(loc)
	if local.Hour() != 0 || local.Minute() != 0 {
		t.Fatalf("change at %v is not local midnight", local)
	}
	from, _ := e.Window(i)
	if got := int(math.Round(ch.At.Sub(from).Hours() / 24)); got != 30 {
		t.Fatalf("change on day %d, want Days/2 = 30", got)
	}
	sat8pm := time.Date(local.Year(), local.Month(), local.Day()-7+(int(time.Saturday)-int(local.Weekday())+7)%7, 20, 0, 0, 0, loc)
	for _, tc := range []struct {
		at      time.Time
		treated bool
	}{{sat8pm, false}, {sat8pm.AddDate(0, 0, 7), true}} {
		want := 1000 * 1.62 * s.Profile.TheftIndex * s.ZoneRisk[z]
		if tc.treated {
			want *= ch.TrueEffect
		}
		if got := e.ExpectedEvents(i, z, tc.at, 1000); math.Abs(got/want-1) > 1e-12 {
			t.Errorf("ExpectedEvents at %v = %v, want %v", tc.at, got, want)
		}
	}
}

func TestGroundTruthTotals(t *testing.T) {
	t.Parallel()
	f := big(t)
	var allObs, allExp, allVisitors float64
	for i := range f.e.Stores {
		s := &f.e.Stores[i]
		var exp, visitors float64
		for _, x := range f.facts[i].Footfalls {
			if x.Zone != "" {
				continue
			}
			visitors += float64(x.Visitors)
			for z := range s.Zones {
				exp += f.e.ExpectedEvents(i, z, x.Hour, x.Visitors)
			}
		}
		obs := float64(len(f.facts[i].Events))
		if !within(obs, exp, 4) {
			t.Errorf("%s: %v events, ground truth %.1f ± %.1f", s.Code, obs, exp, math.Sqrt(exp))
		}
		allObs, allExp, allVisitors = allObs+obs, allExp+exp, allVisitors+visitors
	}
	if !within(allObs, allExp, 4) {
		t.Errorf("estate: %v events, ground truth %.1f", allObs, allExp)
	}
	if rate := 1000 * allObs / allVisitors; rate < 1 || rate > 4.5 {
		t.Errorf("%.2f events per 1000 visitors, want roughly 1–4", rate)
	}
	if perDay := allObs / float64(len(f.e.Stores)*f.e.Config.Days); perDay < 10 || perDay > 150 {
		t.Errorf("%.1f events per store-day, want tens", perDay)
	}
}

func TestMethodShares(t *testing.T) {
	t.Parallel()
	f := big(t)
	want := make([]float64, len(ss.Methods))
	got := make([]float64, len(ss.Methods))
	var n, total float64
	for i := range f.e.Stores {
		s := &f.e.Stores[i]
		for _, x := range f.facts[i].Footfalls {
			if x.Zone != "" {
				continue
			}
			for z := range s.Zones {
				m := f.e.ExpectedEvents(i, z, x.Hour, x.Visitors)
				total += m
				for k, w := range MethodWeights(s.Zones[z].Category) {
					want[k] += m * w
				}
			}
		}
		for _, ev := range f.facts[i].Events {
			for k, m := range ss.Methods {
				if ev.Method == m {
					got[k]++
				}
			}
			n++
		}
	}
	for k, m := range ss.Methods {
		p := want[k] / total
		sd := math.Sqrt(p * (1 - p) / n)
		if q := got[k] / n; math.Abs(q-p) > 4*sd+0.01 {
			t.Errorf("method %s: share %.3f, ground truth %.3f", m, q, p)
		}
	}
	if q := got[len(got)-1] / n; q > 0.08 {
		t.Errorf("unknown method share %.3f, want mostly known methods", q)
	}
}

// TestLayoutChange measures each change the way an analyst would: events
// per entrance visitor in the treated zones, after over before.
func TestLayoutChange(t *testing.T) {
	t.Parallel()
	f := big(t)
	if len(f.e.Changes) == 0 {
		t.Fatal("no layout change in the test estate")
	}
	for _, ch := range f.e.Changes {
		i := f.e.StoreIndex(ch.Store)
		s := &f.e.Stores[i]
		if n := len(ch.Zones); n < 2 || n > 3 || ch.TrueEffect < 0.5 || ch.TrueEffect > 0.8 || ch.Description == "" {
			t.Fatalf("%s: change %+v", s.Code, ch)
		}
		treated := map[string]bool{}
		for _, code := range ch.Zones {
			treated[code] = true
			if ok, at := f.e.Treated(i, s.ZoneIndex(code)); !ok || !at.Equal(ch.At) {
				t.Fatalf("%s %s: Treated = %v, %v", s.Code, code, ok, at)
			}
		}
		// The treated zones are the riskiest.
		for z := range s.Zones {
			for _, code := range ch.Zones {
				if !treated[s.Zones[z].Code] && s.ZoneRisk[z] > s.ZoneRisk[s.ZoneIndex(code)] {
					t.Errorf("%s: untreated %s riskier than treated %s", s.Code, s.Zones[z].Code, code)
				}
			}
		}
		// [0] before, [1] after; treated zones and the other (control) zones.
		var vis, evT, expT, evC, expC [2]float64
		for _, x := range f.facts[i].Footfalls {
			if x.Zone != "" {
				continue
			}
			k := 0
			if !x.Hour.Before(ch.At) {
				k = 1
			}
			vis[k] += float64(x.Visitors)
			for z := range s.Zones {
				m := f.e.ExpectedEvents(i, z, x.Hour, x.Visitors)
				if treated[s.Zones[z].Code] {
					expT[k] += m
				} else {
					expC[k] += m
				}
			}
		}
		for _, ev := range f.facts[i].Events {
			k := 0
			if !ev.OccurredAt.Before(ch.At) {
				k = 1
			}
			if treated[ev.Zone] {
				evT[k]++
			} else {
				evC[k]++
			}
		}
		for k := range 2 {
			if !within(evT[k], expT[k], 4) || !within(evC[k], expC[k], 4) {
				t.Errorf("%s period %d: treated %v/%.1f, control %v/%.1f events/expected", s.Code, k, evT[k], expT[k], evC[k], expC[k])
			}
		}
		// Truth: per visitor, the treated zones' expected rate falls by TrueEffect
		// (up to the hour-of-week mix of the two windows).
		if r := (expT[1] / vis[1]) / (expT[0] / vis[0]); math.Abs(r/ch.TrueEffect-1) > 0.05 {
			t.Errorf("%s: expected rate ratio %.3f, TrueEffect %v", s.Code, r, ch.TrueEffect)
		}
		ratio := (evT[1] / vis[1]) / (evT[0] / vis[0])
		tol := 4*math.Sqrt(1/evT[0]+1/evT[1]) + 0.05
		if math.Abs(math.Log(ratio/ch.TrueEffect)) > tol {
			t.Errorf("%s: observed rate ratio %.3f, TrueEffect %v (tolerance ±%.2f in log)", s.Code, ratio, ch.TrueEffect, tol)
		}
		control := (evC[1] / vis[1]) / (evC[0] / vis[0])
		if math.Abs(math.Log(control)) > 4*math.Sqrt(1/evC[0]+1/evC[1])+0.05 {
			t.Errorf("%s: control zones' rate ratio %.3f, want ≈ 1", s.Code, control)
		}
		t.Logf("%s: treated %v→%v events, ratio %.3f (true %v), control ratio %.3f", s.Code, evT[0], evT[1], ratio, ch.TrueEffect, control)
	}
}

func TestOutcomes(t *testing.T) {
	t.Parallel()
	f := big(t)
	end := f.e.Config.End
	late := 0
	for i := range f.e.Stores {
		s := &f.e.Stores[i]
		c := &f.facts[i]
		events := map[uuid.UUID]*ss.Event{}
		for j := range c.Events {
			events[c.Events[j].ID] = &c.Events[j]
		}
		kinds := map[ss.OutcomeKind]int{}
		responded := 0
		for _, o := range c.Outcomes {
			ev := events[o.EventID]
			switch {
			case ev == nil:
				t.Fatalf("%s: outcome of unknown event %s", s.Code, o.EventID)
			case !o.Kind.Valid():
				t.Fatalf("%s: outcome kind %q", s.Code, o.Kind)
			case !o.At.After(ev.OccurredAt) || !o.At.Before(end):
				t.Fatalf("%s: outcome at %v for event at %v (End %v)", s.Code, o.At, ev.OccurredAt, end)
			case o.ValueRecovered != nil && (o.Kind.Class() != ss.ClassRecovered || *o.ValueRecovered < 0):
				t.Fatalf("%s: value_recovered %v on %s", s.Code, *o.ValueRecovered, o.Kind)
			}
			if r := o.RespondedAt; r != nil {
				d := r.Sub(ev.OccurredAt)
				if d < 20*time.Second || d > 300*time.Second || r.After(o.At) || !r.Before(end) {
					t.Fatalf("%s: responded %v after the event, outcome at %v", s.Code, d, o.At)
				}
				responded++
			}
			if o.At.Sub(ev.OccurredAt) > 24*time.Hour {
				late++
			}
			kinds[o.Kind]++
		}
		nev, nout := float64(len(c.Events)), float64(len(c.Outcomes))
		switch s.OperatingModel {
		case ss.ModelSOC:
			if float64(responded) < 0.8*nev || kinds[ss.OutcomeIntervenedRecovered] == 0 || kinds[ss.OutcomeWalkedOut] == 0 || kinds[ss.OutcomeFalsePositive] == 0 {
				t.Errorf("%s soc: %d of %v events responded, kinds %v", s.Code, responded, nev, kinds)
			}
		case ss.ModelCheckout:
			if kinds[ss.OutcomeIntervenedRecovered] > 0 || responded > 0 || nout < 0.8*nev {
				t.Errorf("%s checkout: kinds %v, %d responded, %v outcomes of %v events", s.Code, kinds, responded, nout, nev)
			}
			for _, k := range []ss.OutcomeKind{ss.OutcomePaid, ss.OutcomeNudgedPaid, ss.OutcomeBlockedRecovered, ss.OutcomeWalkedOut, ss.OutcomeFalsePositive} {
				if kinds[k] == 0 {
					t.Errorf("%s checkout: no %s outcome", s.Code, k)
				}
			}
		case ss.ModelDetection:
			if nout >= 0.2*nev || nout == 0 || kinds[ss.OutcomeFalsePositive]+kinds[ss.OutcomeConfirmed] != len(c.Outcomes) ||
				kinds[ss.OutcomeConfirmed] <= kinds[ss.OutcomeFalsePositive] {
				t.Errorf("%s detection: %v outcomes of %v events, kinds %v", s.Code, nout, nev, kinds)
			}
		}
	}
	if late == 0 {
		t.Error("no late outcomes")
	}
}

func TestSales(t *testing.T) {
	t.Parallel()
	f := big(t)
	for i := range f.e.Stores {
		s := &f.e.Stores[i]
		daily := map[time.Time]float64{}
		for _, x := range f.facts[i].Footfalls {
			if x.Zone == "" {
				y, m, d := x.Hour.In(s.Loc()).Date()
				daily[time.Date(y, m, d, 0, 0, 0, 0, time.UTC)] += float64(x.Visitors)
			}
		}
		if len(f.facts[i].Sales) != len(daily) {
			t.Fatalf("%s: %d sales for %d open days", s.Code, len(f.facts[i].Sales), len(daily))
		}
		for _, sale := range f.facts[i].Sales {
			v, ok := daily[sale.Day]
			want := v * s.Conversion * s.Basket
			if !ok || sale.Day.Location() != time.UTC || math.Abs(sale.Amount/want-1) > 0.25 {
				t.Fatalf("%s %v: sales %v for %v visitors (≈ %v expected)", s.Code, sale.Day, sale.Amount, v, want)
			}
		}
	}
}
