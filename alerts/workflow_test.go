package alerts_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/alerts"
)

// An event of a soc store opens an alert with its event's fields in the
// ingest transaction; one of a detection store does not; a replayed batch
// opens nothing twice.
func TestEventsOfSOCStoresOpenAlerts(t *testing.T) {
	t.Parallel()
	w := setup(t)
	at := w.t0.Add(-10 * time.Second)
	ids := w.events(
		ss.EventInput{Store: "S1", OccurredAt: at.Format(time.RFC3339)},
		ss.EventInput{Store: "D1", OccurredAt: at.Format(time.RFC3339)},
		ss.EventInput{Store: "S2", OccurredAt: at.Format(time.RFC3339), Category: "blades", EstValue: ptr(7.25)},
	)
	// The same batch again: duplicates, no new alert.
	score := 0.9
	replay := []ss.EventInput{{ID: ids[0], Store: "S1", Zone: "Z1", OccurredAt: at.Format(time.RFC3339), Score: &score, Method: ss.MethodPocket}}
	if res, err := w.svc.Ingest.Events(w.ctx, &ss.Principal{Role: ss.RoleIngest}, replay); err != nil || res.Duplicates != 1 {
		t.Fatalf("replay: %+v %v", res, err)
	}
	list, err := w.al.List(w.ctx, alerts.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d alerts, want 2 (S1 and S2; D1 is a detection store): %+v", len(list), list)
	}
	byStore := map[string]alerts.Alert{}
	for _, a := range list {
		byStore[a.Store] = a
	}
	s1, s2 := byStore["S1"], byStore["S2"]
	if s1.Status != alerts.StatusOpen || s1.Event.ID.String() != ids[0] || s1.Event.Zone != "Z1" || s1.Event.Category != "cosmetics" ||
		s1.Event.EstValue != 12.5 || s1.Event.Method != ss.MethodPocket || !s1.Event.OccurredAt.Equal(at) || !s1.OpenedAt.Equal(w.t0) {
		t.Errorf("S1's alert: %+v", s1)
	}
	if s2.Event.Category != "blades" || s2.Event.EstValue != 7.25 || s2.Event.ID.String() != ids[2] {
		t.Errorf("S2's alert: %+v", s2)
	}
	if n := w.count(`SELECT count(*) FROM alert_changes WHERE change = 'opened'`); n != 2 {
		t.Errorf("%d opened messages in the outbox, want 2", n)
	}
	// Scope and status filters.
	if l, _ := w.al.List(w.ctx, alerts.Query{Stores: []string{"S2"}}); len(l) != 1 || l[0].Store != "S2" {
		t.Errorf("S2's list: %+v", l)
	}
	if l, _ := w.al.List(w.ctx, alerts.Query{Status: alerts.StatusClaimed}); len(l) != 0 {
		t.Errorf("claimed list: %+v", l)
	}
	// An event older than its store's expire_minutes (S1: 30 by default,
	// S2: 5) opens none: it is history, not a live alert.
	if _, err := w.al.SetSettings(w.ctx, alerts.Settings{Store: "S2", ClaimSeconds: 30, ExpireMinutes: 5}); err != nil {
		t.Fatal(err)
	}
	w.events(
		ss.EventInput{Store: "S1", OccurredAt: w.t0.Add(-30 * time.Minute).Format(time.RFC3339)},
		ss.EventInput{Store: "S1", OccurredAt: w.t0.Add(-29 * time.Minute).Format(time.RFC3339)},
		ss.EventInput{Store: "S2", OccurredAt: w.t0.Add(-5 * time.Minute).Format(time.RFC3339)},
		ss.EventInput{Store: "S2", OccurredAt: w.t0.Add(-4 * time.Minute).Format(time.RFC3339)},
	)
	if l, _ := w.al.List(w.ctx, alerts.Query{}); len(l) != 4 {
		t.Errorf("%d alerts after old and recent events, want 4 (the 29- and 4-minute-old ones opened)", len(l))
	}
}

// Many operators claim one alert at once: exactly one gets it, every other
// gets a conflict naming the holder.
func TestClaimRace(t *testing.T) {
	t.Parallel()
	w := setup(t)
	a := w.alertOf(w.event("S1", w.t0.Add(-5*time.Second)))
	const n = 24
	var wg sync.WaitGroup
	errs := make([]error, n)
	got := make([]alerts.Alert, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got[i], errs[i] = w.al.Claim(w.ctx, operator(int64(100+i), fmt.Sprintf("op%02d", i)), a.ID)
		}()
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("operators %d and %d both claimed alert %d", winner, i, a.ID)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("nobody claimed: %v", errs)
	}
	name := fmt.Sprintf("op%02d", winner)
	for i, err := range errs {
		if i == winner {
			continue
		}
		if ss.ErrorCode(err) != ss.ECONFLICT || !strings.Contains(err.Error(), "held by "+name) {
			t.Errorf("operator %d: %v, want a conflict naming %s", i, err, name)
		}
	}
	if g := got[winner]; g.Status != alerts.StatusClaimed || g.Holder != name || g.RespondedAt == nil || !g.RespondedAt.Equal(w.t0) {
		t.Errorf("the claimed alert: %+v", g)
	}
	if n := w.count(`SELECT count(*) FROM alert_changes WHERE change = 'claimed'`); n != 1 {
		t.Errorf("%d claimed messages, want 1", n)
	}
	// The holder claiming again changes nothing.
	if _, err := w.al.Claim(w.ctx, operator(int64(100+winner), name), a.ID); err != nil {
		t.Errorf("the holder's second claim: %v", err)
	}
}

// Release: the holder, or store operations, hands an alert back; another
// operator may not. The response time stays the first claim's.
func TestRelease(t *testing.T) {
	t.Parallel()
	w := setup(t)
	a := w.alertOf(w.event("S1", w.t0.Add(-5*time.Second)))
	ann, bob := operator(1, "ann"), operator(2, "bob")
	if _, err := w.al.Release(w.ctx, ann, a.ID); ss.ErrorCode(err) != ss.ECONFLICT {
		t.Errorf("release of an open alert: %v, want a conflict", err)
	}
	w.clock.Set(w.t0.Add(20 * time.Second))
	if _, err := w.al.Claim(w.ctx, ann, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.al.Release(w.ctx, bob, a.ID); ss.ErrorCode(err) != ss.ECONFLICT || !strings.Contains(err.Error(), "held by ann") {
		t.Errorf("bob releasing ann's claim: %v", err)
	}
	r, err := w.al.Release(w.ctx, ann, a.ID)
	if err != nil || r.Status != alerts.StatusOpen || r.Holder != "" || r.ClaimedAt != nil {
		t.Fatalf("ann's release: %+v %v", r, err)
	}
	w.clock.Set(w.t0.Add(50 * time.Second))
	c, err := w.al.Claim(w.ctx, bob, a.ID)
	if err != nil || c.Holder != "bob" || !c.RespondedAt.Equal(w.t0.Add(20*time.Second)) || !c.ClaimedAt.Equal(w.t0.Add(50*time.Second)) {
		t.Fatalf("bob's claim: %+v %v", c, err)
	}
	ops := &ss.Principal{TokenID: 3, Name: "duty manager", Role: ss.RoleOps}
	if r, err := w.al.Release(w.ctx, ops, a.ID); err != nil || r.Status != alerts.StatusOpen {
		t.Errorf("store operations releasing bob's claim: %+v %v", r, err)
	}
}

// A close is written as the event's outcome: responded_at the first claim,
// the outcome and value; bad input names its field and stores nothing.
func TestCloseWritesTheOutcome(t *testing.T) {
	t.Parallel()
	w := setup(t)
	occurred := w.t0.Add(-8 * time.Second)
	ev := w.event("S1", occurred)
	a := w.alertOf(ev)
	ann, bob := operator(1, "ann"), operator(2, "bob")
	w.clock.Set(w.t0.Add(34 * time.Second)) // 42 s after the event
	if _, err := w.al.Claim(w.ctx, ann, a.ID); err != nil {
		t.Fatal(err)
	}
	w.clock.Set(w.t0.Add(100 * time.Second))
	for _, c := range []struct {
		in    alerts.CloseInput
		p     *ss.Principal
		code  string
		field string
	}{
		{alerts.CloseInput{Outcome: "caught"}, ann, ss.EINVALID, "outcome"},
		{alerts.CloseInput{Outcome: ss.OutcomeFalsePositive, ValueRecovered: ptr(3)}, ann, ss.EINVALID, "value_recovered"},
		{alerts.CloseInput{Outcome: ss.OutcomeIntervenedRecovered, ValueRecovered: ptr(-1)}, ann, ss.EINVALID, "value_recovered"},
		{alerts.CloseInput{Outcome: ss.OutcomeWalkedOut, Note: strings.Repeat("x", 501)}, ann, ss.EINVALID, "note"},
		{alerts.CloseInput{Outcome: ss.OutcomeWalkedOut}, bob, ss.ECONFLICT, "holder"},
	} {
		_, err := w.al.Close(w.ctx, c.p, a.ID, c.in)
		var e *ss.Error
		if ss.ErrorCode(err) != c.code || !asError(err, &e) || e.Field != c.field {
			t.Errorf("close %+v by %s: %v, want %s naming %s", c.in, c.p.Name, err, c.code, c.field)
		}
	}
	if n := w.count(`SELECT count(*) FROM outcomes`); n != 0 {
		t.Fatalf("%d outcomes stored by refused closes", n)
	}
	got, err := w.al.Close(w.ctx, ann, a.ID, alerts.CloseInput{Outcome: ss.OutcomeIntervenedRecovered, ValueRecovered: ptr(9.99), Note: "guard stopped them at the door"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != alerts.StatusClosed || got.ClosedBy != "ann" || got.Holder != "ann" || got.Outcome != "intervened_recovered" ||
		*got.ValueRecovered != 9.99 || !got.ClosedAt.Equal(w.t0.Add(100*time.Second)) {
		t.Errorf("closed alert: %+v", got)
	}
	var kind string
	var responded, at time.Time
	var value float64
	if err := w.pool.QueryRow(w.ctx, `SELECT outcome, responded_at, at, value_recovered::float8 FROM outcomes WHERE event_id = $1`, ev).
		Scan(&kind, &responded, &at, &value); err != nil {
		t.Fatal(err)
	}
	if kind != "intervened_recovered" || responded.Sub(occurred) != 42*time.Second || !at.Equal(w.t0.Add(100*time.Second)) || value != 9.99 {
		t.Errorf("outcome %s responded %s after the event, at %s, value %v", kind, responded.Sub(occurred), at, value)
	}
	// The outcome marks its event's bucket for the rollups.
	if n := w.count(`SELECT count(*) FROM kpi_dirty`); n == 0 {
		t.Error("the close marked no rollup bucket")
	}
	if _, err := w.al.Close(w.ctx, ann, a.ID, alerts.CloseInput{Outcome: ss.OutcomeWalkedOut}); ss.ErrorCode(err) != ss.ECONFLICT {
		t.Errorf("closing a closed alert: %v", err)
	}
	// Closing an open alert claims it: the response is the close.
	b := w.alertOf(w.event("S1", w.t0.Add(90*time.Second)))
	w.clock.Set(w.t0.Add(130 * time.Second))
	got, err = w.al.Close(w.ctx, bob, b.ID, alerts.CloseInput{Outcome: ss.OutcomeFalsePositive})
	if err != nil || !got.RespondedAt.Equal(w.t0.Add(130*time.Second)) || got.Holder != "bob" {
		t.Errorf("closing an open alert: %+v %v", got, err)
	}
}

func ptr(v float64) *float64 { return &v }

func asError(err error, e **ss.Error) bool {
	x, ok := err.(*ss.Error)
	*e = x
	return ok
}
