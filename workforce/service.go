package workforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// StoreReader finds stores (layout.Service is one).
type StoreReader interface {
	Store(ctx context.Context, code string) (*ss.Store, error)
	Stores(ctx context.Context, scope []string) ([]ss.Store, error)
}

// Service stores policies and plans around the pure forecast and optimiser.
type Service struct {
	pool   *pgxpool.Pool
	stores StoreReader
	kpis   *kpi.KPIs
	// Forecast tunes every forecast; zero values take its defaults.
	Forecast ForecastConfig
	// SOC is the SOC workload definition of every store without its own
	// override in its staffing policy; a zero field takes
	// DefaultSOCParams' (90 s, 30 s, 90%, 20 an hour).
	SOC SOCParams
	// HourlyCosts is the default hourly_cost of a store without a policy, by
	// its currency, in that currency. A currency without one takes
	// DefaultPolicy's, which is in the reporting currency, converted at the
	// latest rate of the last year; with no rate either, DefaultPolicy's
	// figure as it is. Default none.
	HourlyCosts map[ss.Currency]float64
}

// defaultPolicy is DefaultPolicy with the hourly cost of st's currency.
func (s *Service) defaultPolicy(ctx context.Context, st *ss.Store) (Policy, error) {
	p := DefaultPolicy()
	if v, ok := s.HourlyCosts[st.Currency]; ok {
		p.HourlyCost = v
		return p, nil
	}
	var err error
	p.HourlyCost, err = s.inCurrency(ctx, st, p.HourlyCost)
	return p, err
}

// SOCParams is store st's SOC workload definition: its staffing policy's
// overrides over the configured defaults.
func (s *Service) SOCParams(ctx context.Context, st *ss.Store) (SOCParams, error) {
	p, err := s.Policy(ctx, st)
	if err != nil {
		return SOCParams{}, err
	}
	d := s.SOC.WithDefaults(DefaultSOCParams())
	if p.OperatorHourly == nil {
		// The configured operator rate is in the reporting currency.
		if d.OperatorHourly, err = s.inCurrency(ctx, st, d.OperatorHourly); err != nil {
			return SOCParams{}, err
		}
	}
	return p.SOC(d), nil
}

// inCurrency converts v, an amount of the reporting currency, to st's
// currency at the latest rate of the last year, rounded to its minor unit;
// v as it is for a store in the reporting currency or without a rate.
func (s *Service) inCurrency(ctx context.Context, st *ss.Store, v float64) (float64, error) {
	if st.Currency == "" || st.Currency == s.kpis.ReportingCurrency() {
		return v, nil
	}
	now := time.Now().UTC()
	rates, err := s.kpis.Rates(ctx, st.Currency, now.AddDate(-1, 0, 0), now)
	if err != nil {
		return 0, fmt.Errorf("workforce: rate of %s for store %s: %w", st.Currency, st.Code, err)
	}
	if len(rates) == 0 {
		return v, nil
	}
	scale := math.Pow10(st.Currency.StoredDecimals())
	return math.Round(v/rates[len(rates)-1].Rate*scale) / scale, nil
}

// SOCLoad is store st's SOC workload for the local week whose Monday is
// week: its forecast alerts of each open hour under its SOCParams. Plans,
// /soc-staffing and the segments' SOC return all count it this way.
func (s *Service) SOCLoad(ctx context.Context, st *ss.Store, week time.Time) (SOCLoad, error) {
	p, err := s.SOCParams(ctx, st)
	if err != nil {
		return SOCLoad{}, err
	}
	fc, err := s.ForecastWeek(ctx, st, week)
	if err != nil {
		return SOCLoad{}, err
	}
	l := p.Load(fc)
	l.Store, l.Week = st.Code, week.Format(time.DateOnly)
	return l, nil
}

// New returns a Service on pool reading stores from stores and KPIs from kpis.
func New(pool *pgxpool.Pool, stores StoreReader, kpis *kpi.KPIs) *Service {
	return &Service{pool: pool, stores: stores, kpis: kpis}
}

// ParseWeek reads a week parameter: any local date (YYYY-MM-DD) names the
// ISO week holding it; the answer is that week's Monday.
func ParseWeek(field, s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, ss.Errorf(ss.EINVALID, field, "%s must be a date (YYYY-MM-DD) in the week, got %q", field, s)
	}
	if d.Year() < 2000 || d.Year() > 2100 {
		return time.Time{}, ss.Errorf(ss.EINVALID, field, "%s must lie between 2000 and 2100, got %q", field, s)
	}
	return WeekStart(d, time.UTC), nil
}

// Policy returns the store's policy, or DefaultPolicy (with its currency's
// hourly cost) when none is set.
func (s *Service) Policy(ctx context.Context, st *ss.Store) (Policy, error) {
	var raw []byte
	err := s.pool.QueryRow(ctx, `SELECT policy FROM staffing_policies WHERE store_id = $1`, st.ID).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return s.defaultPolicy(ctx, st)
	}
	if err != nil {
		return Policy{}, fmt.Errorf("workforce: policy of %s: %w", st.Code, err)
	}
	p, err := s.defaultPolicy(ctx, st)
	if err != nil {
		return Policy{}, err
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return Policy{}, fmt.Errorf("workforce: policy of %s: %w", st.Code, err)
	}
	return p, nil
}

const upsertPolicy = `
INSERT INTO staffing_policies (store_id, policy, set_by) VALUES ($1, $2, $3)
ON CONFLICT (store_id) DO UPDATE SET policy = excluded.policy, set_by = excluded.set_by, updated_at = now()`

// PutPolicy validates and stores the store's policy.
func (s *Service) PutPolicy(ctx context.Context, st *ss.Store, p Policy, by string) error {
	if err := p.Validate(); err != nil {
		return err
	}
	raw, _ := json.Marshal(p)
	if _, err := s.pool.Exec(ctx, upsertPolicy, st.ID, raw, by); err != nil {
		return fmt.Errorf("workforce: put policy of %s: %w", st.Code, err)
	}
	return nil
}

// ForecastWeek forecasts the store's local week whose Monday is week.
func (s *Service) ForecastWeek(ctx context.Context, st *ss.Store, week time.Time) ([]HourForecast, error) {
	loc, err := st.Location()
	if err != nil {
		return nil, fmt.Errorf("workforce: store %s time zone: %w", st.Code, err)
	}
	cfg := s.Forecast.withDefaults()
	start := time.Date(week.Year(), week.Month(), week.Day(), 0, 0, 0, 0, loc)
	from := time.Date(week.Year(), week.Month(), week.Day()-7*cfg.Weeks-1, 0, 0, 0, 0, loc)
	rows, first, err := s.kpis.StoreHours(ctx, st.ID, from, start)
	if err != nil {
		return nil, err
	}
	h := History{Since: first, Facts: make([]HourFact, len(rows))}
	if first.IsZero() {
		h.Since = start // no data at all: no history
	}
	for i, r := range rows {
		h.Facts[i] = HourFact{Start: r.Hour, Events: float64(r.Events), Detections: float64(r.Detections), Loss: r.EstLoss, Visitors: float64(r.Visitors)}
	}
	return Forecast(h, loc, st.OpeningHours, start, nil, cfg), nil
}

// MakePlan builds the store's plan for the week from its forecast and
// policy and stores it, replacing an older one.
func (s *Service) MakePlan(ctx context.Context, code string, week time.Time, by string) (*Plan, error) {
	st, err := s.stores.Store(ctx, code)
	if err != nil {
		return nil, err
	}
	return s.makePlan(ctx, st, week, by)
}

func (s *Service) makePlan(ctx context.Context, st *ss.Store, week time.Time, by string) (*Plan, error) {
	p, err := s.Policy(ctx, st)
	if err != nil {
		return nil, err
	}
	fc, err := s.ForecastWeek(ctx, st, week)
	if err != nil {
		return nil, err
	}
	loc, _ := st.Location()
	soc, err := s.SOCParams(ctx, st)
	if err != nil {
		return nil, err
	}
	pl, err := BuildPlan(ctx, st, loc, week, fc, p, soc)
	if err != nil {
		return nil, err
	}
	if err := s.storePlan(ctx, st, &pl, by); err != nil {
		return nil, err
	}
	return &pl, nil
}

const upsertPlan = `
INSERT INTO staffing_plans (store_id, week, paid_hours, cost, uncovered_loss, plan, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (store_id, week) DO UPDATE SET paid_hours = excluded.paid_hours, cost = excluded.cost,
    uncovered_loss = excluded.uncovered_loss, plan = excluded.plan, created_by = excluded.created_by, created_at = now()`

func (s *Service) storePlan(ctx context.Context, st *ss.Store, pl *Plan, by string) error {
	raw, err := json.Marshal(pl)
	if err != nil {
		return fmt.Errorf("workforce: encode plan of %s: %w", st.Code, err)
	}
	if _, err := s.pool.Exec(ctx, upsertPlan, st.ID, pl.Week, pl.PaidHours, pl.Cost, pl.UncoveredLoss, raw, by); err != nil {
		return fmt.Errorf("workforce: store plan of %s for %s: %w", st.Code, pl.Week, err)
	}
	return nil
}

// Plan returns the stored plan of store code for week, or ENOTFOUND.
func (s *Service) Plan(ctx context.Context, code string, week time.Time) (*Plan, error) {
	var raw []byte
	err := s.pool.QueryRow(ctx, `SELECT p.plan FROM staffing_plans p JOIN store_directory s ON s.id = p.store_id WHERE s.code = $1 AND p.week = $2`,
		code, week).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ss.Errorf(ss.ENOTFOUND, "week", "no staffing plan for store %q in the week of %s", code, week.Format(time.DateOnly))
	}
	if err != nil {
		return nil, fmt.Errorf("workforce: plan of %s: %w", code, err)
	}
	var pl Plan
	if err := json.Unmarshal(raw, &pl); err != nil {
		return nil, fmt.Errorf("workforce: plan of %s: %w", code, err)
	}
	return &pl, nil
}

// Plans returns the stored plans of week for the stores in scope (empty:
// all), by store code.
func (s *Service) Plans(ctx context.Context, week time.Time, scope []string) ([]Plan, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.plan FROM staffing_plans p JOIN store_directory s ON s.id = p.store_id
		WHERE p.week = $1 AND (coalesce(cardinality($2::text[]), 0) = 0 OR s.code = ANY($2)) ORDER BY s.code`, week, scope)
	if err != nil {
		return nil, fmt.Errorf("workforce: plans of %s: %w", week.Format(time.DateOnly), err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Plan, error) {
		var raw []byte
		var pl Plan
		if err := r.Scan(&raw); err != nil {
			return pl, err
		}
		return pl, json.Unmarshal(raw, &pl)
	})
	if err != nil {
		return nil, fmt.Errorf("workforce: plans of %s: %w", week.Format(time.DateOnly), err)
	}
	return out, nil
}

// PlanWeek builds and stores the plan of every store for the week holding
// day (the weekly job calls it with the coming Monday) and returns how many
// it stored. A store that fails does not stop the others; their errors come
// back joined.
func (s *Service) PlanWeek(ctx context.Context, day time.Time) (int, error) {
	week := WeekStart(time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC), time.UTC)
	stores, err := s.stores.Stores(ctx, nil)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for i := range stores {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		if _, err := s.makePlan(ctx, &stores[i], week, "scheduler"); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// SOCWeek is the operator staffing of a SOC serving several stores.
type SOCWeek struct {
	Week          string   `json:"week"`
	Stores        []string `json:"stores"`
	HandleSeconds float64  `json:"handle_seconds"`
	ServiceLevel  float64  `json:"service_level"`
	AnswerSeconds float64  `json:"answer_seconds"`
	// OperatorHourly and Cost (OperatorHours × OperatorHourly) are absent
	// when the stores' operator hours cost differently.
	OperatorHourly *float64  `json:"operator_hourly,omitempty"`
	Cost           *float64  `json:"cost,omitempty"`
	PeakOperators  int       `json:"peak_operators"`
	OperatorHours  int       `json:"operator_hours"`
	Hours          []SOCHour `json:"hours"`
}

// SOCOverride is what a /soc-staffing request sets over the stores' own
// SOC definitions; nil fields keep theirs.
type SOCOverride struct {
	HandleSeconds, ServiceLevel, AnswerSeconds *float64
}

// maxSOCStores bounds the stores of one SOC: each costs a forecast (three
// queries over nine weeks of its hourly rollups, some tens of milliseconds),
// and a SOC desk watches tens of stores, a large one a couple of hundred.
const maxSOCStores = 200

// SOCStaffing staffs one SOC for the stores' local weeks starting on week's
// Monday: their forecast alerts of open hours summed per UTC hour, operators
// per hour by Erlang C on the sum, under the stores' SOC definition
// (SOCParams) with o's fields over it. The stores must share handling time,
// answer time and service level (one SOC has one target) unless o sets
// them. A store named twice is counted once; codes is the "stores"
// parameter, at most maxSOCStores different ones. For one store the
// operator hours are its SOCLoad's.
func (s *Service) SOCStaffing(ctx context.Context, codes []string, week time.Time, o SOCOverride) (*SOCWeek, error) {
	seen := make(map[string]bool, len(codes))
	uniq := make([]string, 0, min(len(codes), maxSOCStores))
	for _, code := range codes {
		if code == "" {
			return nil, ss.Errorf(ss.EINVALID, "stores", "stores holds an empty store code")
		}
		if !seen[code] {
			if len(uniq) == maxSOCStores {
				return nil, ss.Errorf(ss.EINVALID, "stores", "at most %d stores per SOC", maxSOCStores)
			}
			seen[code] = true
			uniq = append(uniq, code)
		}
	}
	codes = uniq
	alerts := map[int64]float64{}
	var q SOCParams
	sameRate := true
	for i, code := range codes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st, err := s.stores.Store(ctx, code)
		if err != nil {
			return nil, err
		}
		p, err := s.SOCParams(ctx, st)
		if err != nil {
			return nil, err
		}
		for _, f := range []struct {
			dst *float64
			o   *float64
		}{{&p.HandleSeconds, o.HandleSeconds}, {&p.ServiceLevel, o.ServiceLevel}, {&p.AnswerSeconds, o.AnswerSeconds}} {
			if f.o != nil {
				*f.dst = *f.o
			}
		}
		if i == 0 {
			q = p
		} else if p.HandleSeconds != q.HandleSeconds || p.ServiceLevel != q.ServiceLevel || p.AnswerSeconds != q.AnswerSeconds {
			return nil, ss.Errorf(ss.EINVALID, "stores", "stores %s and %s have different SOC targets (handle_seconds %v and %v, service_level %v and %v, answer_seconds %v and %v): give handle_seconds, service_level and answer_seconds to staff them as one SOC",
				codes[0], code, q.HandleSeconds, p.HandleSeconds, q.ServiceLevel, p.ServiceLevel, q.AnswerSeconds, p.AnswerSeconds)
		}
		sameRate = sameRate && p.OperatorHourly == q.OperatorHourly
		fc, err := s.ForecastWeek(ctx, st, week)
		if err != nil {
			return nil, err
		}
		for _, f := range fc {
			if f.Open {
				alerts[f.Start.Truncate(time.Hour).Unix()] += f.Alerts
			}
		}
	}
	if err := q.Validate(""); err != nil {
		return nil, err
	}
	out := &SOCWeek{Week: week.Format(time.DateOnly), Stores: codes, HandleSeconds: q.HandleSeconds,
		ServiceLevel: q.ServiceLevel, AnswerSeconds: q.AnswerSeconds, Hours: []SOCHour{}}
	keys := make([]int64, 0, len(alerts))
	for k := range alerts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		a := round6(alerts[k])
		n := q.Operators(a)
		out.Hours = append(out.Hours, SOCHour{Start: time.Unix(k, 0).UTC().Format(time.RFC3339), Alerts: a, Operators: n})
		out.PeakOperators = max(out.PeakOperators, n)
		out.OperatorHours += n
	}
	if sameRate {
		rate, cost := q.OperatorHourly, math.Round(float64(out.OperatorHours)*q.OperatorHourly*100)/100
		out.OperatorHourly, out.Cost = &rate, &cost
	}
	return out, nil
}
