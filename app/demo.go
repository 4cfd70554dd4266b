package app

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
)

// LoadReady generates the estate of cfg, loads it and builds its KPI
// rollups, layout evaluations and recommendations, so dashboards can read it
// at once: what the demo, the page tests, the screenshots and the page
// benchmark start from. progress, when set, is called as LoadEstate's is.
func LoadReady(ctx context.Context, pool *pgxpool.Pool, cfg estate.Config, progress func(done, total int)) (*estate.Estate, LoadStats, error) {
	est := estate.New(cfg)
	st, err := LoadEstate(ctx, pool, est, progress)
	if err != nil {
		return nil, st, err
	}
	if err := LoadRates(ctx, kpi.NewKPIs(pool), est); err != nil {
		return nil, st, err
	}
	if _, err := kpi.NewRollups(pool).Refresh(ctx); err != nil {
		return nil, st, fmt.Errorf("app: build rollups: %w", err)
	}
	lay := layout.New(pool)
	if _, err := lay.EvaluateDue(ctx); err != nil {
		return nil, st, fmt.Errorf("app: evaluate layout changes: %w", err)
	}
	if _, err := lay.RefreshRecommendations(ctx); err != nil {
		return nil, st, fmt.Errorf("app: recommendations: %w", err)
	}
	return est, st, nil
}
