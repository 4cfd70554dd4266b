package checkout_test

import (
	"sync"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/checkout"
)

// A track unresolved a visit window (45 min) after its last concealment
// becomes walked_out if it was seen leaving through an entrance after it,
// at the exit's time; without the exit, or with an exit only before the
// concealment, it stays open. Two replicas ticking at once write each
// walk-out once.
func TestWalkedOutThroughEntrance(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w1 := w.conceal("C1", "A1", "w-1", w.t0.Add(-50*time.Minute), -1) // due, left at −40 min
	w2 := w.conceal("C1", "A1", "w-2", w.t0.Add(-50*time.Minute), -1) // due, never left
	w3 := w.conceal("C1", "A2", "w-3", w.t0.Add(-30*time.Minute), -1) // due at +15 min, left at −20 min
	w4 := w.conceal("C1", "A1", "w-4", w.t0.Add(-50*time.Minute), -1) // due, left before it concealed
	w.presence(exit("C1", "E1", "w-1", w.t0.Add(-40*time.Minute)), exit("C1", "E1", "w-3", w.t0.Add(-20*time.Minute)),
		exit("C1", "E1", "w-4", w.t0.Add(-60*time.Minute)))
	outcome := func(ev string) (string, time.Time) {
		var o string
		var at time.Time
		if err := w.pool.QueryRow(w.ctx, `SELECT coalesce((SELECT outcome FROM outcomes WHERE event_id = $1), ''),
coalesce((SELECT at FROM outcomes WHERE event_id = $1), 'epoch')`, ev).Scan(&o, &at); err != nil {
			t.Fatal(err)
		}
		return o, at
	}
	other := app.New(w.pool).WithCheckout(checkout.Config{Now: w.clock.Now})
	t.Cleanup(other.Checkout.Close)
	var wg sync.WaitGroup
	got := make([]checkout.Visits, 2)
	for i, co := range []*checkout.Service{w.co, other.Checkout} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := co.Tick(w.ctx)
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}()
	}
	wg.Wait()
	if v, err := w.co.Tick(w.ctx); err != nil || got[0].WalkedOut+got[1].WalkedOut+v.WalkedOut != 1 {
		t.Errorf("ticks wrote %+v, %+v then %+v (%v), want one walk-out in all", got[0], got[1], v, err)
	}
	if o, at := outcome(w1); o != "walked_out" || !at.Equal(w.t0.Add(-40*time.Minute)) {
		t.Errorf("w-1: %q at %v, want walked_out at its exit %v", o, at, w.t0.Add(-40*time.Minute))
	}
	for _, ev := range []string{w2, w3, w4} {
		if o, _ := outcome(ev); o != "" {
			t.Errorf("event %s: %q, want still open", ev, o)
		}
	}
	// w-3's visit ends 45 min after its concealment: a second before, open.
	w.clock.Set(w.t0.Add(15*time.Minute - time.Second))
	if v, err := w.co.Tick(w.ctx); err != nil || v.WalkedOut != 0 {
		t.Errorf("a second before w-3's visit ends: %+v %v, want none", v, err)
	}
	w.clock.Set(w.t0.Add(15 * time.Minute))
	if v, err := w.co.Tick(w.ctx); err != nil || v.WalkedOut != 1 || v.Tracks != 1 {
		t.Errorf("as w-3's visit ends: %+v %v, want one", v, err)
	}
	if o, at := outcome(w3); o != "walked_out" || !at.Equal(w.t0.Add(-20*time.Minute)) {
		t.Errorf("w-3: %q at %v, want walked_out at its exit", o, at)
	}
	f := w.storeFigures("C1")
	if f.Lost != 2 || f.Open != 2 || f.Events != 4 {
		t.Errorf("KPIs: lost %d open %d events %d, want 2 lost, 2 open of 4", f.Lost, f.Open, f.Events)
	}
}
