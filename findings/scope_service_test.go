package findings_test

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/findings"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/reports"
)

// levelOne counts a store's level-1 series from the facts: its zones
// other than the entrance, and the methods of its events that are not
// false positives (every series of these has 35 weeks, history enough).
func levelOne(t *testing.T, pool *pgxpool.Pool, store string) int {
	t.Helper()
	var zones, methods int
	err := pool.QueryRow(context.Background(), `
SELECT (SELECT count(*) FROM zones z JOIN stores s ON s.id = z.store_id WHERE s.code = $1 AND z.kind <> 'entrance' AND z.retired_at IS NULL),
       (SELECT count(DISTINCT e.method) FROM events e JOIN stores s ON s.id = e.store_id LEFT JOIN outcomes o ON o.event_id = e.id
        WHERE s.code = $1 AND o.outcome IS DISTINCT FROM 'false_positive')`, store).Scan(&zones, &methods)
	if err != nil {
		t.Fatal(err)
	}
	return zones + methods
}

// bhOfFound is the Benjamini–Hochberg q-value of each found level-1 series
// of one family of m series, from the found ones' p-values alone: found
// series are the R smallest p-values, and q(i) = min over ranks j ≥ i of
// p(j)·m/j, where every rank beyond R has p(j)·m/j > fdr ≥ q(R), so the
// minimum lies among the found.
func bhOfFound(ps []float64, m int) map[float64]float64 {
	sorted := slices.Clone(ps)
	slices.Sort(sorted)
	q := map[float64]float64{}
	run := math.Inf(1)
	for j := len(sorted) - 1; j >= 0; j-- {
		run = math.Min(run, sorted[j]*float64(m)/float64(j+1))
		q[sorted[j]] = run
	}
	return q
}

// The store scope through the job's RunWeek, the list, the webhook and the
// report: a spike planted in S001's zone is found under both scopes with
// the same p-value; each scope's level-1 q-values are Benjamini–Hochberg's
// over its family (the estate's series, or the store's) with m counted
// from the facts, and the planted block's q-value times its family's
// R₁/m₁ (its q-value among the zone's blocks) is the same under both.
func TestRunWeekStoreScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, est, s, lay, zone, week := plantedSpike(t)
	if _, err := reports.NewWebhooks(pool, reports.DeliveryConfig{}).Create(ctx, reports.NewWebhook{URL: "https://hooks.example.com/findings",
		Events: []string{"finding.created"}, Secret: "0123456789abcdef"}); err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	mEstate := 0
	for _, st := range est.Stores {
		m[st.Code] = levelOne(t, pool, st.Code)
		mEstate += m[st.Code]
	}
	svc := findings.NewService(pool, kpi.NewKPIs(pool), lay)
	run := func(scope string) *findings.WeekResult {
		t.Helper()
		svc.SetConfig(findings.Config{Scope: scope})
		if _, err := pool.Exec(ctx, `DELETE FROM report_deliveries`); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RunWeek(ctx, week, reports.FindingsCreated); err != nil {
			t.Fatal(err)
		}
		res, err := svc.List(ctx, week, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.FDRScope != scope || res.FDR != 0.1 {
			t.Errorf("%s run: the week says scope %q, fdr %g", scope, res.FDRScope, res.FDR)
		}
		for _, f := range res.Findings {
			if f.FDRScope != scope {
				t.Errorf("%s run: finding %s says scope %q", scope, f.Sentence, f.FDRScope)
			}
		}
		// Each finding.created delivery says the scope it was judged under.
		rows, err := pool.Query(ctx, `SELECT body FROM report_deliveries WHERE event = 'finding.created'`)
		if err != nil {
			t.Fatal(err)
		}
		bodies, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
		if err != nil || len(bodies) != len(res.Findings) {
			t.Fatalf("%s run: %d deliveries (%v), want %d", scope, len(bodies), err, len(res.Findings))
		}
		for _, b := range bodies {
			var ev struct {
				Data struct {
					FDRScope string `json:"fdr_scope"`
				} `json:"data"`
			}
			if err := json.Unmarshal(b, &ev); err != nil || ev.Data.FDRScope != scope {
				t.Errorf("%s run: delivery %s", scope, b)
			}
		}
		return res
	}
	// Level-1 findings by family: the estate's ("") or each store's.
	family := func(res *findings.WeekResult, byStore bool) map[string][]findings.Stored {
		out := map[string][]findings.Stored{}
		for _, f := range res.Findings {
			if f.Level != 1 {
				continue
			}
			k := ""
			if byStore {
				k = f.Series.Store
			}
			out[k] = append(out[k], f)
		}
		return out
	}
	checkBH := func(name string, fam map[string][]findings.Stored, size func(string) int) {
		for k, fs := range fam {
			var ps []float64
			for _, f := range fs {
				ps = append(ps, f.P)
			}
			want := bhOfFound(ps, size(k))
			for _, f := range fs {
				if w := want[f.P]; math.Abs(f.Q-w) > 1e-9*w {
					t.Errorf("%s: %s q %g, want %g (BH over m = %d)", name, f.Sentence, f.Q, w, size(k))
				}
			}
		}
	}
	planted1 := func(res *findings.WeekResult) (whole, block *findings.Stored) {
		for i, f := range res.Findings {
			if f.Series.Store == s.Code && f.Series.Zone == zone.Code {
				if f.Series.Block == nil {
					whole = &res.Findings[i]
				} else if *f.Series.Block == findings.BlockOf(4, 18) {
					block = &res.Findings[i]
				}
			}
		}
		if whole == nil || block == nil {
			t.Fatalf("%s: the planted spike is not found (week %v, block %v)", res.FDRScope, whole, block)
		}
		return whole, block
	}

	byEstate := run(findings.ScopeEstate)
	fe := family(byEstate, false)
	checkBH("estate scope", fe, func(string) int { return mEstate })
	wholeE, blockE := planted1(byEstate)

	byStore := run(findings.ScopeStore)
	fs := family(byStore, true)
	checkBH("store scope", fs, func(code string) int { return m[code] })
	wholeS, blockS := planted1(byStore)
	if wholeS.P != wholeE.P || blockS.P != blockE.P || wholeS.Observed != wholeE.Observed || wholeS.Expected != wholeE.Expected {
		t.Errorf("the scope changed the test itself: %+v against %+v", wholeS, wholeE)
	}
	// Level 2: the block's q-value among its zone's blocks is q × R₁/m₁ of
	// its family, the same whichever family found the zone.
	r1E, r1S := len(fe[""]), len(fs[s.Code])
	withinE := blockE.Q * float64(r1E) / float64(mEstate)
	withinS := blockS.Q * float64(r1S) / float64(m[s.Code])
	t.Logf("m₁: estate %d, %s %d; planted zone p %.3g, q estate %.3g, store %.3g; block q estate %.3g (R₁ %d), store %.3g (R₁ %d)",
		mEstate, s.Code, m[s.Code], wholeS.P, wholeE.Q, wholeS.Q, blockE.Q, r1E, blockS.Q, r1S)
	if math.Abs(withinE-withinS) > 1e-9*withinE {
		t.Errorf("block q: estate %g × %d/%d = %g, store %g × %d/%d = %g", blockE.Q, r1E, mEstate, withinE, blockS.Q, r1S, m[s.Code], withinS)
	}
	// Every block finding of the store scope lies in a zone its own store
	// found at level 1.
	for _, f := range byStore.Findings {
		if f.Level == 2 && !slices.ContainsFunc(fs[f.Series.Store], func(g findings.Stored) bool { return g.Series.Zone == f.Series.Zone }) {
			t.Errorf("store scope: block finding %s of %s in a zone its store did not find", f.Sentence, f.Series.Store)
		}
	}
	// The store's weekly report opens with them and says what the rate bounds.
	rep := reports.NewReports(pool, kpi.NewKPIs(pool), lay)
	rep.SetFindings(svc)
	if _, err := rep.WriteWeek(ctx, week); err != nil {
		t.Fatal(err)
	}
	snaps, err := rep.List(ctx, s.Code)
	if err != nil || len(snaps) != 1 {
		t.Fatalf("reports of %s: %v, %v", s.Code, snaps, err)
	}
	_, doc, err := rep.Document(ctx, snaps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "corrected within each store") || !strings.Contains(string(doc), "What changed") {
		t.Errorf("the report does not say the store scope:\n%.3000s", doc)
	}
}
