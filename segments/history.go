package segments

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Snapshot is one store's segment as the daily segments job
// recorded it: over the window ending Day.
type Snapshot struct {
	Day         string            `json:"day"`
	Store       string            `json:"store"`
	Status      string            `json:"status"`
	Tier        string            `json:"tier,omitempty"`
	RiskIndex   *float64          `json:"risk_index,omitempty"`
	Current     ss.OperatingModel `json:"current_model"`
	Recommended ss.OperatingModel `json:"recommended_model,omitempty"`
	// NoModelPays: the store was decided (status ok) and no model paid, so
	// none was recommended.
	NoModelPays bool   `json:"no_model_pays"`
	Mismatch    bool   `json:"mismatch"`
	Rationale   string `json:"rationale"`
}

// Record computes every store's segment over from..to (as Segments) and
// records it under the day to, replacing what an earlier run recorded for
// that day. It returns the stores recorded.
func (s *Service) Record(ctx context.Context, from, to time.Time, cfg Config) (int, error) {
	// The stores the segments were decided for name their ids: one read.
	segs, stores, err := s.decide(ctx, from, to, cfg)
	if err != nil {
		return 0, err
	}
	ids := make(map[string]int64, len(stores))
	for _, st := range stores {
		ids[st.Code] = st.ID
	}
	n := len(segs)
	var (
		storeIDs                                       = make([]int64, n)
		status, tiers, current, recommended, rationale = make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n)
		risk     = make([]*float64, n)
		mismatch = make([]bool, n)
		bodies   = make([]string, n)
	)
	for i, g := range segs {
		storeIDs[i], status[i], tiers[i], risk[i] = ids[g.Store], g.Status, g.Tier, g.RiskIndex
		current[i], recommended[i], mismatch[i], rationale[i] = string(g.Current), string(g.Recommended), g.Mismatch, g.Rationale
		b, err := json.Marshal(g)
		if err != nil {
			return 0, fmt.Errorf("segments: record: %w", err)
		}
		bodies[i] = string(b)
	}
	tag, err := s.pool.Exec(ctx, `
INSERT INTO segment_snapshots (store_id, day, status, tier, risk_index, current_model, recommended_model, mismatch, rationale, segment)
SELECT x.store_id, $1::date, x.status, x.tier, x.risk, x.current, x.recommended, x.mismatch, x.rationale, x.segment::jsonb
FROM unnest($2::bigint[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::text[], $8::bool[], $9::text[], $10::text[])
     AS x(store_id, status, tier, risk, current, recommended, mismatch, rationale, segment)
ON CONFLICT (store_id, day) DO UPDATE SET
    status = excluded.status, tier = excluded.tier, risk_index = excluded.risk_index,
    current_model = excluded.current_model, recommended_model = excluded.recommended_model,
    mismatch = excluded.mismatch, rationale = excluded.rationale, segment = excluded.segment,
    computed_at = now()`,
		to, storeIDs, status, tiers, risk, current, recommended, mismatch, rationale, bodies)
	if err != nil {
		return 0, fmt.Errorf("segments: record: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// History lists the recorded snapshots of days from..to (both inclusive) of
// the stores in scope (every store for nil), or of store alone when given,
// by store code and then day. For a scope, each snapshot is as Limited
// leaves its segment: no risk index, and the rationale that names no
// figure of another store.
func (s *Service) History(ctx context.Context, from, to time.Time, scope []string, store string) ([]Snapshot, error) {
	limited := len(scope) > 0
	if store != "" {
		if len(scope) > 0 && !slices.Contains(scope, store) {
			return []Snapshot{}, nil
		}
		scope = []string{store}
	}
	stores, err := s.stores.Stores(ctx, scope)
	if err != nil {
		return nil, fmt.Errorf("segments: history: %w", err)
	}
	codes := make(map[int64]string, len(stores))
	ids := make([]int64, len(stores))
	for i, st := range stores {
		codes[st.ID], ids[i] = st.Code, st.ID
	}
	rows, err := s.pool.Query(ctx, `
SELECT g.store_id, to_char(g.day, 'YYYY-MM-DD'), g.status, g.tier, g.risk_index, g.current_model, g.recommended_model, g.mismatch, g.rationale,
    CASE WHEN $4 THEN g.segment END
FROM segment_snapshots g
WHERE g.day BETWEEN $1::date AND $2::date AND g.store_id = ANY($3::bigint[])`, from, to, ids, limited)
	if err != nil {
		return nil, fmt.Errorf("segments: history: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Snapshot, error) {
		var g Snapshot
		var id int64
		var cur, rec string
		var seg []byte
		if err := r.Scan(&id, &g.Day, &g.Status, &g.Tier, &g.RiskIndex, &cur, &rec, &g.Mismatch, &g.Rationale, &seg); err != nil {
			return g, err
		}
		g.Store, g.Current, g.Recommended = codes[id], ss.OperatingModel(cur), ss.OperatingModel(rec)
		g.NoModelPays = g.Status == StatusOK && rec == ""
		if limited {
			var full Segment
			if err := json.Unmarshal(seg, &full); err != nil {
				return g, fmt.Errorf("segment of store %s on %s: %w", g.Store, g.Day, err)
			}
			g.RiskIndex, g.Rationale = nil, full.Limited().Rationale
		}
		return g, nil
	})
	if err != nil {
		return nil, fmt.Errorf("segments: history: %w", err)
	}
	slices.SortFunc(out, func(a, b Snapshot) int {
		return cmp.Or(strings.Compare(a.Store, b.Store), strings.Compare(a.Day, b.Day))
	})
	if out == nil {
		out = []Snapshot{}
	}
	return out, nil
}
