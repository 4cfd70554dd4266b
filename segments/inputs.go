package segments

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// StoreLister lists the estate's stores by code, with their ids, profiles
// and opening hours; a non-empty scope limits them to those codes. layout's
// Service is one.
type StoreLister interface {
	Stores(ctx context.Context, scope []string) ([]ss.Store, error)
}

// SOCWorkloads gives a store's SOC operator workload for the local week
// whose Monday is week, as the workforce package defines it for plans and
// /soc-staffing (app hands segments workforce's).
type SOCWorkloads interface {
	SOCWorkload(ctx context.Context, st *ss.Store, week time.Time) (SOCWorkload, error)
}

// Service decides and records the segments of the estate's stores.
type Service struct {
	pool   *pgxpool.Pool
	kpis   *kpi.KPIs
	stores StoreLister
	soc    SOCWorkloads
}

// SetSOC has the SOC model priced on each store's weekly SOC workload from
// w: the week after a window's end (the week holding the day after it, whose
// forecast reads only the window's weeks). Without it the SOC is priced as
// one shared centre (Input.SOC says how).
func (s *Service) SetSOC(w SOCWorkloads) { s.soc = w }

// SOCWeek is the local week (its Monday) whose SOC workload prices a window
// ending on the date to: the ISO week holding the day after it.
func SOCWeek(to time.Time) time.Time {
	d := to.AddDate(0, 0, 1)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// New returns the segmentation service on pool, reading figures through kpis
// and stores through stores.
func New(pool *pgxpool.Pool, kpis *kpi.KPIs, stores StoreLister) *Service {
	return &Service{pool: pool, kpis: kpis, stores: stores}
}

// Window is the period a segmentation reads: 7 to 730 local days, by default
// the 90 ending yesterday. Fewer than 7 days cannot show a weekly pattern;
// past two years a store has usually changed.
var Window = ss.PeriodRules{DefaultDays: 90, MinDays: 7, MaxDays: 730, DatesOnly: true, Days: true}

// HistoryWindow is the period of the recorded segments one read lists: any
// day up to 730 days, by default the 90 ending yesterday.
var HistoryWindow = ss.PeriodRules{DefaultDays: 90, MaxDays: 730, DatesOnly: true, Days: true}

// Segments decides every store of the estate on its figures over the local
// days from..to (both inclusive dates) and returns the stores in scope (all
// when scope is empty). Estate statistics — standardisation, pooled rates
// (and the shared SOC where no SOC workload is set) — always use the whole
// estate; for a scope, each segment is
// Limited, so no figure drawn from a store outside it is returned.
func (s *Service) Segments(ctx context.Context, from, to time.Time, scope []string, cfg Config) ([]Segment, error) {
	all, _, err := s.decide(ctx, from, to, cfg)
	if err != nil {
		return nil, err
	}
	if len(scope) == 0 {
		return all, nil
	}
	in := map[string]bool{}
	for _, c := range scope {
		in[c] = true
	}
	out := all[:0]
	for _, g := range all {
		if in[g.Store] {
			out = append(out, g.Limited())
		}
	}
	return out, nil
}

// decide decides every store of the estate over from..to and returns the
// segments with the stores they were decided for (whose ids Record needs).
func (s *Service) decide(ctx context.Context, from, to time.Time, cfg Config) ([]Segment, []ss.Store, error) {
	per := ss.Period{From: from, To: to, Dates: true}
	if err := Window.Check(per); err != nil {
		return nil, nil, err
	}
	stores, err := s.stores.Stores(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("segments: stores: %w", err)
	}
	totals, err := s.kpis.StoreTotals(ctx, from, to)
	if err != nil {
		return nil, nil, fmt.Errorf("segments: %w", err)
	}
	inputs := make([]Input, len(stores))
	for i := range stores {
		inputs[i] = input(&stores[i], totals[stores[i].ID])
		if s.soc != nil {
			w, err := s.soc.SOCWorkload(ctx, &stores[i], SOCWeek(to))
			if err != nil {
				return nil, nil, fmt.Errorf("segments: SOC workload of %s: %w", stores[i].Code, err)
			}
			inputs[i].SOC = &w
		}
	}
	if err := s.priceInputs(ctx, inputs, stores, to, cfg); err != nil { // money.go
		return nil, nil, err
	}
	return Decide(inputs, per.Days(), cfg), stores, nil
}

// input is a store's profile and its totals over the window.
func input(st *ss.Store, t kpi.StoreTotals) Input {
	return Input{Store: st.Code, Current: st.OperatingModel, Profile: st.Profile,
		Days: t.Days, WeeklyOpenHours: weeklyOpenHours(st.OpeningHours),
		Visitors: t.Visitors, Detections: t.Detections, Events: t.ExpectedEvents, FalsePositives: t.FalsePositives, Reviewed: t.Reviewed,
		EstLoss: t.EstLoss, ConcealedValue: t.ConcealedValue, Paid: t.Paid, Interventions: t.Interventions,
		Blocked: t.Blocked, Lost: t.Lost}
}

// weeklyOpenHours sums a store's opening hours over a week.
func weeklyOpenHours(h ss.OpeningHours) float64 {
	var minutes int
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		for _, iv := range h.Minutes(wd) {
			minutes += iv[1] - iv[0]
		}
	}
	return float64(minutes) / 60
}
