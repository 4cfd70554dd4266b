package migrations_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/migrations"
)

// citusSetup are the Citus statements a test database makes for itself:
// a fresh database on a single-node cluster has no nodes of its own.
var citusSetup = []string{"CREATE EXTENSION", "citus_set_coordinator_host", "citus_add_node"}

// On a Citus coordinator (TEST_CITUS_URL: a PostgreSQL with Citus in
// shared_preload_libraries, single node), docs/SCALING.md's ALTERs and
// Citus statements run on a freshly migrated database, every table ends up
// placed as the plan says, and what the plan says of today's SQL holds: the
// statements that fail on Citus fail, the changed forms run.
//
//	TEST_CITUS_URL='postgres://postgres@127.0.0.1:5499/postgres?sslmode=disable' go test ./migrations -run TestScalingPlanOnCitus
func TestScalingPlanOnCitus(t *testing.T) {
	url := os.Getenv("TEST_CITUS_URL")
	if url == "" {
		t.Skip("TEST_CITUS_URL unset: no Citus coordinator to run docs/SCALING.md's statements on")
	}
	doc, err := os.ReadFile(scalingDoc)
	if err != nil {
		t.Fatal(err)
	}
	p, err := readPlan(doc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pool := citusDatabase(ctx, t, url)

	if err := migrations.Up(ctx, pool, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, p.alterSQL); err != nil {
		t.Fatalf("the ALTERs: %v", err)
	}
	for _, stmt := range statements(p.citusSQL) {
		if slices.ContainsFunc(citusSetup, func(s string) bool { return strings.Contains(stmt, s) }) {
			continue
		}
		if _, err := pool.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}

	// Every table where the plan puts it, the distributed ones in one
	// colocation group by store_id.
	rows, err := pool.Query(ctx, `SELECT table_name::text, citus_table_type, distribution_column, colocation_id FROM citus_tables`)
	if err != nil {
		t.Fatal(err)
	}
	type placed struct {
		kind, column string
		colocation   int
	}
	got := map[string]placed{}
	for rows.Next() {
		var name string
		var pl placed
		if err := rows.Scan(&name, &pl.kind, &pl.column, &pl.colocation); err != nil {
			t.Fatal(err)
		}
		got[name] = pl
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	colocation := got["events"].colocation
	for _, name := range slices.Sorted(maps.Keys(p.placement)) {
		pl, ok := got[name]
		switch want := p.placement[name]; {
		case want == local && ok:
			t.Errorf("%s is local in the plan but Citus has it as %s", name, pl.kind)
		case want == reference && pl.kind != "reference":
			t.Errorf("%s: Citus has %q, the plan reference", name, pl.kind)
		case want == distributed && (pl.kind != "distributed" || pl.column != "store_id" || pl.colocation != colocation):
			t.Errorf("%s: Citus has %q by %q in colocation group %d, the plan distributed by store_id with events (group %d)",
				name, pl.kind, pl.column, pl.colocation, colocation)
		}
	}

	seed := `
INSERT INTO stores (code, name, timezone, opening_hours, operating_model) VALUES ('S1', 'S1', 'UTC', '{}', 'soc'), ('S2', 'S2', 'UTC', '{}', 'soc');
INSERT INTO kpi_dirty (store_id, hour) SELECT id, date_trunc('hour', now()) FROM stores;
INSERT INTO kpi_store_daily (store_id, local_date, detections, events, est_loss, recovered_value, concealed_value, recovered, lost,
    false_positive, open, paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded)
SELECT id, current_date, 1, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 FROM stores;
INSERT INTO alerts (event_id, store_id, zone, camera, category, est_value, method, occurred_at, opened_at)
SELECT gen_random_uuid(), id, 'Z1', 'C1', 'spirits', 20, 'bag', now() - interval '1 hour', now() - interval '1 hour' FROM stores;`
	if _, err := pool.Exec(ctx, seed); err != nil {
		t.Fatalf("seed: %v", err)
	}
	var store int64
	if err := pool.QueryRow(ctx, `SELECT id FROM stores WHERE code = 'S1'`).Scan(&store); err != nil {
		t.Fatal(err)
	}

	// What docs/SCALING.md says of today's SQL ("What in today's schema or
	// SQL would have to change"), each by its point: "" runs, else the
	// error it fails with.
	probes := []struct {
		point, sql, fails string
	}{
		{"6: takeMarks across stores", `SELECT store_id, hour FROM kpi_dirty ORDER BY seq LIMIT 10 FOR UPDATE SKIP LOCKED`,
			"could not run distributed query with FOR UPDATE/SHARE commands"},
		{"6: a store's marks", fmt.Sprintf(`SELECT store_id, hour FROM kpi_dirty WHERE store_id = %d ORDER BY seq LIMIT 10 FOR UPDATE SKIP LOCKED`, store), ""},
		{"6: a reference row lock", `SELECT 1 FROM stores WHERE code = 'S1' FOR UPDATE`, ""},
		{"7: the refresh's lateral probe from unnest", fmt.Sprintf(`SELECT count(*) FROM unnest(ARRAY[%d]::bigint[], ARRAY[now()]) h(store_id, hour)
    CROSS JOIN LATERAL (SELECT * FROM events e WHERE e.store_id = h.store_id AND e.occurred_at >= h.hour AND e.occurred_at < h.hour + interval '1 hour' OFFSET 0) e`, store),
			"Offset clause is currently unsupported"},
		{"7: one store's probe", fmt.Sprintf(`SELECT count(*) FROM unnest(ARRAY[now()]) h(hour)
    CROSS JOIN LATERAL (SELECT * FROM events e WHERE e.store_id = %d AND e.occurred_at >= h.hour AND e.occurred_at < h.hour + interval '1 hour' OFFSET 0) e
    LEFT JOIN LATERAL (SELECT o.outcome FROM outcomes o WHERE o.store_id = %[1]d AND o.event_id = e.id LIMIT 1) o ON true`, store), ""},
		{"8: an event by its id alone", `SELECT count(*) FROM events WHERE id = ANY(ARRAY[gen_random_uuid()])`, ""},
		{"12: a month by ensure_event_partition", `SELECT ensure_event_partition(now() + interval '2 months')`, ""},
		{"14: a store's write and the local outbox in one transaction", fmt.Sprintf(`
INSERT INTO kpi_dirty (store_id, hour) VALUES (%d, now());
INSERT INTO alert_changes (alert_id, store_id, change, at, data) VALUES (1, %[1]d, 'opened', now(), '{}');
SELECT pg_notify('alert_changes', '')`, store), ""},
		{"14: findings_weeks replaced, then its findings", fmt.Sprintf(`
DELETE FROM findings_weeks WHERE week = '2026-11-23';
INSERT INTO findings_weeks (week, judged, found, fdr) VALUES ('2026-11-23', 1, 1, 0.1);
INSERT INTO findings (week, store_id, zone, block, method, direction, observed, expected, weeks, running, p, q, sentence, store_name, zone_name, category)
VALUES ('2026-11-23', %d, 'Z1', -1, '', 'up', 3, 1, 1, 1, 0.01, 0.01, 's', 'S1', 'Z1', 'spirits')`, store), ""},
		{"14: a savepoint rolled back over a store's writes", fmt.Sprintf(`
SAVEPOINT recompute;
DELETE FROM kpi_store_daily WHERE store_id = %d;
ROLLBACK TO SAVEPOINT recompute;
INSERT INTO kpi_dirty (store_id, hour) VALUES (%[1]d, now())`, store), ""},
		{"table: kpi_estate rebuilt from every shard", `INSERT INTO kpi_estate (kind, start, figures, sketches)
SELECT 'day', local_date, string_agg(int8send(store_id), ''::bytea ORDER BY store_id), string_agg(sketch, ''::bytea ORDER BY store_id)
FROM kpi_store_daily GROUP BY local_date`, ""},
		{"table: the escalation tick", `WITH due AS (
    SELECT a.id FROM alerts a LEFT JOIN alert_settings t ON t.store_id = a.store_id
    WHERE a.status = 'open' AND a.escalated_at IS NULL AND a.opened_at + make_interval(secs => COALESCE(t.claim_seconds, 60)) <= now()
    ORDER BY a.id LIMIT 1000),
a AS (UPDATE alerts SET escalated_at = now() FROM due WHERE alerts.id = due.id RETURNING alerts.*)
SELECT count(*) FROM a JOIN store_directory s ON s.id = a.store_id`, ""},
	}
	for _, pr := range probes {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, pr.sql)
			return err
		})
		msg := ""
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			msg = pgErr.Message + ": " + pgErr.Detail
		} else if err != nil {
			msg = err.Error()
		}
		switch {
		case pr.fails == "" && err != nil:
			t.Errorf("point %s: the plan says it runs on Citus, it fails: %v", pr.point, err)
		case pr.fails != "" && err == nil:
			t.Errorf("point %s: the plan says it fails on Citus (%q), it runs", pr.point, pr.fails)
		case pr.fails != "" && !strings.Contains(msg, pr.fails):
			t.Errorf("point %s: fails with %q, the plan says %q", pr.point, msg, pr.fails)
		}
	}

	// Point 12: the month ensure_event_partition made is distributed with
	// its parent; the savepoint kept the store's rows.
	var month, rolledBack bool
	err = pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM citus_tables WHERE table_name::text = to_char(now() + interval '2 years', '"events_"YYYYMM')
        AND distribution_column = 'store_id' AND colocation_id = $1), EXISTS (SELECT 1 FROM kpi_store_daily WHERE store_id = $2)`,
		colocation, store).Scan(&month, &rolledBack)
	if err != nil {
		t.Fatal(err)
	}
	if !month || !rolledBack {
		t.Errorf("point 12: the new month distributed with events: %v; point 14: the store's rows back after the savepoint: %v", month, rolledBack)
	}

	// Point 5: a store's read filtered by its code goes to every shard, by
	// its id to one.
	// The store fixed by its id on store_directory (as kpi verify's CTE
	// does) reaches store_id through the join: one shard too.
	for _, c := range []struct {
		where string
		tasks string
	}{
		{"s.code = 'S1'", "Task Count: 64"},
		{fmt.Sprintf("k.store_id = %d", store), "Task Count: 1"},
		{fmt.Sprintf("s.id = %d", store), "Task Count: 1"},
	} {
		var plan strings.Builder
		rows, err := pool.Query(ctx, `EXPLAIN SELECT sum(k.events) FROM kpi_method_daily k JOIN store_directory s ON s.id = k.store_id WHERE `+c.where)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan.String(), c.tasks) {
			t.Errorf("point 5: a store read WHERE %s: want %q in its plan:\n%s", c.where, c.tasks, plan.String())
		}
	}
}

// statements splits SQL into statements at semicolons that end a line.
func statements(sql string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		cur.WriteString(line + "\n")
		if strings.HasSuffix(strings.TrimSpace(strings.SplitN(line, "--", 2)[0]), ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// citusDatabase makes a fresh database on the coordinator at url with the
// extension and the coordinator as its one node, holding shards; it is
// dropped when the test ends.
func citusDatabase(ctx context.Context, t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("TEST_CITUS_URL: %v", err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "sscitus_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if c, err := pgx.Connect(ctx, url); err == nil {
			_, _ = c.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
			c.Close(ctx)
		}
	})
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Database = name
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	host, port := cfg.ConnConfig.Host, cfg.ConnConfig.Port
	for _, q := range []string{
		`CREATE EXTENSION citus`,
		fmt.Sprintf(`SELECT citus_set_coordinator_host('%s', %d)`, host, port),
		fmt.Sprintf(`SELECT citus_set_node_property('%s', %d, 'shouldhaveshards', true)`, host, port),
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return pool
}

// The Citus block splits into its statements, comments and setup kept out
// of the way.
func TestStatements(t *testing.T) {
	t.Parallel()
	got := statements("-- a comment\nSELECT 1;\nSELECT f(a,\n  b); -- trailing\nSET x TO on;  -- why\nSELECT 2")
	want := []string{"SELECT 1;", "SELECT f(a,\n  b); -- trailing", "SET x TO on;  -- why", "SELECT 2"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
