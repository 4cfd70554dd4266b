package main

import (
	"context"
	"fmt"
	"log"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
)

// load writes the estate straight into the tables with COPY, two stores at a
// time. Zone footfall is loaded for the first zoneStores stores only: the
// estate's full zone footfall is over 150 million rows.
func load(ctx context.Context, pool *pgxpool.Pool, est *estate.Estate, zoneStores int) error {
	lay := layout.New(pool)
	zoneIDs := make([]map[string]int64, len(est.Stores))
	storeIDs := make([]int64, len(est.Stores))
	for i := range est.Stores {
		st := est.Stores[i].Store
		if _, err := lay.PutStore(ctx, &st); err != nil {
			return err
		}
		zones := slices.Clone(est.Stores[i].Zones)
		from, _ := est.Window(i)
		if _, err := lay.PutZones(ctx, st.Code, zones, from); err != nil {
			return err
		}
		storeIDs[i] = st.ID
		zoneIDs[i] = map[string]int64{}
		for _, z := range zones {
			zoneIDs[i][z.Code] = z.ID
		}
	}
	first, _ := est.Window(0)
	first = first.UTC()
	for m := time.Date(first.Year(), first.Month()-1, 1, 0, 0, 0, 0, time.UTC); m.Before(est.Config.End.AddDate(0, 1, 0)); m = m.AddDate(0, 1, 0) {
		if _, err := pool.Exec(ctx, `SELECT ensure_event_partition($1)`, m); err != nil {
			return err
		}
	}
	var next, done atomic.Int64
	var events, outcomes, footfall atomic.Int64
	start := time.Now()
	errc := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(est.Stores) {
					return
				}
				s := &copySink{store: &est.Stores[i], storeID: storeIDs[i], zones: zoneIDs[i], zoneFootfall: i < zoneStores, occurred: map[[16]byte]time.Time{}}
				if err := est.Stream(i, s); err != nil {
					errc <- err
					return
				}
				if err := s.flush(ctx, pool); err != nil {
					errc <- fmt.Errorf("store %s: %w", est.Stores[i].Code, err)
					return
				}
				events.Add(int64(len(s.events)))
				outcomes.Add(int64(len(s.outcomes)))
				footfall.Add(int64(len(s.footfall)))
				if n := done.Add(1); n%100 == 0 {
					el := time.Since(start)
					log.Printf("loaded %d/%d stores: %d events, %d outcomes, %d footfall rows, %s (%.0f events/s)",
						n, len(est.Stores), events.Load(), outcomes.Load(), footfall.Load(), el.Round(time.Second), float64(events.Load())/el.Seconds())
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	log.Printf("loaded %d events, %d outcomes, %d footfall rows in %s", events.Load(), outcomes.Load(), footfall.Load(), time.Since(start).Round(time.Second))
	_, err := pool.Exec(ctx, `ANALYZE`)
	return err
}

// copySink keeps one store's facts as COPY rows.
type copySink struct {
	store        *estate.Store
	storeID      int64
	zones        map[string]int64
	zoneFootfall bool
	occurred     map[[16]byte]time.Time
	events       [][]any
	outcomes     map[[16]byte]ss.Outcome
	footfall     [][]any
	sales        [][]any
}

func (s *copySink) Event(e ss.Event) error {
	e.StoreID, e.ZoneID = s.storeID, s.zones[e.Zone]
	z := s.store.Zones[slices.IndexFunc(s.store.Zones, func(z ss.Zone) bool { return z.Code == e.Zone })]
	if e.Category == "" {
		e.Category = z.Category
	}
	if e.EstValue < 0 {
		e.EstValue = z.UnitValue
	}
	s.occurred[e.ID] = e.OccurredAt
	s.events = append(s.events, kpi.EventRow(&e))
	return nil
}

func (s *copySink) Outcome(o ss.Outcome) error {
	if s.outcomes == nil {
		s.outcomes = map[[16]byte]ss.Outcome{}
	}
	if prev, ok := s.outcomes[o.EventID]; !ok || !o.At.Before(prev.At) {
		s.outcomes[o.EventID] = o
	}
	return nil
}

func (s *copySink) Footfall(f ss.Footfall) error {
	var zone *int64
	if f.Zone != "" {
		if !s.zoneFootfall {
			return nil
		}
		id := s.zones[f.Zone]
		zone = &id
	}
	s.footfall = append(s.footfall, []any{s.storeID, zone, f.Hour, f.Visitors})
	return nil
}

func (s *copySink) Sale(x ss.Sale) error {
	s.sales = append(s.sales, []any{s.storeID, x.Day, kpi.Money(x.Amount)})
	return nil
}

func (s *copySink) flush(ctx context.Context, pool *pgxpool.Pool) error {
	var outs [][]any
	for id, o := range s.outcomes {
		var v any
		if o.ValueRecovered != nil {
			v = kpi.Money(*o.ValueRecovered)
		}
		outs = append(outs, []any{id, s.storeID, s.occurred[id], string(o.Kind), o.At, o.RespondedAt, v})
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"events", kpi.EventColumns, s.events},
		{"outcomes", []string{"event_id", "store_id", "occurred_at", "outcome", "at", "responded_at", "value_recovered"}, outs},
		{"footfall", []string{"store_id", "zone_id", "hour", "visitors"}, s.footfall},
		{"sales", []string{"store_id", "day", "amount"}, s.sales},
	} {
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	return nil
}
