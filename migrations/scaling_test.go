package migrations_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/migrations"
)

// docs/SCALING.md's Citus plan is held to the migrated schema: every table
// has a place in it, the distributed tables can be distributed by store_id
// once the plan's ALTERs have run (which they do here, on plain
// PostgreSQL), and its Citus statements name exactly the plan's tables.
// After a schema change, run:
//
//	go test ./migrations -run 'TestScalingPlan'
const scalingDoc = "../docs/SCALING.md"

// Where a table goes in the cluster.
const (
	distributed = "distributed" // sharded by store_id, colocated with events
	reference   = "reference"   // a full copy on every node
	local       = "local"       // on the coordinator only
)

// plan is the placement table and the two SQL blocks of docs/SCALING.md.
type plan struct {
	placement map[string]string // table → distributed, reference or local
	mustAlter map[string]bool   // tables the plan says need its ALTERs
	citusSQL  string            // the Citus statements (not runnable here)
	alterSQL  string            // the ALTERs, run on the migrated schema
}

var placementRow = regexp.MustCompile("^\\| `([a-z0-9_]+)` \\| (distributed|reference|local) \\| (must change|—) \\|")

func readPlan(doc []byte) (plan, error) {
	p := plan{placement: map[string]string{}, mustAlter: map[string]bool{}}
	table, err := between(doc, "<!-- placement:begin -->", "<!-- placement:end -->")
	if err != nil {
		return p, err
	}
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		m := placementRow.FindStringSubmatch(line)
		if m == nil {
			return p, fmt.Errorf("placement row %q is not \"| `table` | distributed|reference|local | must change|— | … |\"", line)
		}
		if _, dup := p.placement[m[1]]; dup {
			return p, fmt.Errorf("placement: %s is listed twice", m[1])
		}
		p.placement[m[1]] = m[2]
		p.mustAlter[m[1]] = m[3] == "must change"
	}
	if len(p.placement) == 0 {
		return p, fmt.Errorf("placement table has no rows")
	}
	if p.citusSQL, err = sqlBlockAfter(doc, "<!-- sql:citus -->"); err != nil {
		return p, err
	}
	if p.alterSQL, err = sqlBlockAfter(doc, "<!-- sql:alter -->"); err != nil {
		return p, err
	}
	return p, nil
}

func between(doc []byte, begin, end string) (string, error) {
	i := bytes.Index(doc, []byte(begin))
	j := bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		return "", fmt.Errorf("no %s … %s section", begin, end)
	}
	return string(doc[i+len(begin) : j]), nil
}

// sqlBlockAfter returns the first ```sql fenced block after marker.
func sqlBlockAfter(doc []byte, marker string) (string, error) {
	i := bytes.Index(doc, []byte(marker))
	if i < 0 {
		return "", fmt.Errorf("no %s marker", marker)
	}
	rest := string(doc[i+len(marker):])
	const open = "```sql\n"
	j := strings.Index(rest, open)
	if j < 0 {
		return "", fmt.Errorf("no ```sql block after %s", marker)
	}
	rest = rest[j+len(open):]
	k := strings.Index(rest, "\n```")
	if k < 0 {
		return "", fmt.Errorf("the ```sql block after %s is not closed", marker)
	}
	return rest[:k+1], nil
}

// catalog is what the checks read from a migrated database.
type catalog struct {
	tables map[string]*table
}

type table struct {
	name     string
	storeID  string // store_id's type, "" when the table has none
	notNull  bool   // store_id is NOT NULL
	uniques  []unique
	fks      []fkey
	counters []counter // identity and serial columns
}

type unique struct {
	name     string
	def      string
	keyCols  []string // "" for an expression
	hasStore bool
}

type fkey struct {
	name    string
	ref     string
	cols    []string
	refCols []string
	def     string
}

type counter struct {
	column, typ string
}

// readCatalog reads the public schema's tables (partitioned parents, not
// their partitions) as q sees them.
func readCatalog(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) (catalog, error) {
	c := catalog{tables: map[string]*table{}}
	scan := func(sql string, each func(pgx.Rows) error) error {
		rows, err := q.Query(ctx, sql)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := each(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	const tables = `
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition`
	err := scan(tables, func(r pgx.Rows) error {
		var name string
		if err := r.Scan(&name); err != nil {
			return err
		}
		c.tables[name] = &table{name: name}
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("tables: %w", err)
	}
	get := func(name string) *table {
		if t := c.tables[name]; t != nil {
			return t
		}
		return &table{} // a partition's or another schema's: not checked
	}
	const storeCols = `
SELECT c.relname, format_type(a.atttypid, a.atttypmod), a.attnotnull
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND a.attname = 'store_id' AND NOT a.attisdropped AND c.relkind IN ('r', 'p')`
	err = scan(storeCols, func(r pgx.Rows) error {
		var name, typ string
		var notNull bool
		if err := r.Scan(&name, &typ, &notNull); err != nil {
			return err
		}
		t := get(name)
		t.storeID, t.notNull = typ, notNull
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("store_id columns: %w", err)
	}
	// Key columns of each unique index (PRIMARY KEY and UNIQUE constraints
	// included), in order; an expression reads "".
	const uniques = `
SELECT c.relname, ic.relname, pg_get_indexdef(i.indexrelid),
       ARRAY(SELECT coalesce(a.attname, '') FROM unnest((i.indkey::int2[])[0:i.indnkeyatts - 1]) WITH ORDINALITY k(attnum, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord)
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND i.indisunique
ORDER BY 1, 2`
	err = scan(uniques, func(r pgx.Rows) error {
		var name string
		var u unique
		if err := r.Scan(&name, &u.name, &u.def, &u.keyCols); err != nil {
			return err
		}
		u.hasStore = slices.Contains(u.keyCols, "store_id")
		get(name).uniques = append(get(name).uniques, u)
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("unique indexes: %w", err)
	}
	const fkeys = `
SELECT c.relname, k.conname, rc.relname, pg_get_constraintdef(k.oid),
       ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY x(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.attnum ORDER BY x.ord),
       ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY x(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.attnum ORDER BY x.ord)
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class rc ON rc.oid = k.confrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND k.contype = 'f' AND k.conparentid = 0
ORDER BY 1, 2`
	err = scan(fkeys, func(r pgx.Rows) error {
		var name string
		var f fkey
		if err := r.Scan(&name, &f.name, &f.ref, &f.def, &f.cols, &f.refCols); err != nil {
			return err
		}
		get(name).fks = append(get(name).fks, f)
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("foreign keys: %w", err)
	}
	const counters = `
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')
ORDER BY 1, 2`
	err = scan(counters, func(r pgx.Rows) error {
		var name string
		var k counter
		if err := r.Scan(&name, &k.column, &k.typ); err != nil {
			return err
		}
		get(name).counters = append(get(name).counters, k)
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("identity and serial columns: %w", err)
	}
	return c, nil
}

// violations lists, per table, what keeps it from its place in the cluster
// (Citus's rules for distributed and reference tables): a distributed table
// needs a NOT NULL bigint store_id (the distribution column; bigint, so
// every distributed table is colocated with events) in the key of every
// unique index, foreign keys only to reference tables or to colocated
// distributed tables through store_id, and bigint counters (Citus gives each
// node its own range of a bigint sequence); a reference table refers to
// reference tables only; a local table to nothing distributed.
func violations(p plan, c catalog) map[string][]string {
	out := map[string][]string{}
	add := func(t, format string, args ...any) { out[t] = append(out[t], fmt.Sprintf(format, args...)) }
	for _, name := range slices.Sorted(maps.Keys(c.tables)) {
		t := c.tables[name]
		switch p.placement[name] {
		case distributed:
			switch {
			case t.storeID == "":
				add(name, "no store_id column")
			case t.storeID != "bigint":
				add(name, "store_id is %s, not bigint like events.store_id", t.storeID)
			case !t.notNull:
				add(name, "store_id may be NULL")
			}
			for _, u := range t.uniques {
				if !u.hasStore {
					add(name, "unique index %s lacks store_id: %s", u.name, u.def)
				}
			}
			for _, f := range t.fks {
				switch p.placement[f.ref] {
				case reference:
				case distributed:
					if i := slices.Index(f.cols, "store_id"); i < 0 || f.refCols[i] != "store_id" {
						add(name, "foreign key %s to distributed %s does not match store_id to store_id: %s", f.name, f.ref, f.def)
					}
				default:
					add(name, "foreign key %s refers to %s, which is %s", f.name, f.ref, placementOf(p, f.ref))
				}
			}
			for _, k := range t.counters {
				if k.typ != "bigint" {
					add(name, "counter column %s is %s, not bigint", k.column, k.typ)
				}
			}
		case reference:
			for _, f := range t.fks {
				if p.placement[f.ref] != reference {
					add(name, "foreign key %s refers to %s, which is %s: a reference table refers only to reference tables", f.name, f.ref, placementOf(p, f.ref))
				}
			}
		case local:
			for _, f := range t.fks {
				if p.placement[f.ref] == distributed {
					add(name, "foreign key %s refers to distributed %s: a local table cannot", f.name, f.ref)
				}
			}
		}
	}
	return out
}

func placementOf(p plan, t string) string {
	if pl, ok := p.placement[t]; ok {
		return pl
	}
	return "not in the plan"
}

// Citus statements as the plan writes them.
var (
	createReference   = regexp.MustCompile(`create_reference_table\('([a-z0-9_]+)'\)`)
	createDistributed = regexp.MustCompile(`create_distributed_table\('([a-z0-9_]+)', '([a-z0-9_]+)'(?:, colocate_with => '([a-z0-9_]+)')?`)
)

// checkCitusSQL holds the Citus statements to the placement: each reference
// table made one before any table is distributed (distributed tables refer
// to them), events distributed first by store_id and every other
// distributed table colocated with it, after any distributed table it
// refers to, and nothing for local tables.
func checkCitusSQL(p plan, c catalog) []string {
	var errs []string
	lines := strings.Split(p.citusSQL, "\n")
	seen := map[string]int{} // table → line of its statement
	firstDistributed := -1
	for n, line := range lines {
		for _, m := range createReference.FindAllStringSubmatch(line, -1) {
			if _, dup := seen[m[1]]; dup {
				errs = append(errs, fmt.Sprintf("%s is placed twice", m[1]))
			}
			seen[m[1]] = n
			if p.placement[m[1]] != reference {
				errs = append(errs, fmt.Sprintf("create_reference_table('%s'), but the placement table says %s", m[1], placementOf(p, m[1])))
			}
			if firstDistributed >= 0 {
				errs = append(errs, fmt.Sprintf("create_reference_table('%s') comes after a distributed table: make every reference table first", m[1]))
			}
			errs = append(errs, refersBefore(p, c, seen, m[1], n)...)
		}
		for _, m := range createDistributed.FindAllStringSubmatch(line, -1) {
			name, col, with := m[1], m[2], m[3]
			if _, dup := seen[name]; dup {
				errs = append(errs, fmt.Sprintf("%s is placed twice", name))
			}
			seen[name] = n
			if p.placement[name] != distributed {
				errs = append(errs, fmt.Sprintf("create_distributed_table('%s'), but the placement table says %s", name, placementOf(p, name)))
			}
			if col != "store_id" {
				errs = append(errs, fmt.Sprintf("%s is distributed by %s, not store_id", name, col))
			}
			if firstDistributed < 0 {
				firstDistributed = n
				if name != "events" || with != "" {
					errs = append(errs, fmt.Sprintf("the first distributed table is %s (colocate_with %q): the plan distributes events first and colocates the rest with it", name, with))
				}
			} else if with != "events" {
				errs = append(errs, fmt.Sprintf("%s is colocated with %q, not events", name, with))
			}
			errs = append(errs, refersBefore(p, c, seen, name, n)...)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.placement)) {
		_, ok := seen[name]
		switch pl := p.placement[name]; {
		case pl == local && ok:
			errs = append(errs, fmt.Sprintf("%s is local but the Citus statements place it", name))
		case pl != local && !ok:
			errs = append(errs, fmt.Sprintf("%s is %s but no Citus statement makes it so", name, pl))
		}
	}
	return errs
}

// refersBefore checks that every table that name, placed on line n, refers
// to by a foreign key was placed on an earlier line: Citus refuses a foreign
// key to a table that is not yet distributed or a reference table.
func refersBefore(p plan, c catalog, seen map[string]int, name string, n int) []string {
	t := c.tables[name]
	if t == nil {
		return nil
	}
	var errs []string
	for _, f := range t.fks {
		if f.ref == name || p.placement[f.ref] == local || p.placement[f.ref] == "" {
			continue
		}
		if at, ok := seen[f.ref]; !ok || at >= n {
			errs = append(errs, fmt.Sprintf("%s refers to %s %s, which must be placed before it", name, p.placement[f.ref], f.ref))
		}
	}
	return errs
}

// diffTables reports tables of the schema without a place in the plan and
// places for tables the schema does not have.
func diffTables(p plan, c catalog) []string {
	var errs []string
	for _, name := range slices.Sorted(maps.Keys(c.tables)) {
		if _, ok := p.placement[name]; !ok {
			errs = append(errs, fmt.Sprintf("table %s is in the migrated schema but has no row in %s's placement table: give it one (distributed, reference or local), with its ALTERs if it needs any", name, scalingDoc))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.placement)) {
		if _, ok := c.tables[name]; !ok {
			errs = append(errs, fmt.Sprintf("%s's placement table names %s, which the migrated schema does not have: drop or rename its row", scalingDoc, name))
		}
	}
	return errs
}

func TestScalingPlan(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(scalingDoc)
	if err != nil {
		t.Fatal(err)
	}
	p, err := readPlan(doc)
	if err != nil {
		t.Fatalf("%s: %v", scalingDoc, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Migrated here, not cloned from dbtest's template: the template is named
	// after the migration files alone, and tables that migrations.Up makes
	// beside them (goose's lock table) count too.
	pool, err := pgxpool.New(ctx, dbtest.NewEmpty(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := migrations.Up(ctx, pool, nil); err != nil {
		t.Fatal(err)
	}
	before, err := readCatalog(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range diffTables(p, before) {
		t.Error(e)
	}
	// The plan's "must change" marks are exactly the tables that cannot
	// take their place as the schema is.
	v := violations(p, before)
	for _, name := range slices.Sorted(maps.Keys(p.placement)) {
		switch why, bad := v[name]; {
		case bad && !p.mustAlter[name]:
			t.Errorf("%s cannot be %s as the schema is, but the plan does not mark it \"must change\": %s", name, p.placement[name], strings.Join(why, "; "))
		case !bad && p.mustAlter[name]:
			t.Errorf("%s is marked \"must change\" but can be %s as the schema is: unmark it or say why", name, p.placement[name])
		}
	}

	// The ALTERs apply to the migrated schema, and after them every table
	// can take its place.
	after := applyAlters(ctx, t, pool, p.alterSQL)
	for name, why := range violations(p, after) {
		t.Errorf("after the plan's ALTERs, %s still cannot be %s: %s", name, p.placement[name], strings.Join(why, "; "))
	}
	// The Citus statements run on the altered schema.
	for _, e := range checkCitusSQL(p, after) {
		t.Errorf("%s, Citus statements: %s", scalingDoc, e)
	}
}

// applyAlters runs the plan's ALTERs in a transaction on the migrated
// schema, holding rows as a live database does (a month's events partition,
// an estate snapshot, an alert's evidence clip), and returns the catalog
// they leave. The rows come through: the estate's snapshot as store 0, the
// clip under its alert's store.
func applyAlters(ctx context.Context, t *testing.T, pool *pgxpool.Pool, sql string) catalog {
	t.Helper()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	const seed = `
SELECT ensure_event_partition('2026-11-15T12:00:00Z');
INSERT INTO stores (code, name, timezone, opening_hours, operating_model) VALUES ('S1', 'S1', 'UTC', '{}', 'soc');
INSERT INTO report_snapshots (store_id, week, title, html, sha256) VALUES
    (NULL, '2026-11-02', 'estate', '<p>', '\x00'), ((SELECT id FROM stores), '2026-11-02', 'S1', '<p>', '\x00');
INSERT INTO alerts (event_id, store_id, zone, camera, category, est_value, method, occurred_at, opened_at)
    VALUES ('0193a1b2-0000-7000-8000-000000000001', (SELECT id FROM stores), 'Z1', 'C1', 'spirits', 20, 'bag', now(), now());
INSERT INTO alert_evidence (event_id, content_type, bytes, sha256, uploaded_at)
    VALUES ('0193a1b2-0000-7000-8000-000000000001', 'video/mp4', '\x00', '\x00', now());`
	if _, err := tx.Exec(ctx, seed); err != nil {
		t.Fatalf("seeding the rows the ALTERs must carry (this test's own SQL, against today's schema): %v", err)
	}
	if _, err := tx.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: the ALTERs do not apply to the migrated schema: %v", scalingDoc, err)
	}
	var estate, clip, store int64
	err = tx.QueryRow(ctx, `SELECT (SELECT store_id FROM report_snapshots WHERE title = 'estate'),
        (SELECT store_id FROM alert_evidence), (SELECT id FROM stores)`).Scan(&estate, &clip, &store)
	if err != nil {
		t.Fatalf("reading the rows after the ALTERs: %v", err)
	}
	if estate != 0 || clip != store {
		t.Errorf("after the ALTERs the estate snapshot is under store %d (want 0) and the clip under %d (want its alert's %d)", estate, clip, store)
	}
	c, err := readCatalog(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The checks find what Citus refuses, on a catalog made for the purpose.
func TestScalingChecksCatch(t *testing.T) {
	t.Parallel()
	p := plan{
		placement: map[string]string{"facts": distributed, "notes": distributed, "master": reference, "cfg": reference, "audit": local},
		citusSQL: "SELECT create_reference_table('master');\nSELECT create_distributed_table('facts', 'store_id', colocate_with => 'none');\n" +
			"SELECT create_distributed_table('notes', 'store_id', colocate_with => 'facts');\nSELECT create_reference_table('audit');\n",
	}
	c := catalog{tables: map[string]*table{
		"facts": {name: "facts", storeID: "bigint", notNull: true,
			uniques:  []unique{{name: "facts_pkey", def: "(id)", keyCols: []string{"id"}}, {name: "facts_key", def: "(store_id, id)", keyCols: []string{"store_id", "id"}, hasStore: true}},
			counters: []counter{{"id", "integer"}}},
		"notes": {name: "notes", storeID: "integer",
			fks: []fkey{{name: "notes_fact", ref: "facts", cols: []string{"fact_id"}, refCols: []string{"id"}}, {name: "notes_audit", ref: "audit", cols: []string{"a"}, refCols: []string{"id"}}}},
		"master": {name: "master", fks: []fkey{{name: "master_fact", ref: "facts", cols: []string{"f"}, refCols: []string{"id"}}}},
		"cfg":    {name: "cfg"},
		"audit":  {name: "audit", fks: []fkey{{name: "audit_fact", ref: "facts", cols: []string{"f"}, refCols: []string{"id"}}}},
		"extra":  {name: "extra"},
	}}
	v := violations(p, c)
	want := map[string][]string{
		"facts": {"unique index facts_pkey lacks store_id: (id)", "counter column id is integer, not bigint"},
		"notes": {"store_id is integer, not bigint like events.store_id",
			"foreign key notes_fact to distributed facts does not match store_id to store_id: ",
			"foreign key notes_audit refers to audit, which is local"},
		"master": {"foreign key master_fact refers to facts, which is distributed: a reference table refers only to reference tables"},
		"audit":  {"foreign key audit_fact refers to distributed facts: a local table cannot"},
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if !slices.Equal(v[name], want[name]) {
			t.Errorf("%s: got %q, want %q", name, v[name], want[name])
		}
	}
	if len(v) != len(want) {
		t.Errorf("violations for %d tables, want %d: %q", len(v), len(want), v)
	}
	// A nullable store_id and a missing one.
	c.tables["notes"].storeID = "bigint"
	c.tables["cfg"].storeID = ""
	p.placement["cfg"] = distributed
	v = violations(p, c)
	if !slices.Contains(v["notes"], "store_id may be NULL") || !slices.Contains(v["cfg"], "no store_id column") {
		t.Errorf("nullable and missing store_id not caught: %q", v)
	}

	wantSQL := []string{
		"master refers to distributed facts, which must be placed before it",
		"the first distributed table is facts (colocate_with \"none\"): the plan distributes events first and colocates the rest with it",
		"notes is colocated with \"facts\", not events",
		"create_reference_table('audit'), but the placement table says local",
		"create_reference_table('audit') comes after a distributed table: make every reference table first",
		"audit is local but the Citus statements place it",
		"cfg is distributed but no Citus statement makes it so",
	}
	// notes refers to facts, distributed on the line before: in order.
	if got := checkCitusSQL(p, c); !slices.Equal(got, wantSQL) {
		t.Errorf("Citus statement checks:\n got %q\nwant %q", got, wantSQL)
	}
	p.citusSQL = "SELECT create_distributed_table('notes', 'store_id', colocate_with => 'events');\nSELECT create_distributed_table('facts', 'id');\n"
	got := checkCitusSQL(p, c)
	for _, w := range []string{
		"the first distributed table is notes (colocate_with \"events\"): the plan distributes events first and colocates the rest with it",
		"notes refers to distributed facts, which must be placed before it",
		"facts is distributed by id, not store_id",
		"facts is colocated with \"\", not events",
		"master is reference but no Citus statement makes it so",
	} {
		if !slices.Contains(got, w) {
			t.Errorf("Citus statement checks lack %q: %q", w, got)
		}
	}

	if got := diffTables(p, c); len(got) != 1 || !strings.Contains(got[0], "table extra is in the migrated schema but has no row") {
		t.Errorf("a table without a place: %q", got)
	}
	delete(c.tables, "extra")
	delete(c.tables, "cfg")
	if got := diffTables(p, c); len(got) != 1 || !strings.Contains(got[0], "names cfg, which the migrated schema does not have") {
		t.Errorf("a place without a table: %q", got)
	}
}

// The plan reader takes the placement rows and both SQL blocks, and refuses
// a malformed row.
func TestReadPlan(t *testing.T) {
	t.Parallel()
	doc := "x\n<!-- placement:begin -->\n| table | placement | keys | why |\n|---|---|---|---|\n" +
		"| `events` | distributed | must change | facts |\n| `stores` | reference | — | master |\n<!-- placement:end -->\n" +
		"<!-- sql:citus -->\n\n```sql\nSELECT create_reference_table('stores');\n```\n<!-- sql:alter -->\n```sql\nALTER TABLE events ADD x int;\n```\n"
	p, err := readPlan([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(p.placement, map[string]string{"events": distributed, "stores": reference}) ||
		!maps.Equal(p.mustAlter, map[string]bool{"events": true, "stores": false}) {
		t.Errorf("placement %v, must change %v", p.placement, p.mustAlter)
	}
	if p.citusSQL != "SELECT create_reference_table('stores');\n" || p.alterSQL != "ALTER TABLE events ADD x int;\n" {
		t.Errorf("citus %q, alter %q", p.citusSQL, p.alterSQL)
	}
	bad := strings.Replace(doc, "| reference |", "| sharded |", 1)
	if _, err := readPlan([]byte(bad)); err == nil || !strings.Contains(err.Error(), "stores") {
		t.Errorf("a bad placement: %v", err)
	}
	dup := strings.Replace(doc, "`stores`", "`events`", 1)
	if _, err := readPlan([]byte(dup)); err == nil || !strings.Contains(err.Error(), "events is listed twice") {
		t.Errorf("a table listed twice: %v", err)
	}
}

// sessionBound is SQL whose meaning depends on the node it runs on or on
// the shards it touches: row locks, advisory locks and notifications.
var sessionBound = regexp.MustCompile(`FOR UPDATE|FOR SHARE|pg_(try_)?advisory|pg_notify|LISTEN [a-z_]+`)

// Every file of the service that takes a row lock or an advisory lock, or
// notifies or listens, is named in docs/SCALING.md, so a new one is weighed
// against the plan (points "Row locks across stores", "Advisory locks",
// "LISTEN/NOTIFY"). Comments, tests, cmd/ and the test helpers do not count.
func TestScalingPlanNamesSessionBoundSQL(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(scalingDoc)
	if err != nil {
		t.Fatal(err)
	}
	root := os.DirFS("..")
	found := 0
	err = fs.WalkDir(root, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || path == "cmd" || path == "internal/dbtest" || name == "testdata") {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := fs.ReadFile(root, path)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if l := strings.TrimSpace(line); !strings.HasPrefix(l, "//") && sessionBound.MatchString(l) {
				found++
				if !bytes.Contains(doc, []byte("`"+path+"`")) {
					t.Errorf("%s has %q but %s does not name it: say what it becomes on Citus", path, sessionBound.FindString(l), scalingDoc)
				}
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("no file with row locks, advisory locks or notifications found: the walk is broken")
	}
}
