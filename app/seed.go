// Package seed loads a synthetic estate into the database through the
// storage layers the API uses (layout for stores and zones, kpi for facts).
package app

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
)

// batchSize is how many facts go to the database in one statement.
const batchSize = 5000

// LoadStats counts what was loaded.
type LoadStats struct {
	Stores, Zones, Events, Outcomes, Footfall, Sales int
}

// LoadEstate writes the estate's stores, zones and facts. progress, when set, is
// called after each store with the number done and the total.
func LoadEstate(ctx context.Context, pool *pgxpool.Pool, e *estate.Estate, progress func(done, total int)) (LoadStats, error) {
	lay := layout.New(pool)
	ing := kpi.NewIngester(pool, lay.Directory())
	var st LoadStats
	for i := range e.Stores {
		start, _ := e.Window(i)
		s := &e.Stores[i]
		store := s.Store
		if _, err := lay.PutStore(ctx, &store); err != nil {
			return st, fmt.Errorf("app: store %s: %w", store.Code, err)
		}
		zones := append([]ss.Zone(nil), s.Zones...)
		if _, err := lay.PutZones(ctx, store.Code, zones, start); err != nil {
			return st, fmt.Errorf("app: zones of %s: %w", store.Code, err)
		}
		if s.Change >= 0 {
			// The change re-merchandises treated zones: a layout change, whose
			// planogram after it is a new version.
			ch := e.Changes[s.Change]
			in := layout.ChangeInput{Zones: ch.Zones, ImplementedAt: ch.At.In(s.Loc()).Format(time.DateOnly),
				Kind: layout.KindProtective, Description: ch.Description}
			if _, err := lay.CreateChange(ctx, store.Code, "seed", in); err != nil {
				return st, fmt.Errorf("app: layout change of %s: %w", store.Code, err)
			}
		}
		sk := &sink{ctx: ctx, ing: ing, storeID: store.ID, zones: map[string]*ss.Zone{}, occurred: map[[16]byte]time.Time{}}
		for j := range zones {
			sk.zones[zones[j].Code] = &zones[j]
		}
		if err := e.Stream(i, sk); err != nil {
			return st, fmt.Errorf("app: generate store %s: %w", store.Code, err)
		}
		if err := sk.flush(); err != nil {
			return st, fmt.Errorf("app: store %s: %w", store.Code, err)
		}
		st.Stores++
		st.Zones += len(zones)
		st.Events += sk.n.Events
		st.Outcomes += sk.n.Outcomes
		st.Footfall += sk.n.Footfall
		st.Sales += sk.n.Sales
		if progress != nil {
			progress(i+1, len(e.Stores))
		}
	}
	return st, nil
}

// sink buffers one store's facts and writes them in batches; outcomes are
// written after the events they refer to.
type sink struct {
	ctx      context.Context
	ing      *kpi.Ingester
	storeID  int64
	zones    map[string]*ss.Zone
	occurred map[[16]byte]time.Time
	events   []ss.Event
	outcomes []kpi.ResolvedOutcome
	footfall []ss.Footfall
	sales    []ss.Sale
	n        LoadStats
}

func (s *sink) Event(ev ss.Event) error {
	z, ok := s.zones[ev.Zone]
	if !ok {
		return fmt.Errorf("event in unknown zone %q", ev.Zone)
	}
	ev.StoreID, ev.ZoneID = s.storeID, z.ID
	if ev.Category == "" {
		ev.Category = z.Category
	}
	if ev.EstValue < 0 {
		ev.EstValue = z.UnitValue
	}
	s.occurred[ev.ID] = ev.OccurredAt
	s.events = append(s.events, ev)
	if len(s.events) >= batchSize {
		return s.flushEvents()
	}
	return nil
}

func (s *sink) Outcome(o ss.Outcome) error {
	at, ok := s.occurred[o.EventID]
	if !ok {
		return fmt.Errorf("outcome for unknown event %s", o.EventID)
	}
	s.outcomes = append(s.outcomes, kpi.ResolvedOutcome{Outcome: o, StoreID: s.storeID, OccurredAt: at})
	if len(s.outcomes) >= batchSize {
		return s.flushOutcomes()
	}
	return nil
}

func (s *sink) Footfall(f ss.Footfall) error {
	f.StoreID = s.storeID
	if f.Zone != "" {
		z, ok := s.zones[f.Zone]
		if !ok {
			return fmt.Errorf("footfall in unknown zone %q", f.Zone)
		}
		f.ZoneID = z.ID
	}
	s.footfall = append(s.footfall, f)
	if len(s.footfall) >= batchSize {
		return s.flushFootfall()
	}
	return nil
}

func (s *sink) Sale(x ss.Sale) error {
	x.StoreID = s.storeID
	s.sales = append(s.sales, x)
	return nil
}

func (s *sink) flushEvents() error {
	if len(s.events) == 0 {
		return nil
	}
	res, err := s.ing.StoreEvents(s.ctx, s.events)
	s.n.Events += res.Accepted
	s.events = s.events[:0]
	return err
}

func (s *sink) flushOutcomes() error {
	if err := s.flushEvents(); err != nil || len(s.outcomes) == 0 {
		return err
	}
	res, err := s.ing.StoreOutcomes(s.ctx, s.outcomes)
	s.n.Outcomes += res.Accepted
	s.outcomes = s.outcomes[:0]
	return err
}

func (s *sink) flushFootfall() error {
	if len(s.footfall) == 0 {
		return nil
	}
	res, err := s.ing.StoreFootfall(s.ctx, s.footfall)
	s.n.Footfall += res.Accepted
	s.footfall = s.footfall[:0]
	return err
}

func (s *sink) flush() error {
	if err := s.flushOutcomes(); err != nil {
		return err
	}
	if err := s.flushFootfall(); err != nil {
		return err
	}
	if len(s.sales) > 0 {
		res, err := s.ing.StoreSales(s.ctx, s.sales)
		s.n.Sales += res.Accepted
		return err
	}
	return nil
}
