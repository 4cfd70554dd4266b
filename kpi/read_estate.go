package kpi

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// estateStoresSQL reads every store, whether it is in the query's scope
// ({{stores}}: its filter, or true for the whole estate), to group the
// figures of those in scope; the others' reviews count toward their
// region's and the estate's false share (read_basis.go).
var estateStoresSQL = newTemplate(`SELECT s.id, s.code, s.region, {{stores}} FROM store_directory s`)

// estateRowsSQL reads the kpi_estate rows of both periods' whole weeks and
// end days (by day or week: every day): every store's figures of a day or
// a week in one row.
var estateRowsSQL = newTemplate(`SELECT start::timestamp, start >= {{current}}, figures, sketches
FROM kpi_estate WHERE (kind = 'day' AND start = ANY({{days}}::date[])) OR (kind = 'week' AND start = ANY({{weeks}}::date[]))`)

var estateBranches = newBranches("estate", "whole estate", "some stores")

// estateRecord is the bytes of one store in a kpi_estate row: fifteen int8
// (estateFigures).
const estateRecord = 15 * 8

// estateTotals adds up one group's store figures; money in cents.
type estateTotals struct {
	f                      Figures
	recovered, paid, sales int64
	visitors               int64
	hasSales, seen         bool
	hasVisitors            bool // estate cuts: a store of the group has entrance rows (read_estate_cuts.go)
}

// estateReader reads a plan's figures from kpi_estate: the stores of the
// query's scope, then the day and week rows of both periods.
type estateReader struct {
	// Each store maps to its group's index; the groups' totals and
	// sketches are slices, so the loop over every store of every row does
	// one map lookup.
	group  map[int64]int
	keys   []string
	index  map[string]int
	totals [2][]estateTotals
	merged [2][]sketch
	// Every store's slot (its index in ids), its group's index (-1: out of
	// scope) and region, and per period its est_loss and open value in
	// cents and its reviews: in finish each store in scope gets its basis
	// as read_basis.go chooses it, from the same records, and its
	// est_loss is discounted with it.
	ids        []int64
	slot       map[int64]int
	groupOf    []int
	region     []string
	acc        [2][]storeAcc
	minReviews int64
	// By day or week (rowGrouped) a row is its day's group, or its ISO
	// week's: each store's est_loss and open value per period, group and
	// store slot, so that each (group, store) is discounted and rounded
	// once, as the store rows are.
	by    Grouping
	cells [2][][]storeAcc
}

// rowGrouped says whether the groups are the rows' days or weeks.
func (e *estateReader) rowGrouped() bool { return e.by == ByDay || e.by == ByWeek }

// keyGroup is the index of key's group, made on first use.
func (e *estateReader) keyGroup(key string) int {
	gi, ok := e.index[key]
	if !ok {
		gi = len(e.keys)
		e.index[key] = gi
		e.keys = append(e.keys, key)
		for i := range e.totals {
			e.totals[i] = append(e.totals[i], estateTotals{})
			e.merged[i] = append(e.merged[i], sketch{})
			e.cells[i] = append(e.cells[i], nil)
		}
	}
	return gi
}

// storeAcc is one store's est_loss and open value in cents, reviews and
// false positives over one period.
type storeAcc struct{ estLoss, open, rev, fp int64 }

// reads are the two statements, for the request's batch, in order.
func (e *estateReader) reads(p *plan) []*read {
	e.group, e.index, e.slot, e.minReviews, e.by = map[int64]int{}, map[string]int{}, map[int64]int{}, int64(p.minReviews), p.q.By
	st := newStmt("estate")
	where := "true"
	if w := p.storeFilter(st); len(w) > 0 {
		st.take(estateBranches, "some stores")
		where = strings.Join(w, " AND ")
	} else {
		st.take(estateBranches, "whole estate")
	}
	var id int64
	var code, region string
	var in bool
	stores := st.read(estateStoresSQL.fill(map[string]string{"stores": where}), []any{&id, &code, &region, &in}, func() error {
		e.slot[id] = len(e.ids)
		e.ids, e.region = append(e.ids, id), append(e.region, region)
		if !in {
			e.groupOf = append(e.groupOf, -1)
			return nil
		}
		if e.rowGrouped() { // in scope; its groups are its rows'
			e.group[id] = 0
			e.groupOf = append(e.groupOf, 0)
			return nil
		}
		key := ""
		switch p.q.By {
		case ByStore:
			key = code
		case ByRegion:
			key = region
		}
		i, ok := e.index[key]
		if !ok {
			i = len(e.keys)
			e.index[key] = i
			e.keys = append(e.keys, key)
		}
		e.group[id] = i
		e.groupOf = append(e.groupOf, i)
		return nil
	})

	rt := newStmt("estate")
	days, weeks := p.splitPeriods()
	if e.rowGrouped() {
		days, weeks = nil, nil
		for _, per := range []Query{p.prev, p.q} {
			for d := per.From; !d.After(per.To); d = d.AddDate(0, 0, 1) {
				days = append(days, d)
			}
		}
	}
	sql := estateRowsSQL.fill(map[string]string{"current": rt.add(p.q.From), "days": rt.add(days), "weeks": rt.add(weeks)})
	var start time.Time
	var cur bool
	// The bytes are read in place: valid until the next row, which is all they need.
	var figures, blob pgtype.DriverBytes
	rows := rt.read(sql, []any{&start, &cur, &figures, &blob}, func() error { return e.add(start, cur, figures, blob) })
	return []*read{stores, rows}
}

// add sums one estate row into its period's groups.
func (e *estateReader) add(start time.Time, cur bool, figures, blob []byte) error {
	if e.acc[0] == nil {
		for i := range e.totals {
			e.totals[i], e.merged[i] = make([]estateTotals, len(e.keys)), make([]sketch, len(e.keys))
			e.acc[i] = make([]storeAcc, len(e.ids))
		}
	}
	if len(figures)%estateRecord != 0 {
		return fmt.Errorf("estate row of %d bytes is not whole stores", len(figures))
	}
	pi := b2i(cur)
	rowGroup := -1
	var cells []storeAcc
	switch e.by {
	case ByDay:
		rowGroup = e.keyGroup(start.Format(time.DateOnly))
	case ByWeek:
		rowGroup = e.keyGroup(start.AddDate(0, 0, -(int(start.Weekday())+6)%7).Format(time.DateOnly))
	}
	if rowGroup >= 0 {
		if e.cells[pi][rowGroup] == nil {
			e.cells[pi][rowGroup] = make([]storeAcc, len(e.ids))
		}
		cells = e.cells[pi][rowGroup]
	}
	tot, sk, acc := e.totals[pi], e.merged[pi], e.acc[pi]
	var from int64
	for rec := figures; len(rec) > 0; rec = rec[estateRecord:] {
		v := func(i int) int64 { return int64(binary.BigEndian.Uint64(rec[8*i:])) }
		id, to := v(0), v(14)
		si, ok := e.slot[id]
		if !ok {
			from = to
			continue
		}
		m := &acc[si]
		m.rev += v(4) + v(5) + v(6) + v(11)
		m.fp += v(6)
		gi := e.groupOf[si]
		if gi < 0 {
			from = to
			continue
		}
		if rowGroup >= 0 {
			gi, m = rowGroup, &cells[si]
		}
		m.estLoss += v(2)
		m.open += v(12)
		t := &tot[gi]
		t.seen = true
		t.f.Events += v(1)
		t.recovered += v(3)
		t.paid += v(13)
		t.f.Recovered += v(4)
		t.f.Lost += v(5)
		t.f.Confirmed += v(11)
		t.f.FalsePositives += v(6)
		t.f.Open += v(7)
		t.f.Interventions += v(8)
		t.visitors += v(9)
		if s := v(10); s >= 0 {
			t.sales += s
			t.hasSales = true
		}
		if to > from {
			if to > int64(len(blob)) || from < 0 {
				return fmt.Errorf("estate row sketch %d..%d of %d bytes", from, to, len(blob))
			}
			if err := sk[gi].addBytes(blob[from:to]); err != nil {
				return err
			}
		}
		from = to
	}
	return nil
}

// finish puts the groups' figures into r.
func (e *estateReader) finish(r *results) {
	for i := range e.totals {
		if e.acc[i] == nil {
			continue // no row of the period
		}
		bases := e.bases(e.acc[i])
		lossCents := make([]int64, len(e.keys))
		labels := make([]basisLabel, len(e.keys))
		loss := func(gi, si int, m storeAcc) {
			lossCents[gi] += bases[si].expectedCents(m.estLoss, m.open)
			if m.open > 0 {
				labels[gi].merge(bases[si])
			}
		}
		for si, m := range e.acc[i] {
			if gi := e.groupOf[si]; gi >= 0 && !e.rowGrouped() {
				loss(gi, si, m)
			}
		}
		for gi, cells := range e.cells[i] {
			for si, m := range cells {
				if m.estLoss != 0 || m.open != 0 {
					loss(gi, si, m)
				}
			}
		}
		for gi, t := range e.totals[i] {
			if !t.seen {
				continue
			}
			key := e.keys[gi]
			g := r.get(i == 1, key)
			*g = t.f
			g.EstLoss = fromCents(lossCents[gi])
			labels[gi].set(g)
			g.RecoveredValue = fromCents(t.recovered)
			g.PaidUnprompted = fromCents(t.paid)
			v := t.visitors
			g.Visitors = &v
			if t.hasSales {
				a := float64(t.sales) / 100
				g.Sales = &a
			}
			if len(e.merged[i][gi].counts) > 0 {
				r.sketches[i][key] = &e.merged[i][gi]
			}
		}
	}
}

// bases chooses each store's basis over one period from every store's
// reviews, as basisSQL does.
func (e *estateReader) bases(acc []storeAcc) []storeBasis {
	rev := make([]reviews, len(acc))
	for si, m := range acc {
		rev[si] = reviews{m.fp, m.rev}
	}
	return chooseBases(rev, e.region, e.minReviews)
}
