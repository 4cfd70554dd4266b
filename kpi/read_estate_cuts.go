package kpi

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// cutStoresSQL reads every store with its currency, whether it is in the
// query's scope ({{stores}}); as estateStoresSQL.
var cutStoresSQL = newTemplate(`SELECT s.id, s.region, coalesce(s.currency, ''), {{stores}} FROM store_directory s`)

// cutRatesSQL reads the exchange rates to the reporting currency of both
// periods' days.
var cutRatesSQL = newTemplate(`SELECT currency, day::timestamp, rate::text FROM fx_rates
WHERE reporting = {{reporting}} AND day BETWEEN {{from}}::date AND {{to}}::date`)

// cutRowsSQL reads the kpi_estate_cuts rows of one cut (rollup_cuts.go) in
// both periods: whole weeks and end days, or every day where money is
// converted (a rate is per day: {{converts}}, a store of the scope keeps
// another currency than the reporting one) or the cut is kept per day
// (hour of week: {{weeks}} is empty, {{ends}} every day). The entrance's
// rows ({{entrance}}) give the visitors every category and method shares.
var cutRowsSQL = newTemplate(`SELECT start::timestamp, start >= {{current}}, cut = 'entrance', key, figures, sketches
FROM kpi_estate_cuts WHERE (cut = {{cut}} OR cut = 'entrance' AND {{entrance}}) AND (
    (kind = 'day' AND start = ANY(CASE WHEN {{converts}} THEN {{days}}::date[] ELSE {{ends}}::date[] END))
    OR (kind = 'week' AND NOT {{converts}} AND start = ANY({{weeks}}::date[])))`)

// cutConvertsSQL: whether a store of the scope keeps another currency
// than the reporting one, as moneySQL's guard.
var cutConvertsSQL = newTemplate(`EXISTS (SELECT 1 FROM store_directory s WHERE {{stores}} AND s.currency IS DISTINCT FROM {{reporting}})`)

var cutBranches = newBranches("estate_cuts", "whole estate", "some stores", "weeks and end days", "days")

// cutReader reads a plan's figures from kpi_estate_cuts: the stores of the
// query's scope and the periods' exchange rates, then the rows of the
// grouping's cut. Each row is one key's records of every store; a group's
// additive figures are summed over the records of the stores in scope,
// its est_loss per (group, store) and discounted in finish by the store's
// basis, chosen from every store's reviews (summed over all keys of the
// cut, which split a store's events whole) as read_basis.go chooses it.
// Money of a scope with other currencies than the reporting one is
// converted here too, day by day, as moneySQL converts it
// (read_estate_cuts_money.go).
type cutReader struct {
	ids      []int64
	slot     map[int64]int
	in       []bool
	region   []string
	currency []int // index in currencies
	index    map[string]int
	keys     []string
	totals   [2][]estateTotals
	merged   [2][]sketch
	// cells are per period, group and store slot the est_loss and open
	// value in cents; reviews per period and store slot.
	cells      [2][][]storeAcc
	reviews    [2][]reviews
	minReviews int64
	money      cutMoney
	// entrance is per period the scope's entrance visitors, and whether
	// any store of it has entrance rows.
	entrance    [2]int64
	hasEntrance [2]bool
}

// reads are the statements, for the request's batch, in order.
func (c *cutReader) reads(p *plan, rq *request) []*read {
	c.slot, c.index, c.minReviews = map[int64]int{}, map[string]int{}, int64(p.minReviews)
	rep := rq.reporting()
	c.money.start(p, rep)
	st := newStmt("estate_cuts")
	where := "true"
	if w := p.storeFilter(st); len(w) > 0 {
		st.take(cutBranches, "some stores")
		where = strings.Join(w, " AND ")
	} else {
		st.take(cutBranches, "whole estate")
	}
	var id int64
	var region, cur string
	var in bool
	stores := st.read(cutStoresSQL.fill(map[string]string{"stores": where}), []any{&id, &region, &cur, &in}, func() error {
		c.slot[id] = len(c.ids)
		c.ids, c.region, c.in = append(c.ids, id), append(c.region, region), append(c.in, in)
		c.currency = append(c.currency, c.money.currencyIndex(cur))
		if in && cur != string(rep) {
			c.money.converts = true
		}
		return nil
	})

	ft := newStmt("estate_cuts")
	var rcur, rate string
	var rday time.Time
	rates := ft.read(cutRatesSQL.fill(map[string]string{"reporting": ft.add(string(rep)), "from": ft.add(p.prev.From), "to": ft.add(p.q.To)}),
		[]any{&rcur, &rday, &rate}, func() error { return c.money.rate(rcur, rday, rate) })

	rt := newStmt("estate_cuts")
	ends, weeks := p.splitPeriods()
	if p.q.By == ByHourOfWeek {
		rt.take(cutBranches, "days")
		ends, weeks = c.money.days, nil
	} else {
		rt.take(cutBranches, "weeks and end days")
	}
	scope := p.inScope(rt)
	entrance := "true"
	if !p.q.By.sharesVisitors() {
		entrance = "false"
	}
	sql := cutRowsSQL.fill(map[string]string{"current": rt.add(p.q.From), "cut": rt.add(string(p.q.By)), "entrance": entrance,
		"converts": cutConvertsSQL.fill(map[string]string{"stores": scope, "reporting": rt.add(string(rep))}),
		"days":     rt.add(c.money.days), "ends": rt.add(ends), "weeks": rt.add(weeks)})
	var start time.Time
	var current, ent bool
	var key string
	// The bytes are read in place: valid until the next row, which is all they need.
	var figures, blob pgtype.DriverBytes
	rows := rt.read(sql, []any{&start, &current, &ent, &key, &figures, &blob}, func() error {
		if ent {
			return c.addEntrance(current, figures)
		}
		return c.add(rq.r, start, current, key, figures, blob)
	})
	return []*read{stores, rates, rows}
}

// group is the index of key's group, made on first use.
func (c *cutReader) group(key string) int {
	gi, ok := c.index[key]
	if !ok {
		gi = len(c.keys)
		c.index[key] = gi
		c.keys = append(c.keys, key)
		for i := range c.totals {
			c.totals[i] = append(c.totals[i], estateTotals{})
			c.merged[i] = append(c.merged[i], sketch{})
			c.cells[i] = append(c.cells[i], nil)
		}
		c.money.group()
	}
	return gi
}

// addEntrance sums the entrance visitors of the stores in scope of one
// entrance row.
func (c *cutReader) addEntrance(cur bool, figures []byte) error {
	if len(figures)%estateRecord != 0 {
		return fmt.Errorf("estate entrance row of %d bytes is not whole stores", len(figures))
	}
	for rec := figures; len(rec) > 0; rec = rec[estateRecord:] {
		si, ok := c.slot[int64(binary.BigEndian.Uint64(rec))]
		if v := int64(binary.BigEndian.Uint64(rec[8*9:])); ok && c.in[si] && v >= 0 {
			c.entrance[b2i(cur)] += v
			c.hasEntrance[b2i(cur)] = true
		}
	}
	return nil
}

// add sums one cut row (one key and day or week, every store) into its
// period's group.
func (c *cutReader) add(r *results, start time.Time, cur bool, key string, figures, blob []byte) error {
	if c.reviews[0] == nil {
		for i := range c.reviews {
			c.reviews[i] = make([]reviews, len(c.ids))
		}
	}
	if len(figures)%estateRecord != 0 {
		return fmt.Errorf("estate cut row of %d bytes is not whole stores", len(figures))
	}
	pi := b2i(cur)
	gi := c.group(key)
	t, sk, rev := &c.totals[pi][gi], &c.merged[pi][gi], c.reviews[pi]
	day := c.money.day(start)
	var from int64
	for rec := figures; len(rec) > 0; rec = rec[estateRecord:] {
		v := func(i int) int64 { return int64(binary.BigEndian.Uint64(rec[8*i:])) }
		id, to := v(0), v(14)
		si, ok := c.slot[id]
		if !ok {
			from = to
			continue
		}
		m := &rev[si]
		m.rev += v(4) + v(5) + v(6) + v(11)
		m.fp += v(6)
		if !c.in[si] {
			from = to
			continue
		}
		if c.cells[pi][gi] == nil {
			c.cells[pi][gi] = make([]storeAcc, len(c.ids))
		}
		cell := &c.cells[pi][gi][si]
		estLoss, open, recovered, paid := v(2), v(12), v(3), v(13)
		cell.estLoss += estLoss
		cell.open += open
		if c.money.converts {
			if err := c.money.add(pi, gi, si, len(c.ids), c.currency[si], day, estLoss, open, recovered, paid); err != nil {
				return err
			}
		}
		t.seen = true
		t.f.Events += v(1)
		t.recovered += recovered
		t.paid += paid
		t.f.Recovered += v(4)
		t.f.Lost += v(5)
		t.f.Confirmed += v(11)
		t.f.FalsePositives += v(6)
		t.f.Open += v(7)
		t.f.Interventions += v(8)
		if vis := v(9); vis >= 0 {
			t.visitors += vis
			t.hasVisitors = true
		}
		if to > from {
			if to > int64(len(blob)) || from < 0 {
				return fmt.Errorf("estate cut row sketch %d..%d of %d bytes", from, to, len(blob))
			}
			if err := sk.addBytes(blob[from:to]); err != nil {
				return err
			}
		}
		from = to
	}
	return nil
}

// finish puts the groups' figures into r, and their converted money into
// rq.conv.
func (c *cutReader) finish(r *results, conv *[2]map[string]*converted) {
	for i := range c.totals {
		if c.reviews[i] == nil {
			continue // no row at all
		}
		bases := chooseBases(c.reviews[i], c.region, c.minReviews)
		for gi, t := range c.totals[i] {
			if !t.seen {
				continue
			}
			var lossCents int64
			var label basisLabel
			for si, m := range c.cells[i][gi] {
				if m.estLoss == 0 && m.open == 0 {
					continue
				}
				lossCents += bases[si].expectedCents(m.estLoss, m.open)
				if m.open > 0 {
					label.merge(bases[si])
				}
			}
			key := c.keys[gi]
			g := r.get(i == 1, key)
			*g = t.f
			switch {
			case t.hasVisitors:
				v := t.visitors
				g.Visitors = &v
			case c.hasEntrance[i]:
				v := c.entrance[i]
				g.Visitors = &v
			}
			g.EstLoss = fromCents(lossCents)
			label.set(g)
			g.RecoveredValue = fromCents(t.recovered)
			g.PaidUnprompted = fromCents(t.paid)
			if len(c.merged[i][gi].counts) > 0 {
				r.sketches[i][key] = &c.merged[i][gi]
			}
			if c.money.converts {
				if conv[i] == nil {
					conv[i] = map[string]*converted{}
				}
				conv[i][key] = c.money.converted(i, gi, bases)
			}
		}
	}
}
