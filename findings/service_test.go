package findings_test

import (
	"context"
	"encoding/json"
	"html"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/findings"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/reports"
)

// rawWeek counts a zone's events that are not false positives in the local
// days [from, to) from the raw tables, and the store's entrance footfall
// over the same days: the independent side of the service test.
func rawWeek(t *testing.T, pool *pgxpool.Pool, store, zone string, from, to time.Time) (events, visitors int64) {
	t.Helper()
	ctx := context.Background()
	err := pool.QueryRow(ctx, `
SELECT count(*) FROM events e JOIN stores s ON s.id = e.store_id JOIN zones z ON z.id = e.zone_id
LEFT JOIN outcomes o ON o.event_id = e.id
WHERE s.code = $1 AND z.code = $2 AND (e.occurred_at AT TIME ZONE s.timezone)::date >= $3::date
  AND (e.occurred_at AT TIME ZONE s.timezone)::date < $4::date AND o.outcome IS DISTINCT FROM 'false_positive'`,
		store, zone, from, to).Scan(&events)
	if err != nil {
		t.Fatal(err)
	}
	err = pool.QueryRow(ctx, `
SELECT coalesce(sum(f.visitors), 0) FROM footfall f JOIN stores s ON s.id = f.store_id
WHERE s.code = $1 AND f.zone_id IS NULL AND (f.hour AT TIME ZONE s.timezone)::date >= $2::date
  AND (f.hour AT TIME ZONE s.timezone)::date < $3::date`, store, from, to).Scan(&visitors)
	if err != nil {
		t.Fatal(err)
	}
	return events, visitors
}

// plantedSpike loads a 3-store no-change estate of 35 weeks ending Sunday
// 2026-11-29 and plants 60 concealments in the first store's first aisle
// zone on Friday 2026-11-27, 18–21 h local, refreshed: the judged week is
// 2026-11-23 (its baseline every week before it: the 34 the estate holds,
// under DefaultConfig's 52), and
// the zone's week and its Friday-evening block must be found.
func plantedSpike(t *testing.T) (pool *pgxpool.Pool, est *estate.Estate, s *estate.Store, lay *layout.Service, zone ss.Zone, week time.Time) {
	t.Helper()
	ctx := context.Background()
	pool = dbtest.New(t)
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	week = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	est = estate.New(estate.Config{Seed: 3, Stores: 3, Days: 35 * 7, End: end, NoChanges: true})
	if _, err := app.LoadEstate(ctx, pool, est, nil); err != nil {
		t.Fatal(err)
	}
	s = &est.Stores[0]
	lay = layout.New(pool)
	zones, err := lay.Zones(ctx, s.Code)
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range zones {
		if z.Kind == ss.KindAisle {
			zone = z
			break
		}
	}
	fri := time.Date(2026, 11, 27, 18, 0, 0, 0, s.Loc())
	var planted []ss.Event
	for i := range 60 {
		planted = append(planted, ss.Event{ID: uuid.New(), Store: s.Code, Zone: zone.Code, StoreID: zone.StoreID, ZoneID: zone.ID,
			OccurredAt: fri.Add(time.Duration(i) * 3 * time.Minute).UTC(), Score: 0.9, Method: ss.MethodBag,
			Category: zone.Category, EstValue: zone.UnitValue})
	}
	if _, err := kpi.NewIngester(pool, lay.Directory()).StoreEvents(ctx, planted); err != nil {
		t.Fatal(err)
	}
	if _, err := kpi.NewRollups(pool).Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	return pool, est, s, lay, zone, week
}

func TestRunWeekFindsAPlantedSpike(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, est, s, lay, zone, week := plantedSpike(t)
	svc := findings.NewService(pool, kpi.NewKPIs(pool), lay)
	if _, err := reports.NewWebhooks(pool, reports.DeliveryConfig{}).Create(ctx, reports.NewWebhook{URL: "https://hooks.example.com/findings",
		Events: []string{"finding.created"}, Secret: "0123456789abcdef"}); err != nil {
		t.Fatal(err)
	}
	var hooked []findings.Stored
	hook := func(ctx context.Context, tx pgx.Tx, w time.Time, found []findings.Stored) error {
		if !w.Equal(week) {
			t.Errorf("hook week %s, want %s", w, week)
		}
		hooked = found
		return reports.FindingsCreated(ctx, tx, w, found)
	}
	n, err := svc.RunWeek(ctx, week.AddDate(0, 0, 3), hook) // any day of the week names it
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.List(ctx, time.Time{}, nil, "") // the latest judged week
	if err != nil {
		t.Fatal(err)
	}
	if n != len(res.Findings) || len(hooked) != n || res.Judged == 0 || res.FDR != 0.1 || *res.Week != "2026-11-23" {
		t.Fatalf("RunWeek %d, listed %d, hooked %d, judged %d, fdr %g, week %s", n, len(res.Findings), len(hooked), res.Judged, res.FDR, *res.Week)
	}
	// One finding.created delivery per finding, each naming its series.
	var deliveries int
	var zoneNamed bool
	rows, err := pool.Query(ctx, `SELECT body FROM report_deliveries WHERE event = 'finding.created'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			t.Fatal(err)
		}
		deliveries++
		var ev struct {
			Data struct {
				Week   string           `json:"week"`
				Series findings.Series0 `json:"series"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &ev); err != nil || ev.Data.Week != "2026-11-23" {
			t.Errorf("delivery %s: %v", body, err)
		}
		zoneNamed = zoneNamed || ev.Data.Series.Zone == zone.Code && ev.Data.Series.Block == nil
	}
	if rows.Err() != nil || deliveries != n || !zoneNamed {
		t.Errorf("%d finding.created deliveries (zone named %v), want %d", deliveries, zoneNamed, n)
	}
	var whole, block *findings.Stored
	for i, f := range res.Findings {
		t.Logf("%s %s (p %.3g, q %.3g)", f.Series.Store, f.Sentence, f.P, f.Q)
		if f.Series.Store == s.Code && f.Series.Zone == zone.Code && f.Series.Method == "" {
			if f.Series.Block == nil {
				whole = &res.Findings[i]
			} else if *f.Series.Block == findings.BlockOf(4, 18) {
				block = &res.Findings[i]
			}
		}
	}
	if whole == nil || block == nil {
		t.Fatalf("the planted spike is not found (week %v, block %v) among %+v", whole, block, res.Findings)
	}
	// The week against its history, from the raw facts: the 34 weeks the
	// estate holds before it, fewer than DefaultConfig's 52.
	obs, x := rawWeek(t, pool, s.Code, zone.Code, week, week.AddDate(0, 0, 7))
	hw := min(findings.DefaultConfig.History, 34)
	hist, e := rawWeek(t, pool, s.Code, zone.Code, week.AddDate(0, 0, -hw*7), week)
	if whole.Direction != "up" || whole.Weeks != 1 || whole.Observed != obs {
		t.Fatalf("week finding %+v, want up over 1 week with %d events", whole, obs)
	}
	want := float64(hist) * float64(x) / float64(e)
	if d := whole.Expected - want; d > 1e-9*want || d < -1e-9*want {
		t.Errorf("expected %g, want %d·%d/%d = %g", whole.Expected, hist, x, e, want)
	}
	if whole.Ratio == nil || *whole.Ratio <= 1 || whole.RatioLo <= 1 || whole.Q > 0.1 || whole.P > whole.Q {
		t.Errorf("week finding ratio %v (%g–%v), p %g, q %g", whole.Ratio, whole.RatioLo, whole.RatioHi, whole.P, whole.Q)
	}
	if block.BlockLabel != "Friday 18–21 h" || block.Observed < 60 {
		t.Errorf("block finding %+v", block)
	}
	// The zone is found with the estate's zone and method series (level 1),
	// its block among the zone's blocks (level 2), as the hook saw them too.
	if whole.Level != 1 || block.Level != 2 {
		t.Errorf("levels: zone %d, block %d; want 1 and 2", whole.Level, block.Level)
	}
	for _, f := range hooked {
		if want := map[bool]int{true: 2, false: 1}[f.Series.Block != nil]; f.Level != want {
			t.Errorf("hooked %s: level %d, want %d", f.Sentence, f.Level, want)
		}
		if f.Series.Block != nil && !slices.ContainsFunc(hooked, func(g findings.Stored) bool {
			return g.Level == 1 && g.Series.Store == f.Series.Store && g.Series.Zone == f.Series.Zone && g.Series.Block == nil
		}) {
			t.Errorf("block finding %s in a zone not found at level 1", f.Sentence)
		}
	}
	// The store's weekly report opens with them.
	rep := reports.NewReports(pool, kpi.NewKPIs(pool), lay)
	rep.SetFindings(svc)
	if _, err := rep.WriteWeek(ctx, week); err != nil {
		t.Fatal(err)
	}
	snaps, err := rep.List(ctx, s.Code)
	if err != nil || len(snaps) != 1 {
		t.Fatalf("reports of %s: %v, %v", s.Code, snaps, err)
	}
	_, docBytes, err := rep.Document(ctx, snaps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(docBytes)
	at, kpis := strings.Index(doc, html.EscapeString(whole.Sentence)), strings.Index(doc, "<h2>KPIs</h2>")
	if at < 0 || kpis < 0 || at > kpis || !strings.Contains(doc, "<h2>What changed</h2>") {
		t.Errorf("the report does not open with the finding %q (at %d, KPIs at %d)", whole.Sentence, at, kpis)
	}
	// Scoped: another store's token sees none of S001's findings; store= narrows.
	other, err := svc.List(ctx, week, []string{est.Stores[1].Code}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range other.Findings {
		if f.Series.Store != est.Stores[1].Code {
			t.Errorf("scoped list shows %s", f.Series.Store)
		}
	}
	only, err := svc.List(ctx, week, nil, s.Code)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range only.Findings {
		if f.Series.Store != s.Code {
			t.Errorf("store=%s shows %s", s.Code, f.Series.Store)
		}
	}
	// A layout change of the zone that week is a breakpoint: the rerun
	// replaces the week, and the zone is not flagged for it.
	if _, err := lay.CreateChange(ctx, s.Code, "test", layout.ChangeInput{Zones: []string{zone.Code}, ImplementedAt: "2026-11-25",
		Kind: layout.KindProtective, Description: "moved the razors"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RunWeek(ctx, week, nil); err != nil {
		t.Fatal(err)
	}
	res, err = svc.List(ctx, week, nil, s.Code)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		if f.Series.Zone == zone.Code {
			t.Errorf("zone flagged in the week of its own layout change: %+v", f)
		}
	}
	// A week not judged says so, with nothing found.
	if res, err := svc.List(ctx, week.AddDate(0, 0, 9), nil, ""); err != nil || res.Judged != 0 || len(res.Findings) != 0 || *res.Week != "2026-11-30" {
		t.Errorf("unjudged week: %+v, %v", res, err)
	}
}
