package layout

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// Recommendation statuses.
const (
	StatusProposed    = "proposed"
	StatusAccepted    = "accepted"
	StatusRejected    = "rejected"
	StatusImplemented = "implemented"
)

// Recommendation is a stored suggestion with its expected effect.
type Recommendation struct {
	ID        int64      `json:"id"`
	Store     string     `json:"store"`
	Kind      string     `json:"kind"`
	Zones     []string   `json:"zones"`
	Category  string     `json:"category"`
	Rationale string     `json:"rationale"`
	Expected  Effect     `json:"expected_effect"`
	Status    string     `json:"status"`
	Reason    string     `json:"reason,omitempty"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	Change    *int64     `json:"change"` // the layout change that implemented it
	CreatedAt time.Time  `json:"created_at"`
}

// Effects are the expected effects of every change kind, and of each kind
// on each category the estate has evaluated it on.
type Effects struct {
	Kind     map[string]Effect
	Category map[[2]string]Effect // (kind, category)
	tau2     map[string]float64
}

// For is the expected effect of kind on category: the category's own where
// changes of the kind were evaluated on it (partially pooled toward the
// kind's), else the kind's.
func (e Effects) For(kind, category string) Effect {
	if c, ok := e.Category[[2]string{kind, category}]; ok {
		return c
	}
	return e.Kind[kind]
}

// Effects returns the expected effect of every change kind, its prior
// pooled with this estate's evaluated changes of that kind (PoolEffect),
// and of every kind × category evaluated: the category's evaluations
// pooled with the kind's effect as their prior, widened by the spread
// between evaluations beyond their own error (τ², DerSimonian–Laird), so a
// category with few evaluations stays near its kind and one with many
// follows its own (empirical Bayes). A change's category is its
// recommendation's, else its first zone's.
func (s *Service) Effects(ctx context.Context) (Effects, error) {
	rows, err := s.pool.Query(ctx, `
SELECT c.kind, coalesce(r.category, z.category, ''), e.log_rr, e.se
FROM layout_evaluations e JOIN layout_changes c ON c.id = e.change_id
LEFT JOIN recommendations r ON r.id = c.recommendation_id
LEFT JOIN LATERAL (SELECT z.category FROM zones z WHERE z.store_id = c.store_id AND z.code = c.zones[1]
                   ORDER BY z.retired_at DESC NULLS FIRST LIMIT 1) z ON true
WHERE e.log_rr IS NOT NULL AND e.se > 0 ORDER BY c.id`)
	if err != nil {
		return Effects{}, fmt.Errorf("layout: evaluated changes: %w", err)
	}
	type obs struct{ ys, ses []float64 }
	byKind, byCat := map[string]*obs{}, map[[2]string]*obs{}
	var kind, cat string
	var y, se float64
	if _, err := pgx.ForEachRow(rows, []any{&kind, &cat, &y, &se}, func() error {
		for _, o := range []*obs{get(byKind, kind), get(byCat, [2]string{kind, cat})} {
			o.ys, o.ses = append(o.ys, y), append(o.ses, se)
		}
		return nil
	}); err != nil {
		return Effects{}, fmt.Errorf("layout: evaluated changes: %w", err)
	}
	out := Effects{Kind: map[string]Effect{}, Category: map[[2]string]Effect{}, tau2: map[string]float64{}}
	for k, p := range s.cfg.Priors {
		o := get(byKind, k)
		out.Kind[k] = PoolEffect(p, o.ys, o.ses)
		out.tau2[k] = Tau2(o.ys, o.ses)
	}
	for kc, o := range byCat {
		out.Category[kc] = CategoryEffect(out.Kind[kc[0]], out.tau2[kc[0]], o.ys, o.ses)
	}
	return out, nil
}

func get[K comparable, V any](m map[K]*V, k K) *V {
	v, ok := m[k]
	if !ok {
		v = new(V)
		m[k] = v
	}
	return v
}

// upsertRecommendation adds a suggestion unless the same kind and zones are
// already open (then a proposed one gets the fresh rationale and effect),
// were rejected within the quiet time ($10, Config.QuietDays: a
// merchandiser who rejected it is not asked again at once) or implemented
// (whether it worked is Suggest's memory, from the zone's changes).
const upsertRecommendation = `
INSERT INTO recommendations (store_id, kind, zones, category, rationale, expected_rr, expected_low, expected_high, based_on)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::int
WHERE NOT EXISTS (SELECT 1 FROM recommendations
                  WHERE store_id = $1 AND kind = $2 AND zones = $3
                    AND (status = 'implemented' AND decided_at > $11::timestamptz - interval '90 days'
                         OR status = 'rejected' AND decided_at > $11::timestamptz - make_interval(days => $10)))
ON CONFLICT (store_id, kind, zones) WHERE status IN ('proposed', 'accepted') DO UPDATE SET
    rationale = excluded.rationale, expected_rr = excluded.expected_rr, expected_low = excluded.expected_low,
    expected_high = excluded.expected_high, based_on = excluded.based_on
    WHERE recommendations.status = 'proposed'`

// refreshStore regenerates one store's suggestions from its hotspots over
// the HotspotDays to yesterday; it returns how many rows it added or updated.
func (s *Service) refreshStore(ctx context.Context, st *ss.Store, effects Effects) (int, error) {
	loc, err := st.Location()
	if err != nil {
		return 0, err
	}
	w := ss.LastDays(s.now(), loc, s.cfg.HotspotDays)
	from, to := w.From, w.To
	counts, zones, err := s.zoneCounts(ctx, st, from, to)
	if err != nil {
		return 0, err
	}
	ranked, rate, _ := RankHotspots(counts)
	if math.IsNaN(rate) {
		return 0, nil
	}
	evidence, err := s.evidence(ctx, st, ranked, from, to)
	if err != nil {
		return 0, err
	}
	// The rationale's figures are the KPIs' (what the store page shows for
	// the same days): the zone's estimated loss and rate, and the store's
	// concealments per 1,000 entrance visitors.
	q := kpi.Query{From: from, To: to, Dates: true, Store: st.Code, By: kpi.ByZone}
	zoneRows, err := s.kpis.Get(ctx, q)
	if err != nil {
		return 0, err
	}
	for i := range ranked {
		for _, r := range zoneRows {
			if r.Key.Zone == ranked[i].Zone {
				ranked[i].EstLoss = r.EstLoss
				if r.RatePer1k != nil {
					ranked[i].RatePer1k = r.RatePer1k // rounded as the KPIs round it
				}
			}
		}
	}
	q.By = kpi.ByStore
	storeRows, err := s.kpis.Get(ctx, q)
	if err != nil {
		return 0, err
	}
	storeRate := math.NaN()
	if len(storeRows) == 1 && storeRows[0].RatePer1k != nil {
		storeRate = *storeRows[0].RatePer1k
	}
	window := fmt.Sprintf("Over the %d days %s – %s", s.cfg.HotspotDays, from.Format("2 Jan"), to.Format("2 Jan 2006"))
	rejected, err := s.lastRejections(ctx, st.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sg := range Suggest(zones, ranked, storeRate, evidence, window, st.Currency) {
		e := effects.For(sg.Kind, sg.Category)
		rationale := sg.Rationale + " " + effectText(sg, e, effects)
		if note := rejected[rejectionKey(sg.Kind, sg.Zones)]; note != "" {
			rationale += " " + note
		}
		tag, err := s.pool.Exec(ctx, upsertRecommendation, st.ID, sg.Kind, sg.Zones, sg.Category, rationale,
			e.RateRatio, e.Low, e.High, e.BasedOn, s.cfg.QuietDays, s.now())
		if err != nil {
			return n, fmt.Errorf("layout: store recommendation for %s: %w", st.Code, err)
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
}

// effectText says what a suggestion's expected effect rests on.
func effectText(sg Suggestion, e Effect, all Effects) string {
	kind := label(sg.Kind)
	switch _, own := all.Category[[2]string{sg.Kind, sg.Category}]; {
	case own:
		return fmt.Sprintf("Expected: rate ×%.2f (%.2f–%.2f), from %d evaluated %s changes of this estate on %s, pooled toward the kind's ×%.2f.",
			e.RateRatio, e.Low, e.High, e.BasedOn, kind, label(sg.Category), all.Kind[sg.Kind].RateRatio)
	case e.BasedOn > 0:
		return fmt.Sprintf("Expected: rate ×%.2f (%.2f–%.2f), from %d evaluated %s changes of this estate (none yet on %s).",
			e.RateRatio, e.Low, e.High, e.BasedOn, kind, label(sg.Category))
	default:
		return fmt.Sprintf("Expected: rate ×%.2f (%.2f–%.2f), the stated prior for %s: no change of the kind evaluated here yet.",
			e.RateRatio, e.Low, e.High, kind)
	}
}

// lastRejections says, for each kind and zone set of a store rejected
// before, when, by whom and why it was last rejected: the note a
// suggestion carries when it comes back after its quiet time.
func (s *Service) lastRejections(ctx context.Context, store int64) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (kind, zones) kind, zones, decided_by, reason, decided_at FROM recommendations
WHERE store_id = $1 AND status = 'rejected' ORDER BY kind, zones, decided_at DESC`, store)
	if err != nil {
		return nil, fmt.Errorf("layout: rejections: %w", err)
	}
	out := map[string]string{}
	var kind, by, reason string
	var zones []string
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&kind, &zones, &by, &reason, &at}, func() error {
		out[rejectionKey(kind, zones)] = fmt.Sprintf("Rejected before, on %s by %s: %q.", at.Format("2 Jan 2006"), by, reason)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("layout: rejections: %w", err)
	}
	return out, nil
}

func rejectionKey(kind string, zones []string) string {
	return kind + "\x00" + strings.Join(zones, "\x00")
}

// evidence gathers, for each hot zone, its method mix and quiet-hour share
// over the window, and the changes made to it.
func (s *Service) evidence(ctx context.Context, st *ss.Store, ranked []Hotspot, from, to time.Time) (map[string]Evidence, error) {
	out := map[string]Evidence{}
	q := kpi.Query{From: from, To: to, Dates: true, Store: st.Code, By: kpi.ByHourOfWeek}
	storeHours, err := s.kpis.Get(ctx, q)
	if err != nil {
		return nil, err
	}
	// The quiet hours: the third of the open hours of the week with the
	// fewest visitors.
	type hv struct {
		how int
		v   float64
	}
	var open []hv
	var allVisitors float64
	for _, r := range storeHours {
		if r.Key.HourOfWeek != nil && r.Visitors != nil && *r.Visitors > 0 {
			open = append(open, hv{*r.Key.HourOfWeek, float64(*r.Visitors)})
			allVisitors += float64(*r.Visitors)
		}
	}
	slices.SortStableFunc(open, func(a, b hv) int { return cmp.Compare(a.v, b.v) })
	quiet := map[int]bool{}
	var quietVisitors float64
	for _, h := range open[:len(open)/3] {
		quiet[h.how] = true
		quietVisitors += h.v
	}
	tried, err := s.tried(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	for i := range ranked {
		h := &ranked[i]
		ev := Evidence{Methods: map[ss.Method]int64{}, Tried: tried[h.Zone]}
		if hot(h) {
			zq := q
			zq.Zone = h.Zone
			zq.By = kpi.ByMethod
			rows, err := s.kpis.Get(ctx, zq)
			if err != nil {
				return nil, err
			}
			for _, r := range rows {
				ev.Methods[ss.Method(r.Key.Method)] += r.Events
			}
			zq.By = kpi.ByHourOfWeek
			rows, err = s.kpis.Get(ctx, zq)
			if err != nil {
				return nil, err
			}
			var all, inQuiet int64
			for _, r := range rows {
				all += r.Events
				if r.Key.HourOfWeek != nil && quiet[*r.Key.HourOfWeek] {
					inQuiet += r.Events
				}
			}
			if all > 0 && allVisitors > 0 {
				ev.QuietShare, ev.QuietVisitors = float64(inQuiet)/float64(all), quietVisitors/allVisitors
			}
		}
		out[h.Zone] = ev
	}
	return out, nil
}

// tried lists each zone's layout changes, newest first, with their verdicts.
func (s *Service) tried(ctx context.Context, store int64) (map[string][]Tried, error) {
	rows, err := s.pool.Query(ctx, `
SELECT c.zones, c.kind, c.implemented_at::text, coalesce(e.verdict, ''), exp(e.log_rr)
FROM layout_changes c LEFT JOIN layout_evaluations e ON e.change_id = c.id
WHERE c.store_id = $1 ORDER BY c.implemented_at DESC, c.id DESC`, store)
	if err != nil {
		return nil, fmt.Errorf("layout: changes tried: %w", err)
	}
	out := map[string][]Tried{}
	var zones []string
	var t Tried
	_, err = pgx.ForEachRow(rows, []any{&zones, &t.Kind, &t.ImplementedAt, &t.Verdict, &t.RateRatio}, func() error {
		for _, z := range zones {
			out[z] = append(out[z], t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("layout: changes tried: %w", err)
	}
	return out, nil
}

// RefreshStoreRecommendations regenerates one store's recommendations.
func (s *Service) RefreshStoreRecommendations(ctx context.Context, storeCode string) (int, error) {
	st, err := s.Store(ctx, storeCode)
	if err != nil {
		return 0, err
	}
	effects, err := s.Effects(ctx)
	if err != nil {
		return 0, err
	}
	return s.refreshStore(ctx, st, effects)
}

// RefreshRecommendations regenerates every store's recommendations without
// duplicating open ones; it returns how many it added or updated. The
// weekly recommendations job runs it.
func (s *Service) RefreshRecommendations(ctx context.Context) (int, error) {
	stores, err := s.Stores(ctx, nil)
	if err != nil {
		return 0, err
	}
	effects, err := s.Effects(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for i := range stores {
		n, err := s.refreshStore(ctx, &stores[i], effects)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

const selectRecommendations = `
SELECT r.id, s.code, r.kind, r.zones, r.category, r.rationale, r.expected_rr, r.expected_low, r.expected_high,
       r.based_on, r.status, r.reason, r.decided_by, r.decided_at, c.id, r.created_at
FROM recommendations r JOIN stores s ON s.id = r.store_id LEFT JOIN layout_changes c ON c.recommendation_id = r.id`

func scanRecommendation(row pgx.Row) (Recommendation, error) {
	var r Recommendation
	err := row.Scan(&r.ID, &r.Store, &r.Kind, &r.Zones, &r.Category, &r.Rationale, &r.Expected.RateRatio,
		&r.Expected.Low, &r.Expected.High, &r.Expected.BasedOn, &r.Status, &r.Reason, &r.DecidedBy, &r.DecidedAt,
		&r.Change, &r.CreatedAt)
	r.Expected.EffectPct = math.Round(100*(r.Expected.RateRatio-1)*10) / 10
	return r, err
}

// Recommendations lists a store's recommendations as stored (the
// recommendations job, a zone upload, an implemented change or a refresh
// on demand write them): open ones first, then the rest, newest first.
func (s *Service) Recommendations(ctx context.Context, storeCode string) ([]Recommendation, error) {
	if _, err := s.Store(ctx, storeCode); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, selectRecommendations+` WHERE s.code = $1
ORDER BY r.status NOT IN ('proposed', 'accepted'), r.created_at DESC, r.id DESC`, storeCode)
	if err != nil {
		return nil, fmt.Errorf("layout: recommendations of %s: %w", storeCode, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Recommendation, error) { return scanRecommendation(r) })
	if err != nil {
		return nil, fmt.Errorf("layout: recommendations of %s: %w", storeCode, err)
	}
	if out == nil {
		out = []Recommendation{}
	}
	return out, nil
}

// Recommendation returns one recommendation, or an ENOTFOUND error.
func (s *Service) Recommendation(ctx context.Context, id int64) (*Recommendation, error) {
	r, err := scanRecommendation(s.pool.QueryRow(ctx, selectRecommendations+` WHERE r.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ss.Errorf(ss.ENOTFOUND, "id", "no recommendation %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("layout: recommendation %d: %w", id, err)
	}
	return &r, nil
}

// Decide accepts (accept true) or rejects a recommendation. Only a
// proposed one can be accepted; a proposed or accepted one can be rejected,
// with a reason. Anything else is an ECONFLICT error.
func (s *Service) Decide(ctx context.Context, id int64, accept bool, by, reason string) (*Recommendation, error) {
	to, from := StatusAccepted, []string{StatusProposed}
	if !accept {
		to, from = StatusRejected, []string{StatusProposed, StatusAccepted}
		if reason == "" {
			return nil, ss.Errorf(ss.EINVALID, "reason", "a rejection needs a reason")
		}
	}
	if err := ss.CheckText("reason", reason, 2000); err != nil {
		return nil, err
	}
	tag, err := s.pool.Exec(ctx, `
UPDATE recommendations SET status = $2, reason = $3, decided_by = $4, decided_at = $5
WHERE id = $1 AND status = ANY($6)`, id, to, reason, by, s.now(), from)
	if err != nil {
		return nil, fmt.Errorf("layout: decide recommendation %d: %w", id, err)
	}
	r, err := s.Recommendation(ctx, id)
	if err != nil {
		return nil, err
	}
	if tag.RowsAffected() == 0 {
		return nil, ss.Errorf(ss.ECONFLICT, "status", "recommendation %d is %s and cannot be %s", id, r.Status, to)
	}
	return r, nil
}
