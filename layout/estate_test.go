package layout_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
)

// The synthetic estate's planted layout changes have known true effects
// (estate.LayoutChange.TrueEffect): the evaluation must cover them, placebo
// changes must come out no_clear_change, and the expected effect of their
// kind must learn from them. Seed 4 with six stores plants four changes
// (S003–S006, true rate ratios 0.52–0.79) and leaves S001 and S002 alone.
func TestEvaluationsAgainstSyntheticTruth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	est := estate.New(estate.Config{Seed: 4, Stores: 6, Days: 84})
	if len(est.Changes) != 4 {
		t.Fatalf("seed 4 plants %d changes, the test expects 4", len(est.Changes))
	}
	t0 := time.Now()
	if _, err := app.LoadEstate(ctx, pool, est, nil); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	if _, err := kpi.NewRollups(pool).Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("seed %s refresh %s", t1.Sub(t0), time.Since(t1))
	lay := layout.New(pool)
	// A prior of no effect: learning must move it toward the planted effects.
	if err := lay.SetConfig(layout.Config{Priors: map[string]layout.Prior{layout.KindProtective: {RateRatio: 1, LogSD: 0.25}}}); err != nil {
		t.Fatal(err)
	}
	before, err := lay.Effects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e := before.Kind[layout.KindProtective]; e.RateRatio != 1 || e.BasedOn != 0 {
		t.Fatalf("before any evaluation the effect is the prior, got %+v", e)
	}

	n, err := lay.EvaluateDue(ctx)
	if err != nil || n != 4 {
		t.Fatalf("EvaluateDue: %d, %v; want 4 evaluated", n, err)
	}
	var truthLog float64
	for _, ch := range est.Changes {
		changes, err := lay.Changes(ctx, ch.Store)
		if err != nil || len(changes) != 1 {
			t.Fatalf("changes of %s: %v %v", ch.Store, changes, err)
		}
		ev, err := lay.Evaluation(ctx, changes[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Method != layout.MethodDiD || ev.RateRatio == nil || len(ev.Control) == 0 {
			t.Fatalf("%s: %+v", ch.Store, ev)
		}
		t.Logf("%s: true %.2f, estimate %.3f [%.3f, %.3f], dispersion %.2f, %s", ch.Store, ch.TrueEffect, *ev.RateRatio, *ev.CILow, *ev.CIHigh, *ev.Dispersion, ev.Verdict)
		if !(*ev.CILow <= ch.TrueEffect && ch.TrueEffect <= *ev.CIHigh) {
			t.Errorf("%s: 95%% interval [%.3f, %.3f] misses the planted effect %.2f", ch.Store, *ev.CILow, *ev.CIHigh, ch.TrueEffect)
		}
		if len(ev.Series) != 2*(28+28)-ev.ExcludedDays {
			t.Errorf("%s: %d series rows, %d excluded", ch.Store, len(ev.Series), ev.ExcludedDays)
		}
		truthLog += math.Log(ch.TrueEffect) / float64(len(est.Changes))
	}

	after, err := lay.Effects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := after.Kind[layout.KindProtective]
	t.Logf("protective fixtures: prior 1.00, pooled %.3f [%.3f, %.3f] on %d changes, planted geometric mean %.3f", e.RateRatio, e.Low, e.High, e.BasedOn, math.Exp(truthLog))
	if e.BasedOn != 4 {
		t.Errorf("pooled on %d changes, want 4", e.BasedOn)
	}
	// The estate's evidence dominates: the pooled ratio lies nearer the
	// planted effects than the prior, and its range excludes the prior.
	if math.Abs(math.Log(e.RateRatio)-truthLog) > math.Abs(truthLog)/3 || e.High >= 1 {
		t.Errorf("pooled %+v did not move from the prior 1.0 to the planted %.3f", e, math.Exp(truthLog))
	}

	t.Run("placebo", func(t *testing.T) { placebo(t, pool, est) })
}

// placebo evaluates 100 made-up changes (random dates and zones in the
// stores nothing was changed in) and wants no_clear_change from at least 90.
func placebo(t *testing.T, pool *pgxpool.Pool, est *estate.Estate) {
	ctx := context.Background()
	k := kpi.NewKPIs(pool)
	type store struct {
		zones []int64
		days  []kpi.ZoneDay
		first time.Time
	}
	var stores []store
	for i := range est.Stores {
		if est.Stores[i].Change >= 0 {
			continue
		}
		var st store
		var id int64
		if err := pool.QueryRow(ctx, `SELECT id FROM stores WHERE code = $1`, est.Stores[i].Code).Scan(&id); err != nil {
			t.Fatal(err)
		}
		rows, _ := pool.Query(ctx, `SELECT id FROM zones WHERE store_id = $1 ORDER BY id`, id)
		for rows.Next() {
			var z int64
			if err := rows.Scan(&z); err != nil {
				t.Fatal(err)
			}
			st.zones = append(st.zones, z)
		}
		rows.Close()
		from, _ := est.Window(i)
		y, m, d := from.In(est.Stores[i].Loc()).Date()
		st.first = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		var err error
		if st.days, err = k.ZoneDays(ctx, id, st.first, st.first.AddDate(0, 0, 84)); err != nil {
			t.Fatal(err)
		}
		stores = append(stores, st)
	}
	r := rand.New(rand.NewPCG(11, 12))
	verdicts := map[string]int{}
	for run := 0; run < 100; run++ {
		st := stores[run%len(stores)]
		// Day 28 at the earliest (a full before window), 35 before the end at the latest.
		day := st.first.AddDate(0, 0, 28+r.IntN(84-28-35+1))
		group := map[int64]string{}
		perm := r.Perm(len(st.zones))
		for j, p := range perm {
			if j < 2+r.IntN(2) {
				group[st.zones[p]] = "treated"
			} else {
				group[st.zones[p]] = "control"
			}
		}
		series, _ := layout.BuildSeries(st.days, group, day.AddDate(0, 0, -28), day.AddDate(0, 0, -1), day.AddDate(0, 0, 7), day.AddDate(0, 0, 34))
		verdicts[layout.Fit(series).Verdict]++
	}
	t.Logf("placebo verdicts: %v", verdicts)
	if verdicts[layout.VerdictNoChange] < 90 {
		t.Errorf("placebo: %d of 100 no_clear_change, want at least 90 (%v)", verdicts[layout.VerdictNoChange], verdicts)
	}
}

// On a synthetic estate the open recommendations follow their causes: at
// least four kinds, none a kind already implemented on its zone that was
// not measured no_clear_change or worse.
func TestRecommendationsVaryWithTheCause(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	est, _, err := app.LoadReady(ctx, pool, estate.Config{Seed: 1, Stores: 12, Days: 120}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lay := layout.New(pool)
	kinds := map[string]int{}
	for _, s := range est.Stores {
		recs, err := lay.Recommendations(ctx, s.Code)
		if err != nil {
			t.Fatal(err)
		}
		changes, err := lay.Changes(ctx, s.Code)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Status != layout.StatusProposed {
				continue
			}
			kinds[r.Kind]++
			for _, c := range changes {
				if c.Kind == r.Kind && slices.Contains(c.Zones, r.Zones[0]) && (c.Verdict == nil || *c.Verdict == layout.VerdictImproved) {
					t.Errorf("%s %s proposes %s again after change %d (%v)", s.Code, r.Zones[0], r.Kind, c.ID, c.Verdict)
				}
			}
			if strings.Contains(r.Rationale, "_") {
				t.Errorf("rationale with a raw label: %q", r.Rationale)
			}
		}
	}
	t.Logf("open recommendations by kind: %v", kinds)
	if len(kinds) < 4 {
		t.Errorf("open recommendations span %d kinds, want at least 4: %v", len(kinds), kinds)
	}
}
