package migrations_test

import (
	"context"
	"testing"
)

// 00029 gives the targets of additive KPIs a period: those set before become
// daily targets of a thirtieth of their value (judged over the pages'
// default 30 days as before), closed ones too; ratio targets keep theirs.
func TestTargetsPeriodMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, p := migratedTo(t, 26)
	if _, err := pool.Exec(ctx, `INSERT INTO kpi_targets (kpi, op, value, set_by, superseded_at) VALUES
		('est_loss', '<=', 9000, 'ops', now()), ('est_loss', '<=', 10000, 'ops', NULL),
		('events', '>=', 30, 'ops', NULL), ('rate_per_1k', '<=', 2.5, 'ops', NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO stores (code, name, timezone, opening_hours, operating_model) VALUES ('S1', 'S1', 'UTC', '{}', 'soc'), ('S2', 'S2', 'UTC', '{}', 'soc')`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO staffing_policies (store_id, policy, set_by)
		SELECT id, CASE code WHEN 'S1' THEN '{"min_staff": 1, "handle_seconds": 120, "service_level": 0.8, "answer_seconds": 60}'
		                     ELSE '{"min_staff": 2, "handle_seconds": 150, "service_level": 0.8, "answer_seconds": 60}' END::jsonb, 'planner'
		FROM stores`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 29); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT kpi, value, coalesce(period, '') FROM kpi_targets ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		kpi    string
		value  float64
		period string
	}
	var got []target
	for rows.Next() {
		var x target
		if err := rows.Scan(&x.kpi, &x.value, &x.period); err != nil {
			t.Fatal(err)
		}
		got = append(got, x)
	}
	want := []target{{"est_loss", 300, "day"}, {"est_loss", 10000.0 / 30, "day"}, {"events", 1, "day"}, {"rate_per_1k", 2.5, ""}}
	if len(got) != len(want) {
		t.Fatalf("targets %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("target %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// The policy holding the old defaults follows the configured SOC
	// definition; the one with a chosen handling time keeps all three.
	pol := map[string]string{}
	prow, err := pool.Query(ctx, `SELECT s.code, p.policy::text FROM staffing_policies p JOIN stores s ON s.id = p.store_id`)
	if err != nil {
		t.Fatal(err)
	}
	for prow.Next() {
		var code, js string
		if err := prow.Scan(&code, &js); err != nil {
			t.Fatal(err)
		}
		pol[code] = js
	}
	if pol["S1"] != `{"min_staff": 1}` || pol["S2"] != `{"min_staff": 2, "service_level": 0.8, "answer_seconds": 60, "handle_seconds": 150}` {
		t.Errorf("policies after 00029: %v", pol)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO kpi_targets (kpi, op, value, period, set_by) VALUES ('visitors', '>=', 1, 'year', 'ops')`); err == nil {
		t.Error("a period of a year was stored")
	}
}
