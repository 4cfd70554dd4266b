package alerts_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/alerts"
)

// Under concurrent writers, a feed on one replica gets every change once,
// in increasing seq, each alert's changes in the order they happened; a
// second replica's feed resuming from the middle gets exactly the rest.
func TestFeedUnderConcurrentWriters(t *testing.T) {
	t.Parallel()
	w := setup(t)
	other := setupOn(t, w.pool, false)
	feed, err := w.al.Follow(w.ctx, nil, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()
	const writers, each = 6, 8
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := w.al
			if g%2 == 1 {
				svc = other.al // changes made through the other replica too
			}
			p := operator(int64(g+1), "op")
			for range each {
				a := w.alertOf(w.event([]string{"S1", "S2"}[g%2], w.t0.Add(-time.Second)))
				if _, err := svc.Claim(w.ctx, p, a.ID); err != nil {
					t.Error(err)
					return
				}
				if _, err := svc.Close(w.ctx, p, a.ID, alerts.CloseInput{Outcome: ss.OutcomeFalsePositive}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	want := writers * each * 3
	var got []alerts.Message
	timeout := time.After(20 * time.Second)
	for len(got) < want {
		select {
		case m, ok := <-feed.Live():
			if !ok {
				t.Fatalf("the feed ended after %d messages", len(got))
			}
			if feed.Accept(m) {
				got = append(got, m)
			}
		case <-timeout:
			t.Fatalf("%d of %d messages within 20 s", len(got), want)
		}
	}
	order := map[string]int{"opened": 0, "claimed": 1, "closed": 2}
	next := map[int64]int{}
	for i, m := range got {
		if i > 0 && m.ID <= got[i-1].ID {
			t.Fatalf("seq %d after %d", m.ID, got[i-1].ID)
		}
		var a alerts.Alert
		if err := json.Unmarshal(m.Data, &a); err != nil {
			t.Fatal(err)
		}
		if order[string(m.Change)] != next[a.ID] {
			t.Errorf("alert %d: %s at position %d", a.ID, m.Change, next[a.ID])
		}
		next[a.ID]++
	}
	mid := got[len(got)/2].ID
	resumed, err := other.al.Follow(w.ctx, nil, true, mid)
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Close()
	if resumed.Resync || len(resumed.Backlog) != len(got)-len(got)/2-1 || resumed.Backlog[0].ID <= mid {
		t.Errorf("resume from %d: resync %v, %d replayed, want %d", mid, resumed.Resync, len(resumed.Backlog), len(got)-len(got)/2-1)
	}
}
