package kpi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Target is a KPI goal for one store, or for the estate when Store is "".
type Target struct {
	ID    int64   `json:"id"`
	Store string  `json:"store,omitempty"`
	KPI   string  `json:"kpi"`
	Op    string  `json:"op"` // "<=" or ">="
	Value float64 `json:"value"`
	// Period is the span Value is for — "day", "week" or "month" — on an
	// additive KPI (Additive), where it is required; ratio targets have
	// none. A request is judged against Value scaled to its length.
	Period       string     `json:"period,omitempty"`
	Note         string     `json:"note,omitempty"`
	SetBy        string     `json:"set_by"`
	SetAt        time.Time  `json:"set_at"`
	SupersededAt *time.Time `json:"superseded_at,omitempty"`
}

// Verdict is a KPI's target and whether the figure meets it (null when the
// figure is null). A target with a period is judged against its value
// scaled to the row's length: JudgedAgainst = Value × Periods, to the cent,
// where Periods counts the target's periods in the row's days (a month
// day by day, each 1/(days of its month)).
type Verdict struct {
	Op            string   `json:"op"`
	Value         float64  `json:"value"`
	Period        string   `json:"period,omitempty"`  // the target's period; absent for a ratio
	Periods       *float64 `json:"periods,omitempty"` // the target's periods in the row (with Period)
	Days          *float64 `json:"days,omitempty"`    // the row's length in days (with Period)
	JudgedAgainst float64  `json:"judged_against"`    // Value, or Value × Periods with a period
	Scope         string   `json:"scope"`             // "store" or "estate": where the target was set
	Met           *bool    `json:"met"`
}

// Validate checks a target before it is set.
func (t *Target) Validate() error {
	known := false
	for _, k := range KPINames {
		known = known || k == t.KPI
	}
	if !known {
		return ss.Errorf(ss.EINVALID, "kpi", "kpi %q is not one of %v", t.KPI, KPINames)
	}
	if t.Op != "<=" && t.Op != ">=" {
		return ss.Errorf(ss.EINVALID, "op", `op must be "<=" or ">=", got %q`, t.Op)
	}
	if t.Value != t.Value || t.Value < 0 || t.Value > 1e12 {
		return ss.Errorf(ss.EINVALID, "value", "value must be a non-negative number")
	}
	if err := validPeriod(t); err != nil {
		return err
	}
	if err := ss.CheckText("note", t.Note, 500); err != nil {
		return err
	}
	return nil
}

// SetTarget makes t the live target of its store (or the estate) and KPI;
// the one it replaces is kept, closed, in the history.
func (k *KPIs) SetTarget(ctx context.Context, t *Target) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		var storeID *int64
		if t.Store != "" {
			var id int64
			err := tx.QueryRow(ctx, `SELECT id FROM store_directory WHERE code = $1`, t.Store).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				return ss.Errorf(ss.ENOTFOUND, "store", "no store with code %q", t.Store)
			}
			if err != nil {
				return err
			}
			storeID = &id
		}
		// Serialise changes of one target so two writers cannot both leave a live one.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('kpi_target:' || coalesce($1::bigint, 0) || ':' || $2))`, storeID, t.KPI); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE kpi_targets SET superseded_at = now() WHERE coalesce(store_id, 0) = coalesce($1::bigint, 0) AND kpi = $2 AND superseded_at IS NULL`, storeID, t.KPI); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO kpi_targets (store_id, kpi, op, value, period, note, set_by) VALUES ($1, $2, $3, $4, nullif($5, ''), $6, $7) RETURNING id, set_at`,
			storeID, t.KPI, t.Op, t.Value, t.Period, t.Note, t.SetBy).Scan(&t.ID, &t.SetAt)
	})
}

// ClearTarget closes the live target of a store (or the estate) and KPI.
func (k *KPIs) ClearTarget(ctx context.Context, store, kpi string) error {
	tag, err := k.pool.Exec(ctx, `
UPDATE kpi_targets t SET superseded_at = now()
WHERE t.kpi = $2 AND t.superseded_at IS NULL
  AND coalesce(t.store_id, 0) = coalesce((SELECT id FROM store_directory WHERE code = $1), 0)
  AND ($1 = '' OR t.store_id IS NOT NULL)`, store, kpi)
	if err != nil {
		return fmt.Errorf("kpi: clear target: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ss.Errorf(ss.ENOTFOUND, "kpi", "no live target for %q", kpi)
	}
	return nil
}

// Targets lists targets: live ones, or with history every one ever set,
// newest first. A non-empty scope limits store targets to those stores.
func (k *KPIs) Targets(ctx context.Context, scope []string, history bool) ([]Target, error) {
	rows, err := k.pool.Query(ctx, targetsQuery, history, scope)
	if err != nil {
		return nil, fmt.Errorf("kpi: targets: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Target, error) {
		var t Target
		err := r.Scan(t.fields()...)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("kpi: targets: %w", err)
	}
	return list, nil
}

// targetsQuery lists targets: $1 with history, $2 the stores in scope (none: all).
const targetsQuery = `
SELECT t.id, coalesce(s.code, ''), t.kpi, t.op, t.value, coalesce(t.period, ''), t.note, t.set_by, t.set_at, t.superseded_at
FROM kpi_targets t LEFT JOIN store_directory s ON s.id = t.store_id
WHERE ($1 OR t.superseded_at IS NULL) AND (coalesce(cardinality($2::text[]), 0) = 0 OR s.code IS NULL OR s.code = ANY($2))
ORDER BY t.set_at DESC, t.id DESC`

// liveTargets reads the live targets of every store and the estate
// (targetsQuery), to judge the rows by.
func (rq *request) liveTargets() {
	st := &stmt{builder: "targets", args: []any{false, []string(nil)}}
	var t Target
	rq.reads = append(rq.reads, st.read(targetsQuery, t.fields(), func() error { rq.live = append(rq.live, t); return nil }))
}

// fields are the scan destinations of a targetsQuery row.
func (t *Target) fields() []any {
	return []any{&t.ID, &t.Store, &t.KPI, &t.Op, &t.Value, &t.Period, &t.Note, &t.SetBy, &t.SetAt, &t.SupersededAt}
}

// judge attaches to each row of the answer to q the live target of its
// store (the row's, or the request's store), else the estate's. A target with a period is judged against its
// value scaled to the row's days (rowPeriods); an hour-of-week row gets
// none of those.
func judge(q Query, rows []Row, live []Target) {
	if len(live) == 0 {
		return
	}
	estate := map[string]Target{}
	byStore := map[string]map[string]Target{}
	for _, t := range live {
		if t.Store == "" {
			estate[t.KPI] = t
			continue
		}
		if byStore[t.Store] == nil {
			byStore[t.Store] = map[string]Target{}
		}
		byStore[t.Store][t.KPI] = t
	}
	for i := range rows {
		r := &rows[i]
		values := r.Figures.Values()
		// A row of one store's request (by day, week, zone…) is that store's.
		store := r.Key.Store
		if store == "" {
			store = q.Store
		}
		for _, name := range KPINames {
			t, scope := estate[name], "estate"
			if st, ok := byStore[store][name]; ok && store != "" {
				t, scope = st, "store"
			}
			if t.KPI == "" {
				continue
			}
			v := Verdict{Op: t.Op, Value: t.Value, JudgedAgainst: t.Value, Scope: scope}
			if t.Period != "" {
				n, ok := rowPeriods(q, r.Key, t.Period)
				if !ok {
					continue
				}
				days, _ := rowPeriods(q, r.Key, PeriodDay)
				v.Period, v.Periods, v.Days = t.Period, &n, &days
				v.JudgedAgainst = scaledTarget(t.Value, n)
			}
			if x := values[name]; x != nil {
				met := *x <= v.JudgedAgainst
				if t.Op == ">=" {
					met = *x >= v.JudgedAgainst
				}
				v.Met = &met
			}
			if r.Targets == nil {
				r.Targets = map[string]Verdict{}
			}
			r.Targets[name] = v
		}
	}
}
