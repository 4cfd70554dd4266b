package migrations_test

import (
	"context"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// 00042 splits the estate's cut rows by store part and its Down joins them
// again: on an estate whose store ids (62–67) fall in parts 0 and 1, the
// rows the refresh wrote are the rows the migration writes, byte for byte;
// joined by the Down and split again, every grouping of the estate and of
// each store gives the same answer, and Verify is clean where the rows are
// split (today's Verify reads a store's part).
func TestEstateCutPartsMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, p := migratedTo(t, 42)
	packedZoneRows(t, p, true)
	if _, err := pool.Exec(ctx, `SELECT setval(pg_get_serial_sequence('stores', 'id'), 61)`); err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	if _, err := app.LoadEstate(ctx, pool, estate.New(estate.Config{Seed: 17, Stores: 6, Days: 21, End: end}), nil); err != nil {
		t.Fatal(err)
	}
	roll := kpi.NewRollups(pool)
	if _, err := roll.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	var parts, rows int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT part), count(*) FROM kpi_estate_cuts`).Scan(&parts, &rows); err != nil || parts != 2 || rows == 0 {
		t.Fatalf("%d rows in %d parts (%v), want two parts", rows, parts, err)
	}
	written := fingerprints(t, pool, []string{"kpi_estate_cuts"})["kpi_estate_cuts"]
	answers := kpiAnswers(t, pool, end)

	// check compares every answer and, where verify, runs Verify: today's
	// reads the store's part's rows only, which the joined rows have not.
	check := func(when string, verify bool) {
		t.Helper()
		todaysRollups(t, p, func() { sameAnswers(t, pool, end, answers, when) })
		if verify {
			verifyClean(t, pool, end.AddDate(0, 0, -21), end, 6, when)
		}
	}

	check("split by the refresh", true)
	if _, err := p.DownTo(ctx, 41); err != nil {
		t.Fatal(err)
	}
	var whole int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM kpi_estate_cuts`).Scan(&whole); err != nil || whole == 0 || whole >= rows {
		t.Fatalf("joined by the Down: %d rows (%v), want fewer than the %d split", whole, err, rows)
	}
	check("joined by the Down", false)
	if _, err := p.UpTo(ctx, 42); err != nil {
		t.Fatal(err)
	}
	if f := fingerprints(t, pool, []string{"kpi_estate_cuts"})["kpi_estate_cuts"]; f != written {
		t.Error("the rows 00042 writes differ from those the refresh wrote")
	}
	check("split again", true)
}
