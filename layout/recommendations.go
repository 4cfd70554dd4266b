package layout

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
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

// Effects returns the expected effect of every change kind: its prior
// pooled with this estate's evaluated changes of that kind.
func (s *Service) Effects(ctx context.Context) (map[string]Effect, error) {
	rows, err := s.pool.Query(ctx, `
SELECT c.kind, e.log_rr, e.se FROM layout_evaluations e JOIN layout_changes c ON c.id = e.change_id
WHERE e.log_rr IS NOT NULL AND e.se > 0 ORDER BY c.id`)
	if err != nil {
		return nil, fmt.Errorf("layout: evaluated changes: %w", err)
	}
	ys, ses := map[string][]float64{}, map[string][]float64{}
	var kind string
	var y, se float64
	if _, err := pgx.ForEachRow(rows, []any{&kind, &y, &se}, func() error {
		ys[kind] = append(ys[kind], y)
		ses[kind] = append(ses[kind], se)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("layout: evaluated changes: %w", err)
	}
	out := map[string]Effect{}
	for k, p := range s.cfg.Priors {
		out[k] = PoolEffect(p, ys[k], ses[k])
	}
	return out, nil
}

// upsertRecommendation adds a suggestion unless the same kind and zones are
// already open (then a proposed one gets the fresh rationale and effect) or
// were decided within the last 90 days (a merchandiser who rejected it is
// not asked again at once).
const upsertRecommendation = `
INSERT INTO recommendations (store_id, kind, zones, category, rationale, expected_rr, expected_low, expected_high, based_on)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
WHERE NOT EXISTS (SELECT 1 FROM recommendations
                  WHERE store_id = $1 AND kind = $2 AND zones = $3
                    AND status IN ('rejected', 'implemented') AND decided_at > $10::timestamptz - interval '90 days')
ON CONFLICT (store_id, kind, zones) WHERE status IN ('proposed', 'accepted') DO UPDATE SET
    rationale = excluded.rationale, expected_rr = excluded.expected_rr, expected_low = excluded.expected_low,
    expected_high = excluded.expected_high, based_on = excluded.based_on
    WHERE recommendations.status = 'proposed'`

// refreshStore regenerates one store's suggestions from its hotspots over
// the HotspotDays to yesterday; it returns how many rows it added or updated.
func (s *Service) refreshStore(ctx context.Context, st *ss.Store, effects map[string]Effect) (int, error) {
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
	n := 0
	for _, sg := range Suggest(zones, ranked, 1000*rate) {
		e := effects[sg.Kind]
		tag, err := s.pool.Exec(ctx, upsertRecommendation, st.ID, sg.Kind, sg.Zones, sg.Category, sg.Rationale,
			e.RateRatio, e.Low, e.High, e.BasedOn, s.now())
		if err != nil {
			return n, fmt.Errorf("layout: store recommendation for %s: %w", st.Code, err)
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
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

// Recommendations regenerates a store's recommendations (on demand) and
// lists them: open ones first, then the rest, newest first.
func (s *Service) Recommendations(ctx context.Context, storeCode string) ([]Recommendation, error) {
	if _, err := s.RefreshStoreRecommendations(ctx, storeCode); err != nil {
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
