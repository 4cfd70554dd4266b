package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
)

// LoadReady generates the estate of cfg, loads it and builds its KPI
// rollups, layout evaluations and recommendations, so dashboards can read it at once: what the demo, the page tests,
// the screenshots and the page benchmark start from.
func LoadReady(ctx context.Context, pool *pgxpool.Pool, cfg estate.Config) (*estate.Estate, Stats, error) {
	est := estate.New(cfg)
	st, err := Load(ctx, pool, est, nil)
	if err != nil {
		return nil, st, err
	}
	if _, err := kpi.NewRollups(pool).Refresh(ctx); err != nil {
		return nil, st, fmt.Errorf("seed: build rollups: %w", err)
	}
	lay := layout.New(pool)
	if _, err := lay.EvaluateDue(ctx); err != nil {
		return nil, st, fmt.Errorf("seed: evaluate layout changes: %w", err)
	}
	if _, err := lay.RefreshRecommendations(ctx); err != nil {
		return nil, st, fmt.Errorf("seed: recommendations: %w", err)
	}
	return est, st, nil
}
