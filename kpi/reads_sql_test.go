package kpi

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
)

// goldenRequest is a KPI request whose statements testdata/reads/ shows.
type goldenRequest struct {
	name string
	q    Query
}

// kpiRequests are the requests whose statements testdata/reads/ shows:
// together they take every branch of every builder (TestGeneratedKPISQL
// checks that they do).
func kpiRequests() []goldenRequest {
	d := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	month := Query{From: d("2026-08-01"), To: d("2026-08-31"), Dates: true}
	with := func(q Query, f func(*Query)) Query { f(&q); return q }
	var out []goldenRequest
	add := func(name string, q Query) { out = append(out, goldenRequest{name, q}) }
	for _, g := range Groupings {
		q := with(month, func(q *Query) { q.By = g })
		if g == ByZone {
			q.Region = "london"
		}
		add("dates by "+string(g), q)
	}
	add("one store by zone", with(month, func(q *Query) { q.By, q.Store = ByZone, "S001" }))
	add("one store by zone, one method", with(month, func(q *Query) { q.By, q.Store, q.Method = ByZone, "S001", "bag" }))
	add("one store by category", with(month, func(q *Query) { q.By, q.Store = ByCategory, "S001" }))
	add("one zone by day", with(month, func(q *Query) { q.By, q.Store, q.Zone = ByDay, "S001", "Z01" }))
	add("a scope of stores by store", with(month, func(q *Query) { q.By, q.Scope = ByStore, []string{"S001", "S002"} }))
	add("one store by store", with(month, func(q *Query) { q.By, q.Store = ByStore, "S001" }))
	add("one region by store", with(month, func(q *Query) { q.By, q.Region = ByStore, "london" }))
	add("a scope of 21 stores by region", with(month, func(q *Query) {
		q.By = ByRegion
		for i := 1; i <= 21; i++ {
			q.Scope = append(q.Scope, fmt.Sprintf("S%03d", i))
		}
	}))
	add("a scope of 21 stores by category", with(month, func(q *Query) {
		q.By = ByCategory
		for i := 1; i <= 21; i++ {
			q.Scope = append(q.Scope, fmt.Sprintf("S%03d", i))
		}
	}))
	add("a scope of stores by hour of week", with(month, func(q *Query) { q.By, q.Scope = ByHourOfWeek, []string{"S001", "S002"} }))
	add("one category by store", with(month, func(q *Query) { q.By, q.Category = ByStore, "spirits" }))
	add("one region by day, one method", with(month, func(q *Query) { q.By, q.Region, q.Method = ByDay, "london", "bag" }))
	add("dates by hour of week, one method", with(month, func(q *Query) { q.By, q.Method = ByHourOfWeek, "pocket" }))
	instants := Query{From: time.Date(2026, 8, 1, 6, 0, 0, 0, time.UTC), To: time.Date(2026, 8, 2, 6, 0, 0, 0, time.UTC)}
	add("instants by store", with(instants, func(q *Query) { q.By = ByStore }))
	add("instants by hour of week, one store", with(instants, func(q *Query) {
		q.By, q.Store, q.To = ByHourOfWeek, "S001", time.Date(2026, 8, 8, 6, 0, 0, 0, time.UTC)
	}))
	add("instants by method, one store", with(instants, func(q *Query) { q.By, q.Store = ByMethod, "S001" }))
	add("instants by category, one zone", with(instants, func(q *Query) { q.By, q.Store, q.Zone = ByCategory, "S001", "Z01" }))
	return out
}

// describe is a request as the golden files show it.
func describe(q Query) string {
	parts := []string{"by=" + string(q.By)}
	if q.Dates {
		parts = append(parts, "dates "+q.From.Format(time.DateOnly)+".."+q.To.Format(time.DateOnly))
	} else {
		parts = append(parts, "instants ["+q.From.Format(time.RFC3339)+", "+q.To.Format(time.RFC3339)+")")
	}
	if len(q.Scope) > 0 {
		parts = append(parts, fmt.Sprintf("scope=%d stores", len(q.Scope)))
	}
	for _, f := range [][2]string{{"store", q.Store}, {"zone", q.Zone}, {"region", q.Region}, {"category", q.Category}, {"method", q.Method}} {
		if f[1] != "" {
			parts = append(parts, f[0]+"="+f[1])
		}
	}
	return strings.Join(parts, " ")
}

// params shows a statement's parameters.
func params(args []any) string {
	out := make([]string, len(args))
	for j, a := range args {
		switch v := a.(type) {
		case time.Time:
			out[j] = fmt.Sprintf("$%d = %s", j+1, v.Format(time.RFC3339))
		case []time.Time:
			ds := make([]string, len(v))
			for k, t := range v {
				ds[k] = t.Format(time.DateOnly)
			}
			out[j] = fmt.Sprintf("$%d = {%s}", j+1, strings.Join(ds, ","))
		default:
			out[j] = fmt.Sprintf("$%d = %v", j+1, v)
		}
	}
	return strings.Join(out, "; ")
}

// String lists the branches taken, as the golden files show them.
func (t trace) String() string {
	out := make([]string, len(t))
	for i, b := range t {
		out[i] = b.String()
	}
	return strings.Join(out, "; ")
}

// goldenStatement is one statement of a builder, as the requests that
// wrote it (the same text, parameters and branches) share it.
type goldenStatement struct {
	sql, params string
	took        trace
	requests    []string
}

// The statements of every builder are checked in under testdata/reads/,
// one file per builder, each labelled with the requests that wrote it and
// the branches it took, and planned by PostgreSQL with its parameters. The
// requests take every branch of every builder, fragment and plan: a branch
// no request takes fails the test.
func TestGeneratedKPISQL(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	byBuilder := map[string][]*goldenStatement{}
	seen := map[string]*goldenStatement{}
	taken := map[branch]bool{}
	for _, r := range kpiRequests() {
		if err := r.q.Validate(); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		rq := newRequest(r.q)
		for _, b := range rq.p.took {
			taken[b] = true
		}
		for _, rd := range rq.reads {
			for _, b := range rd.took {
				taken[b] = true
			}
			ps := params(rd.args)
			id := strings.Join([]string{rd.builder, rd.sql, ps, rd.took.String()}, "\x00")
			g, ok := seen[id]
			if !ok {
				g = &goldenStatement{sql: strings.TrimSpace(rd.sql), params: ps, took: rd.took}
				seen[id] = g
				byBuilder[rd.builder] = append(byBuilder[rd.builder], g)
				if _, err := pool.Exec(context.Background(), "EXPLAIN "+rd.sql, rd.args...); err != nil {
					t.Errorf("%s, for %s: %v", rd.builder, r.name, err)
				}
			}
			g.requests = append(g.requests, r.name+" ("+describe(r.q)+")")
		}
	}

	dir := filepath.Join("testdata", "reads")
	for builder, stmts := range byBuilder {
		checkGolden(t, filepath.Join(dir, builder+".sql"), renderReads(builder, stmts))
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.sql"))
	for _, path := range old {
		if _, ok := byBuilder[strings.TrimSuffix(filepath.Base(path), ".sql")]; ok {
			continue
		}
		if *update {
			os.Remove(path)
		}
		t.Errorf("%s: no builder writes it any more (with -update: removed)", path)
	}

	for b := range taken {
		if !slices.Contains(b.set.arms, b.arm) {
			t.Errorf("%s takes branch %q, which it does not declare", b.set.name, b.arm)
		}
	}
	for _, b := range allBranches {
		for _, arm := range b.arms {
			if !taken[branch{b, arm}] {
				t.Errorf("no request of kpiRequests takes branch %q of %s: add one", arm, b.name)
			}
		}
	}
}

func renderReads(builder string, stmts []*goldenStatement) string {
	file := "read_" + builder + ".go"
	if _, err := os.Stat(file); err != nil {
		file = builder + ".go"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- Generated by the kpi tests (go test ./kpi -run TestGeneratedKPISQL -update): the statements of\n")
	fmt.Fprintf(&b, "-- the %s builder (kpi/%s) for the requests of kpiRequests (kpi/reads_sql_test.go).\n", builder, file)
	for i, s := range stmts {
		fmt.Fprintf(&b, "\n-- %s %d, for:\n", builder, i+1)
		for _, r := range s.requests {
			fmt.Fprintf(&b, "--   %s\n", r)
		}
		if len(s.took) > 0 {
			fmt.Fprintf(&b, "-- branches: %s\n", s.took)
		}
		if s.params != "" {
			fmt.Fprintf(&b, "-- %s\n", s.params)
		}
		fmt.Fprintf(&b, "%s;\n", s.sql)
	}
	return b.String()
}
