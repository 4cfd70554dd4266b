package kpi_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
)

// Batches sent at once share transactions (group commit), yet each is
// answered only once it is durable and visible, each is all or nothing, and
// a replay or a conflict in one batch of a group is judged as if that
// batch had come alone.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	pool, url := dbtest.NewWithURL(t)
	lay := layout.New(pool)
	w := &world{t: t, ctx: context.Background(), pool: pool, lay: lay,
		ing: kpi.NewIngester(pool, lay.Directory()), roll: kpi.NewRollups(pool), kpis: kpi.NewKPIs(pool)}
	w.store("S1", "Europe/London", ss.ModelSOC, zone("Z1", "spirits", 40, 0), zone("Z2", "cosmetics", 12, 2))
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1 // one writer: batches arriving while it writes queue up and are grouped
	one, err := pgxpool.NewWithConfig(w.ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(one.Close)
	ing := kpi.NewIngester(one, lay.Directory())
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	score := 0.8
	fresh := func(n int) []ss.EventInput {
		out := make([]ss.EventInput, n)
		for i := range out {
			out[i] = ss.EventInput{ID: uuid.Must(uuid.NewV7()).String(), Store: "S1", Zone: "Z1",
				OccurredAt: at.Add(time.Duration(i) * time.Second).Format(time.RFC3339), Score: &score}
		}
		return out
	}
	stored := func(in []ss.EventInput) int {
		ids := make([]string, len(in))
		for i := range in {
			ids[i] = in[i].ID
		}
		var n int
		if err := pool.QueryRow(w.ctx, `SELECT count(*) FROM events WHERE id = ANY($1::uuid[])`, ids).Scan(&n); err != nil {
			t.Error(err)
		}
		return n
	}
	send := func(batches [][]ss.EventInput, after func(i int, res kpi.Result, err error)) {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range batches {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res, err := ing.Events(w.ctx, nil, batches[i])
				after(i, res, err)
			}()
		}
		close(start)
		wg.Wait()
	}

	// 40 clean batches of 20 at once: each answered with 20 accepted, its
	// rows visible from another connection the moment it is answered, and
	// fewer transactions than batches.
	clean := make([][]ss.EventInput, 40)
	for i := range clean {
		clean[i] = fresh(20)
	}
	send(clean, func(i int, res kpi.Result, err error) {
		if err != nil || res.Accepted != 20 || res.Duplicates != 0 {
			t.Errorf("batch %d: %+v, %v; want 20 accepted", i, res, err)
		}
		if n := stored(clean[i]); n != 20 {
			t.Errorf("batch %d answered with %d of its 20 events visible", i, n)
		}
	})
	var rows, txs int
	if err := pool.QueryRow(w.ctx, `SELECT count(*), count(DISTINCT xmin::text) FROM events`).Scan(&rows, &txs); err != nil {
		t.Fatal(err)
	}
	if rows != 800 || txs >= 40 {
		t.Errorf("%d rows in %d transactions, want 800 rows in fewer than 40", rows, txs)
	}
	t.Logf("40 batches stored in %d transactions", txs)

	// Then a mix at once: clean batches, one replaying a stored event
	// identically, one sending it with another score, and two sending the
	// same new event.
	first := clean[0][0]
	changed := first
	other := 0.3
	changed.Score = &other
	shared := fresh(1)[0]
	mix := make([][]ss.EventInput, 30)
	for i := range mix {
		mix[i] = fresh(20)
	}
	mix[5] = append(mix[5], first)
	mix[9] = append(mix[9][:10:10], append([]ss.EventInput{changed}, mix[9][10:]...)...) // the conflict is item 10
	mix[12] = append(mix[12], shared)
	mix[13] = append(mix[13], shared)
	var mu sync.Mutex
	results := make([]kpi.Result, len(mix))
	errs := make([]error, len(mix))
	send(mix, func(i int, res kpi.Result, err error) {
		mu.Lock()
		results[i], errs[i] = res, err
		mu.Unlock()
	})
	for i := range mix {
		switch i {
		case 9:
			var be *ss.BatchError
			if !errors.As(errs[i], &be) || be.Code != ss.ECONFLICT || len(be.Items) != 1 || be.Items[0].Index != 10 || be.Items[0].Field != "score" {
				t.Errorf("batch 9: %v, want a conflict on item 10's score", errs[i])
			}
			if n := stored(mix[9]); n != 1 { // the conflicting id's own stored event alone
				t.Errorf("batch 9 refused, yet %d of its ids are stored, want 1 (the earlier event)", n)
			}
		case 5:
			if errs[i] != nil || results[i] != (kpi.Result{Accepted: 20, Duplicates: 1}) {
				t.Errorf("batch 5: %+v, %v; want 20 accepted, 1 duplicate", results[i], errs[i])
			}
		case 12, 13:
			if errs[i] != nil || results[i].Accepted+results[i].Duplicates != 21 {
				t.Errorf("batch %d: %+v, %v; want 21 accepted or duplicate", i, results[i], errs[i])
			}
		default:
			if errs[i] != nil || results[i] != (kpi.Result{Accepted: 20}) {
				t.Errorf("batch %d: %+v, %v; want 20 accepted", i, results[i], errs[i])
			}
		}
	}
	if a, b := results[12].Accepted, results[13].Accepted; a+b != 41 {
		t.Errorf("the shared event was accepted %d times, want once (batches 12 and 13 accepted %d and %d)", a+b-40, a, b)
	}
	// By hand: 800 before; 29 batches of 20 fresh events stored (batch 9
	// refused whole), and the shared event once.
	var n int
	w.scan(`SELECT count(*) FROM events`, &n)
	if n != 800+29*20+1 {
		t.Errorf("%d events, want %d", n, 800+29*20+1)
	}
}
