package kpi

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// SegmentSnapshot is one store's segment as the daily segments job
// recorded it: over the window ending Day.
type SegmentSnapshot struct {
	Day         string            `json:"day"`
	Store       string            `json:"store"`
	Status      string            `json:"status"`
	Tier        string            `json:"tier,omitempty"`
	RiskIndex   *float64          `json:"risk_index,omitempty"`
	Current     ss.OperatingModel `json:"current_model"`
	Recommended ss.OperatingModel `json:"recommended_model,omitempty"`
	Mismatch    bool              `json:"mismatch"`
	Rationale   string            `json:"rationale"`
}

// SnapshotSegments computes every store's segment over from..to (as
// Segments) and records it under the day to, replacing what an earlier run
// recorded for that day. It returns the stores recorded.
func (k *KPIs) SnapshotSegments(ctx context.Context, from, to time.Time, cfg SegmentConfig) (int, error) {
	segs, err := k.Segments(ctx, from, to, nil, cfg)
	if err != nil {
		return 0, err
	}
	n := len(segs)
	var (
		codes, status, tiers, current, recommended, rationale = make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n)
		risk     = make([]*float64, n)
		mismatch = make([]bool, n)
		bodies   = make([]string, n)
	)
	for i, s := range segs {
		codes[i], status[i], tiers[i], risk[i] = s.Store, s.Status, s.Tier, s.RiskIndex
		current[i], recommended[i], mismatch[i], rationale[i] = string(s.Current), string(s.Recommended), s.Mismatch, s.Rationale
		b, err := json.Marshal(s)
		if err != nil {
			return 0, fmt.Errorf("kpi: snapshot segments: %w", err)
		}
		bodies[i] = string(b)
	}
	tag, err := k.pool.Exec(ctx, `
INSERT INTO segment_snapshots (store_id, day, status, tier, risk_index, current_model, recommended_model, mismatch, rationale, segment)
SELECT s.id, $1::date, x.status, x.tier, x.risk, x.current, x.recommended, x.mismatch, x.rationale, x.segment::jsonb
FROM unnest($2::text[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::text[], $8::bool[], $9::text[], $10::text[])
     AS x(code, status, tier, risk, current, recommended, mismatch, rationale, segment)
JOIN stores s ON s.code = x.code
ON CONFLICT (store_id, day) DO UPDATE SET
    status = excluded.status, tier = excluded.tier, risk_index = excluded.risk_index,
    current_model = excluded.current_model, recommended_model = excluded.recommended_model,
    mismatch = excluded.mismatch, rationale = excluded.rationale, segment = excluded.segment,
    computed_at = now()`,
		to, codes, status, tiers, risk, current, recommended, mismatch, rationale, bodies)
	if err != nil {
		return 0, fmt.Errorf("kpi: snapshot segments: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// SegmentHistory lists the recorded snapshots of days from..to (both
// inclusive) of the stores in scope (every store for nil), or of store alone
// when given, by store code and then day.
func (k *KPIs) SegmentHistory(ctx context.Context, from, to time.Time, scope []string, store string) ([]SegmentSnapshot, error) {
	if scope == nil {
		scope = []string{}
	}
	rows, err := k.pool.Query(ctx, `
SELECT to_char(g.day, 'YYYY-MM-DD'), s.code, g.status, g.tier, g.risk_index, g.current_model, g.recommended_model, g.mismatch, g.rationale
FROM segment_snapshots g JOIN stores s ON s.id = g.store_id
WHERE g.day BETWEEN $1::date AND $2::date
  AND (cardinality($3::text[]) = 0 OR s.code = ANY($3::text[]))
  AND ($4 = '' OR s.code = $4)
ORDER BY s.code, g.day`, from, to, scope, store)
	if err != nil {
		return nil, fmt.Errorf("kpi: segment history: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SegmentSnapshot, error) {
		var g SegmentSnapshot
		var cur, rec string
		err := r.Scan(&g.Day, &g.Store, &g.Status, &g.Tier, &g.RiskIndex, &cur, &rec, &g.Mismatch, &g.Rationale)
		g.Current, g.Recommended = ss.OperatingModel(cur), ss.OperatingModel(rec)
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("kpi: segment history: %w", err)
	}
	if out == nil {
		out = []SegmentSnapshot{}
	}
	return out, nil
}
