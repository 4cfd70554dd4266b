package layout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shrinkscope/shrinkscope/internal/stats"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// Window is a span of local dates, both inclusive.
type Window struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Evaluation is the measured effect of a layout change.
type Evaluation struct {
	Change       int64       `json:"change"`
	Store        string      `json:"store"`
	Kind         string      `json:"kind"`
	Verdict      string      `json:"verdict"` // improved | no_clear_change | worse | pending | insufficient_data
	ReadyOn      string      `json:"ready_on,omitempty"`
	Method       string      `json:"method"`
	MethodNote   string      `json:"method_note"`
	RateRatio    *float64    `json:"rate_ratio"`
	CILow        *float64    `json:"ci_low"`
	CIHigh       *float64    `json:"ci_high"`
	PValue       *float64    `json:"p_value"`
	EffectPct    *float64    `json:"effect_pct"`
	Dispersion   *float64    `json:"dispersion"`
	Reason       string      `json:"reason,omitempty"`
	Before       Window      `json:"before"`
	After        Window      `json:"after"`
	GapDays      int         `json:"gap_days"`
	Treated      []string    `json:"treated_zones"`
	Control      []string    `json:"control_zones"`
	ExcludedDays int         `json:"excluded_days"` // group-days left out for zero footfall
	Series       []SeriesRow `json:"series"`
	ComputedAt   *time.Time  `json:"computed_at,omitempty"`

	logRR, se *float64
}

var methodNotes = map[string]string{
	MethodDiD: "Poisson GLM of daily events with log(zone footfall) offset, treated × after interaction, " +
		"quasi-Poisson dispersion (Pearson χ² / residual df); the rate ratio is the treated zones' change relative to the store's untreated zones",
	MethodBeforeAfter: "no control zones: the store has no untreated zone with data, so this is the treated zones' " +
		"before/after rate ratio (quasi-Poisson), which cannot separate the change from anything else that moved the store's rate",
}

// Evaluation returns the evaluation of change id: the stored one, else one
// computed now and stored once the after window is complete, else pending
// with the date it will be ready.
func (s *Service) Evaluation(ctx context.Context, id int64) (*Evaluation, error) {
	c, err := s.Change(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.evaluation(ctx, c)
}

func (s *Service) evaluation(ctx context.Context, c *Change) (*Evaluation, error) {
	var raw []byte
	err := s.pool.QueryRow(ctx, `SELECT result FROM layout_evaluations WHERE change_id = $1`, c.ID).Scan(&raw)
	if err == nil {
		var ev Evaluation
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("layout: stored evaluation of change %d: %w", c.ID, err)
		}
		return &ev, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("layout: evaluation of change %d: %w", c.ID, err)
	}
	bFrom, bTo, aFrom, aTo := c.windows()
	ev := &Evaluation{Change: c.ID, Store: c.Store, Kind: c.Kind, GapDays: c.GapDays, Treated: c.Zones,
		Before: Window{bFrom.Format(time.DateOnly), bTo.Format(time.DateOnly)},
		After:  Window{aFrom.Format(time.DateOnly), aTo.Format(time.DateOnly)}, Series: []SeriesRow{}}
	ready := aTo.AddDate(0, 0, 1)
	if localToday(s.now(), c.loc).Before(ready) {
		ev.Verdict, ev.ReadyOn = VerdictPending, ready.Format(time.DateOnly)
		ev.Method, ev.Control = MethodDiD, []string{}
		return ev, nil
	}
	if err := s.compute(ctx, c, ev); err != nil {
		return nil, fmt.Errorf("layout: evaluate change %d: %w", c.ID, err)
	}
	now := s.now().UTC().Truncate(time.Second)
	ev.ComputedAt = &now
	raw, _ = json.Marshal(ev)
	_, err = s.pool.Exec(ctx, `
INSERT INTO layout_evaluations (change_id, method, log_rr, se, verdict, result, computed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (change_id) DO NOTHING`,
		c.ID, ev.Method, ev.logRR, ev.se, ev.Verdict, raw, now)
	if err != nil {
		return nil, fmt.Errorf("layout: store evaluation of change %d: %w", c.ID, err)
	}
	return ev, nil
}

// compute reads the zone-days of the change's windows and fits them.
func (s *Service) compute(ctx context.Context, c *Change, ev *Evaluation) error {
	bFrom, bTo, aFrom, aTo := c.windows()
	zones, err := s.pool.Query(ctx, `SELECT id, code FROM zones WHERE store_id = $1`, c.storeID)
	if err != nil {
		return err
	}
	codeOf := map[int64]string{}
	var zid int64
	var code string
	if _, err := pgx.ForEachRow(zones, []any{&zid, &code}, func() error { codeOf[zid] = code; return nil }); err != nil {
		return err
	}
	// Zones another change touched inside the windows are no controls.
	busy := map[string]bool{}
	rows, err := s.pool.Query(ctx, `
SELECT unnest(zones) FROM layout_changes
WHERE store_id = $1 AND id <> $2 AND implemented_at > $3 AND implemented_at <= $4`, c.storeID, c.ID, bFrom, aTo)
	if err != nil {
		return err
	}
	if _, err := pgx.ForEachRow(rows, []any{&code}, func() error { busy[code] = true; return nil }); err != nil {
		return err
	}
	days, err := s.kpis.ZoneDays(ctx, c.storeID, bFrom, aTo)
	if err != nil {
		return err
	}
	group := map[int64]string{}
	ev.Control = []string{}
	for id, code := range codeOf {
		switch {
		case slices.Contains(c.Zones, code):
			group[id] = "treated"
		case !busy[code]:
			group[id] = "control"
		}
	}
	withData := zonesWithFootfall(days)
	for id, g := range group {
		if g == "control" && withData[id] {
			ev.Control = append(ev.Control, codeOf[id])
		}
	}
	slices.Sort(ev.Control)
	ev.Series, ev.ExcludedDays = BuildSeries(days, group, bFrom, bTo, aFrom, aTo)
	est := Fit(ev.Series)
	ev.Method, ev.MethodNote, ev.Verdict, ev.Reason = est.Method, methodNotes[est.Method], est.Verdict, est.Reason
	if est.Verdict != VerdictInsufficient {
		ev.report(est)
	}
	return nil
}

// report copies the fit's figures into ev, rounded as the API documents:
// the rate ratio and its interval to six decimals (they sit near 1, where
// that is more than their precision), the effect to hundredths of a
// percent, and the p-value and the dispersion to stats.StatDigits
// significant digits, since six fixed decimals read a p of 1.6e-6 as 2e-6
// and one under 5e-7 as 0.
func (ev *Evaluation) report(est Estimate) {
	f := func(v float64) *float64 { return &v }
	r6 := func(v float64) *float64 { return f(math.Round(v*1e6) / 1e6) }
	sig := func(v float64) *float64 { return f(stats.Significant(v, stats.StatDigits)) }
	ev.RateRatio, ev.CILow, ev.CIHigh = r6(est.RateRatio), r6(est.CILow), r6(est.CIHigh)
	ev.PValue, ev.EffectPct, ev.Dispersion = sig(est.PValue), f(math.Round(est.EffectPct*100)/100), sig(est.Dispersion)
	ev.logRR, ev.se = f(est.LogRR), f(est.SE)
}

func zonesWithFootfall(days []kpi.ZoneDay) map[int64]bool {
	out := map[int64]bool{}
	for _, d := range days {
		if d.Visitors > 0 {
			out[d.ZoneID] = true
		}
	}
	return out
}

// BuildSeries sums zone-days per local day of the before window bFrom..bTo
// and the after window aFrom..aTo (dates inclusive) and group, where group
// maps a zone id to "treated" or "control" (zones absent from it are left
// out, as are control zones without any footfall in the windows). A
// group-day without footfall is left out and counted in excluded; there is
// no control group when no control zone has footfall.
func BuildSeries(days []kpi.ZoneDay, group map[int64]string, bFrom, bTo, aFrom, aTo time.Time) (series []SeriesRow, excluded int) {
	withData := zonesWithFootfall(days)
	control := false
	for id, g := range group {
		if g == "control" && withData[id] {
			control = true
		}
	}
	type key struct {
		day   time.Time
		group string
	}
	sum := map[key]*SeriesRow{}
	for _, d := range days {
		g, ok := group[d.ZoneID]
		if !ok || g == "control" && !withData[d.ZoneID] {
			continue
		}
		k := key{d.Date, g}
		r := sum[k]
		if r == nil {
			r = &SeriesRow{}
			sum[k] = r
		}
		r.Events += d.Events
		r.Visitors += d.Visitors
	}
	groups := []string{"treated"}
	if control {
		groups = append(groups, "control")
	}
	var out []SeriesRow
	for _, w := range []struct {
		period   string
		from, to time.Time
	}{{"before", bFrom, bTo}, {"after", aFrom, aTo}} {
		for d := w.from; !d.After(w.to); d = d.AddDate(0, 0, 1) {
			for _, g := range groups {
				r := sum[key{d, g}]
				if r == nil || r.Visitors == 0 {
					excluded++
					continue
				}
				out = append(out, SeriesRow{Date: d.Format(time.DateOnly), Group: g, Period: w.period, Events: r.Events, Visitors: r.Visitors})
			}
		}
	}
	if out == nil {
		out = []SeriesRow{}
	}
	return out, excluded
}

// EvaluateDue evaluates every change whose after window has ended and that
// has no stored evaluation yet; it returns how many it stored. The daily
// evaluations job runs it.
func (s *Service) EvaluateDue(ctx context.Context) (int, error) {
	rows, err := s.pool.Query(ctx, selectChanges+`
WHERE e.change_id IS NULL AND c.implemented_at + c.gap_days + c.after_days <= ($1::timestamptz AT TIME ZONE s.timezone)::date
ORDER BY c.id`, s.now())
	if err != nil {
		return 0, fmt.Errorf("layout: due evaluations: %w", err)
	}
	due, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Change, error) { return scanChange(r) })
	if err != nil {
		return 0, fmt.Errorf("layout: due evaluations: %w", err)
	}
	n := 0
	for _, c := range due {
		ev, err := s.evaluation(ctx, c)
		if err != nil {
			return n, err
		}
		if ev.Verdict != VerdictPending {
			n++
		}
	}
	return n, nil
}
