package kpi

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// How a KPI read's statements are written. Each read shape has one builder
// in a file of its own (read_*.go; the live targets in targets.go): an
// SQL template with named slots, {{name}}, at the top of the file, the Go
// that fills them, and the handling of the rows. Slots are filled only with
// fragments of this package and $n placeholders; the caller's values travel
// as parameters. testdata/reads/ shows every builder's statements.

// template is an SQL text with named slots, parsed once.
type template struct {
	parts   []string // literal text and slot names, alternating; literals at even indices
	names   []string // the slots, each once
	literal int      // bytes of literal text
}

// newTemplate parses text; an unclosed slot is a bug, found at start.
func newTemplate(text string) *template {
	t := &template{}
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			t.parts = append(t.parts, text)
			t.literal += len(text)
			return t
		}
		j := strings.Index(text[i:], "}}")
		if j < 0 {
			panic(fmt.Sprintf("kpi: unclosed slot in SQL template %q", text))
		}
		name := text[i+2 : i+j]
		t.parts = append(t.parts, text[:i], name)
		t.literal += i
		if !slices.Contains(t.names, name) {
			t.names = append(t.names, name)
		}
		text = text[i+j+2:]
	}
}

// fill returns the statement with every slot replaced by its fragment. A
// slot without a fragment, or a fragment without a slot, is a bug in the
// builder: fill panics, and the golden test, which takes every branch of
// every builder, finds it.
func (t *template) fill(slots map[string]string) string {
	if len(slots) != len(t.names) {
		for name := range slots {
			if !slices.Contains(t.names, name) {
				panic(fmt.Sprintf("kpi: SQL template has no slot {{%s}}", name))
			}
		}
	}
	var buf [16]string
	vals, n := buf[:0], t.literal // each slot's fragment, in order; the statement's length
	for i := 1; i < len(t.parts); i += 2 {
		v, ok := slots[t.parts[i]]
		if !ok {
			panic(fmt.Sprintf("kpi: SQL template slot {{%s}} has no fragment", t.parts[i]))
		}
		vals, n = append(vals, v), n+len(v)
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range t.parts {
		if i%2 == 0 {
			b.WriteString(p)
		} else {
			b.WriteString(vals[i/2])
		}
	}
	return b.String()
}

// branches names the branches of one builder, fragment or planner decision:
// the ways the SQL it writes can differ. A statement records the branches
// it took, so the golden test can check that its requests take every one.
type branches struct {
	name string
	arms []string
}

// allBranches is every set of branches, as declared.
var allBranches []*branches

func newBranches(name string, arms ...string) *branches {
	b := &branches{name: name, arms: arms}
	allBranches = append(allBranches, b)
	return b
}

// branch is one arm of a set of branches.
type branch struct {
	set *branches
	arm string
}

func (b branch) String() string { return b.set.name + ": " + b.arm }

// trace is the branches a statement (or a plan) took.
type trace []branch

// take records arm of b. An arm b does not declare is a bug the golden
// test reports; a request that takes one still runs.
func (t *trace) take(b *branches, arm string) { *t = append(*t, branch{b, arm}) }

// stmt is one statement being built by a builder: its parameters and the
// branches it took.
type stmt struct {
	builder string
	args    []any
	took    trace
}

func newStmt(builder string) *stmt {
	return &stmt{builder: builder, args: make([]any, 0, 8), took: make(trace, 0, 8)}
}

// add makes v the next parameter and returns its placeholder.
func (s *stmt) add(v any) string { s.args = append(s.args, v); return "$" + strconv.Itoa(len(s.args)) }

// take records that the statement took arm of b.
func (s *stmt) take(b *branches, arm string) { s.took.take(b, arm) }

// read is the statement sql, with the parameters and branches of s, and what
// to do with each of its rows: scan into dest, then call row.
func (s *stmt) read(sql string, dest []any, row func() error) *read {
	return &read{builder: s.builder, took: s.took, sql: sql, args: s.args, dest: dest, row: row}
}

// read is one statement of a KPI request and what to do with each row.
type read struct {
	builder string // the builder that wrote it, as testdata/reads/ names it
	took    trace
	sql     string
	args    []any
	dest    []any
	row     func() error
}
