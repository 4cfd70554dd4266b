package migrations_test

import (
	"context"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// 00043 compresses the estate's cut rows with lz4: on an estate of 20
// stores, whose rows pass PostgreSQL's TOAST threshold, the rows written
// before it are rewritten compressed and a refresh after it writes
// compressed rows, while kpi_estate's stay uncompressed; their contents,
// every grouping's answer and Verify are what they were; the Down stores
// the cut rows uncompressed again, with the same contents.
func TestEstateCutsLZ4Migration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, p := migratedTo(t, 42)
	var lz4 bool
	if err := pool.QueryRow(ctx, `SELECT count(*) > 0 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)`).Scan(&lz4); err != nil {
		t.Fatal(err)
	}
	if !lz4 {
		t.Skip("this PostgreSQL has no lz4: 00043 leaves the estate cut rows as they are")
	}
	packedZoneRows(t, p, true)
	end := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	if _, err := app.LoadEstate(ctx, pool, estate.New(estate.Config{Seed: 23, Stores: 20, Days: 10, End: end}), nil); err != nil {
		t.Fatal(err)
	}
	roll := kpi.NewRollups(pool)
	if _, err := roll.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	tables := []string{"kpi_estate", "kpi_estate_cuts"}
	written := fingerprints(t, pool, tables)
	answers := kpiAnswers(t, pool, end)
	// compressed counts each table's values by how they are stored: lz4,
	// pglz or not at all ("").
	compressed := func() map[string]map[string]int {
		t.Helper()
		out := map[string]map[string]int{}
		for _, table := range tables {
			out[table] = map[string]int{}
			rows, err := pool.Query(ctx, `SELECT coalesce(pg_column_compression(figures), ''), count(*) FROM `+table+` GROUP BY 1`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var how string
				var n int
				if err := rows.Scan(&how, &n); err != nil {
					t.Fatal(err)
				}
				out[table][how] = n
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	check := func(when string) {
		t.Helper()
		if f := fingerprints(t, pool, tables); f["kpi_estate"] != written["kpi_estate"] || f["kpi_estate_cuts"] != written["kpi_estate_cuts"] {
			t.Errorf("%s: the estate rows' contents changed", when)
		}
		todaysRollups(t, p, func() { sameAnswers(t, pool, end, answers, when) })
		verifyClean(t, pool, end.AddDate(0, 0, -10), end, 20, when)
	}
	for _, table := range tables {
		if c := compressed()[table]; c["lz4"] != 0 || c["pglz"] != 0 || c[""] == 0 {
			t.Fatalf("before 00043, %s's figures: %v, want all uncompressed", table, c)
		}
	}

	packedZoneRows(t, p, false)
	if _, err := p.UpTo(ctx, 43); err != nil {
		t.Fatal(err)
	}
	packedZoneRows(t, p, true)
	wantLZ4 := func(when string) {
		t.Helper()
		c := compressed()
		if c["kpi_estate_cuts"]["lz4"] == 0 || c["kpi_estate_cuts"]["pglz"] != 0 {
			t.Errorf("%s, kpi_estate_cuts' figures: %v, want lz4", when, c["kpi_estate_cuts"])
		}
		if c["kpi_estate"]["lz4"] != 0 || c["kpi_estate"]["pglz"] != 0 {
			t.Errorf("%s, kpi_estate's figures: %v, want them uncompressed", when, c["kpi_estate"])
		}
	}
	wantLZ4("after 00043")
	check("after 00043")

	// A refresh after 00043 writes compressed rows: every hour marked, the
	// estate rows emptied, then written again by the refresh.
	if _, err := pool.Exec(ctx, `INSERT INTO kpi_dirty (store_id, hour) SELECT DISTINCT store_id, hour FROM kpi_store_hourly`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM kpi_estate; DELETE FROM kpi_estate_cuts`); err != nil {
		t.Fatal(err)
	}
	if _, err := roll.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	wantLZ4("written by a refresh after 00043")
	check("refreshed after 00043")

	if _, err := p.DownTo(ctx, 42); err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		if c := compressed()[table]; c["lz4"] != 0 || c["pglz"] != 0 {
			t.Errorf("after the Down, %s's figures: %v, want all uncompressed", table, c)
		}
	}
	check("after the Down")
}
