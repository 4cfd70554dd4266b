package checkout_test

import (
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/checkout"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// storeFigures refreshes the rollups and returns store's KPIs over the
// two days around t0 (its local dates, both inclusive).
func (w *world) storeFigures(store string) kpi.Figures {
	w.t.Helper()
	if _, err := kpi.NewRollups(w.pool).Refresh(w.ctx); err != nil {
		w.t.Fatal(err)
	}
	day := time.Date(w.t0.Year(), w.t0.Month(), w.t0.Day(), 0, 0, 0, 0, time.UTC)
	rows, err := w.svc.KPIs.Get(w.ctx, kpi.Query{From: day.AddDate(0, 0, -1), To: day.AddDate(0, 0, 1), Dates: true, Store: store, By: kpi.ByStore})
	if err != nil || len(rows) != 1 {
		w.t.Fatalf("KPIs of %s: %v %v", store, rows, err)
	}
	return rows[0].Figures
}

// The point of sale's outcomes land in the store's KPIs. By hand: five
// concealments — f-1 cosmetics 12.50 and spirits 30 (nudged_paid, 40.00
// recovered: shared 12.50:30 of 4000 cents is 1176.47 and 2823.53, the
// spare cent to the larger remainder: 11.76 and 28.24), f-2 spirits 30
// (blocked_recovered, no value: its est_value), f-3 cosmetics 12.50
// (paid), f-4 cosmetics 12.50 (walked_out). events 5; interventions 3;
// intervention_rate 3/5 = 0.6; recovered_value 40 + 30 + 12.50 = 82.50,
// of it by intervention 70 and paid unprompted 12.50; recovery_rate
// 4/(4+1) = 0.8; lost 1.
func TestOutcomesLandInKPIs(t *testing.T) {
	t.Parallel()
	w := setup(t)
	at0 := w.t0.Add(-10 * time.Minute)
	e1 := w.conceal("C1", "A1", "f-1", at0, -1)
	e2 := w.conceal("C1", "A2", "f-1", at0.Add(10*time.Second), -1)
	w.conceal("C1", "A2", "f-2", at0, -1)
	w.conceal("C1", "A1", "f-3", at0, -1)
	e4 := w.conceal("C1", "A1", "f-4", at0, -1)
	w.presence(at("C1", "2", "f-1", w.t0.Add(-time.Minute)))
	if st := w.lane(w.co, "C1", "2", flagged); st.Action != checkout.ActionNudge || len(st.Items) != 2 {
		t.Fatalf("lane 2: %+v, want f-1's two concealments, 42.50: nudge", st)
	}
	forty := 40.0
	in := []checkout.OutcomeInput{
		{Store: "C1", Lane: "2", Track: "f-1", Outcome: ss.OutcomeNudgedPaid, ValueRecovered: &forty},
		{Store: "C1", Lane: "3", Track: "f-2", Outcome: ss.OutcomeBlockedRecovered},
		{Store: "C1", Lane: "2", Track: "f-3", Outcome: ss.OutcomePaid},
		{Store: "C1", Lane: "3", Events: []string{e4}, Outcome: ss.OutcomeWalkedOut},
	}
	res, err := w.co.Outcomes(w.ctx, &ss.Principal{Role: ss.RoleCheckout, Stores: []string{"C1"}}, in)
	if err != nil || res.Accepted != 5 || res.Duplicates != 0 {
		t.Fatalf("outcomes: %+v %v, want 5 accepted", res, err)
	}
	// A replay stores nothing again.
	if res, err := w.co.Outcomes(w.ctx, nil, in[:3]); err != nil || res.Accepted != 0 || res.Duplicates != 4 {
		t.Errorf("replay: %+v %v, want 4 duplicates", res, err)
	}
	shares := map[string]float64{}
	rows, err := w.pool.Query(w.ctx, `SELECT event_id::text, value_recovered::float8 FROM outcomes WHERE event_id = ANY($1::uuid[])`, []string{e1, e2})
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var v float64
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		shares[id] = v
	}
	if shares[e1] != 11.76 || shares[e2] != 28.24 {
		t.Errorf("40.00 shared as %v / %v, want 11.76 and 28.24", shares[e1], shares[e2])
	}
	f := w.storeFigures("C1")
	if f.Events != 5 || f.Interventions != 3 || f.Lost != 1 || f.Recovered != 4 {
		t.Errorf("counts: events %d interventions %d lost %d recovered %d, want 5 3 1 4", f.Events, f.Interventions, f.Lost, f.Recovered)
	}
	if f.InterventionRate == nil || *f.InterventionRate != 0.6 || f.RecoveryRate == nil || *f.RecoveryRate != 0.8 {
		t.Errorf("intervention_rate %v recovery_rate %v, want 0.6 and 0.8", f.InterventionRate, f.RecoveryRate)
	}
	if f.RecoveredValue != 82.5 || f.RecoveredByIntervention != 70 || f.PaidUnprompted != 12.5 {
		t.Errorf("recovered %v (by intervention %v, unprompted %v), want 82.50 (70, 12.50)", f.RecoveredValue, f.RecoveredByIntervention, f.PaidUnprompted)
	}
	if st := w.lane(w.co, "C1", "2", unflagged); st.Flagged {
		t.Errorf("lane 2 after its outcome: %+v, want clear", st)
	}
}

// A bad outcome is refused naming its item and field, and nothing of its
// batch is stored.
func TestOutcomesRefused(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ev := w.conceal("C1", "A1", "f-r", w.t0.Add(-time.Minute), -1)
	other := w.conceal("C2", "A1", "f-o", w.t0.Add(-time.Minute), -1)
	good := checkout.OutcomeInput{Store: "C1", Lane: "2", Track: "f-r", Outcome: ss.OutcomePaid}
	v, cent, neg := 5.0, 0.005, -1.0
	for _, c := range []struct {
		name  string
		bad   checkout.OutcomeInput
		field string
	}{
		{"unknown lane", checkout.OutcomeInput{Store: "C1", Lane: "9", Track: "f-r", Outcome: ss.OutcomePaid}, "lane"},
		{"no lane", checkout.OutcomeInput{Store: "C1", Track: "f-r", Outcome: ss.OutcomePaid}, "lane"},
		{"not a till's outcome", checkout.OutcomeInput{Store: "C1", Lane: "2", Track: "f-r", Outcome: ss.OutcomeFalsePositive}, "outcome"},
		{"track and events", checkout.OutcomeInput{Store: "C1", Lane: "2", Track: "f-r", Events: []string{ev}, Outcome: ss.OutcomePaid}, "events"},
		{"neither", checkout.OutcomeInput{Store: "C1", Lane: "2", Outcome: ss.OutcomePaid}, "track"},
		{"nothing open", checkout.OutcomeInput{Store: "C1", Lane: "2", Track: "f-none", Outcome: ss.OutcomePaid}, "track"},
		{"another store's event", checkout.OutcomeInput{Store: "C1", Lane: "2", Events: []string{other}, Outcome: ss.OutcomePaid}, "events"},
		{"not a UUID", checkout.OutcomeInput{Store: "C1", Lane: "2", Events: []string{"x"}, Outcome: ss.OutcomePaid}, "events"},
		{"value on a loss", checkout.OutcomeInput{Store: "C1", Lane: "2", Track: "f-r", Outcome: ss.OutcomeWalkedOut, ValueRecovered: &v}, "value_recovered"},
		{"half a penny", checkout.OutcomeInput{Store: "C1", Lane: "2", Track: "f-r", Outcome: ss.OutcomePaid, ValueRecovered: &cent}, "value_recovered"},
		{"negative", checkout.OutcomeInput{Store: "C1", Lane: "2", Track: "f-r", Outcome: ss.OutcomePaid, ValueRecovered: &neg}, "value_recovered"},
		{"unknown store", checkout.OutcomeInput{Store: "C9", Lane: "2", Track: "f-r", Outcome: ss.OutcomePaid}, "store"},
	} {
		_, err := w.co.Outcomes(w.ctx, nil, []checkout.OutcomeInput{good, c.bad})
		be, ok := err.(*ss.BatchError)
		if !ok || len(be.Items) == 0 || be.Items[0].Index != 1 || be.Items[0].Field != c.field {
			t.Errorf("%s: %v, want item 1 naming %s", c.name, err, c.field)
		}
	}
	if _, err := w.co.Outcomes(w.ctx, &ss.Principal{Role: ss.RoleCheckout, Stores: []string{"C2"}}, []checkout.OutcomeInput{good}); ss.ErrorCode(err) != ss.EFORBIDDEN {
		t.Errorf("a C2 till posting C1's outcome: %v, want forbidden", err)
	}
	if n := w.count(`SELECT count(*) FROM outcomes`); n != 0 {
		t.Errorf("%d outcomes stored by refused batches, want 0", n)
	}
	if n := w.count(`SELECT count(*) FROM checkout_items WHERE resolved_at IS NOT NULL`); n != 0 {
		t.Errorf("%d concealments resolved by refused batches, want 0", n)
	}
}
