package kpi

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	ss "github.com/shrinkscope/shrinkscope"
)

// estateMoneyStoresSQL reads every store with its code, region and
// currency, whether it is in the query's scope ({{stores}}); as
// estateStoresSQL.
var estateMoneyStoresSQL = newTemplate(`SELECT s.id, s.code, s.region, coalesce(s.currency, ''), {{stores}} FROM store_directory s`)

// estateMoneyRowsSQL reads the figures of kpi_estate's day rows of both
// periods, every day (a rate is per day), where a store of the scope keeps
// another currency than the reporting one ({{converts}}, moneySQL's guard).
var estateMoneyRowsSQL = newTemplate(`SELECT start::timestamp, start >= {{current}}, figures
FROM kpi_estate WHERE kind = 'day' AND start BETWEEN {{from}}::date AND {{to}}::date AND {{converts}}`)

var estateMoneyBranches = newBranches("estate_money", "whole estate", "some stores")

// estateMoney converts the money of the store rows of many stores over
// dates (by estate, region, store, day and week) to the reporting currency
// from kpi_estate's day rows, as moneySQL converts kpi_store_daily's rows
// (money.go): each store-day's expected loss (its est_loss less its open
// value, plus the open value × the share its store's basis keeps),
// recovered value, sales and paid value times that day's rate of the
// store's currency, exactly, summed per group and period; a day without a
// rate makes the figures it holds null and is named. Each group's amounts
// are summed in cents per currency and day, then multiplied by the day's
// rate mantissa (read_estate_cuts_money.go) in 128-bit integers; the open
// value is kept per group and store and discounted once per share.
type estateMoney struct {
	rates      cutMoney // the currencies, the periods' days and their rates
	by         Grouping
	slot       map[int64]int
	region     []string
	currency   []int // per store slot, in rates.currencies
	group      []int // per store slot: its group (by estate, region, store), -1 out of scope, 0 in scope otherwise
	index      map[string]int
	keys       []string
	reviews    [2][]reviews
	cells      [2][][][]estateMoneyCell // per period, group and currency: per day
	open       [2][][]wide              // per period, by store slot: one slice (by estate, region, store) or one per group (day, week)
	minReviews int64
}

// estateMoneyCell is one group's amounts in cents of one currency and day.
type estateMoneyCell struct {
	est, recovered, paid, sales     int64 // est: est_loss less open value
	estNonZero, recNonZero, hasSale bool
	seen                            bool
}

// wide is a signed sum of products of int64 and uint64, exact: two 128-bit
// sums, and a big integer for what would pass them.
type wide struct {
	pos, neg acc128
	spill    *big.Int
}

func (w *wide) add(x int64, m uint64) {
	a, u := &w.pos, uint64(x)
	if x < 0 {
		a, u = &w.neg, -uint64(x)
	}
	h, l := bits.Mul64(u, m)
	lo, c := bits.Add64(a.lo, l, 0)
	hi, c := bits.Add64(a.hi, h, c)
	if c != 0 {
		if w.spill == nil {
			w.spill = new(big.Int)
		}
		if a == &w.pos {
			w.spill.Add(w.spill, a.big())
		} else {
			w.spill.Sub(w.spill, a.big())
		}
		lo, hi = l, h
	}
	a.lo, a.hi = lo, hi
}

func (w *wide) zero() bool {
	return w.pos == acc128{} && w.neg == acc128{} && (w.spill == nil || w.spill.Sign() == 0)
}

func (w *wide) big() *big.Int {
	v := w.pos.big()
	v.Sub(v, w.neg.big())
	if w.spill != nil {
		v.Add(v, w.spill)
	}
	return v
}

// storeGrouped says whether each store belongs to one group (by estate,
// region or store) rather than each day (by day or week).
func (e *estateMoney) storeGrouped() bool { return e.by != ByDay && e.by != ByWeek }

// openSlice is the index in open of group gi's slice of open values.
func (e *estateMoney) openSlice(gi int) int {
	if e.storeGrouped() {
		return 0
	}
	return gi
}

// reads are the statements, for the request's batch, in order.
func (e *estateMoney) reads(p *plan, rep ss.Currency) []*read {
	e.by, e.slot, e.index, e.minReviews = p.q.By, map[int64]int{}, map[string]int{}, int64(p.minReviews)
	e.rates.start(p, rep)
	st := newStmt("estate_money")
	where := "true"
	if w := p.storeFilter(st); len(w) > 0 {
		st.take(estateMoneyBranches, "some stores")
		where = strings.Join(w, " AND ")
	} else {
		st.take(estateMoneyBranches, "whole estate")
	}
	var id int64
	var code, region, cur string
	var in bool
	stores := st.read(estateMoneyStoresSQL.fill(map[string]string{"stores": where}), []any{&id, &code, &region, &cur, &in}, func() error {
		e.slot[id] = len(e.region)
		e.region, e.currency = append(e.region, region), append(e.currency, e.rates.currencyIndex(cur))
		gi := -1
		if in {
			gi = 0
			switch p.q.By {
			case ByStore:
				gi = e.groupOf(code)
			case ByRegion:
				gi = e.groupOf(region)
			case ByEstate:
				gi = e.groupOf("")
			}
		}
		e.group = append(e.group, gi)
		return nil
	})

	ft := newStmt("estate_money")
	var rcur, rate string
	var rday time.Time
	rates := ft.read(cutRatesSQL.fill(map[string]string{"reporting": ft.add(string(rep)), "from": ft.add(p.prev.From), "to": ft.add(p.q.To)}),
		[]any{&rcur, &rday, &rate}, func() error { return e.rates.rate(rcur, rday, rate) })

	rt := newStmt("estate_money")
	scope := p.inScope(rt)
	sql := estateMoneyRowsSQL.fill(map[string]string{"current": rt.add(p.q.From), "from": rt.add(p.prev.From), "to": rt.add(p.q.To),
		"converts": cutConvertsSQL.fill(map[string]string{"stores": scope, "reporting": rt.add(string(rep))})})
	var start time.Time
	var current bool
	// The bytes are read in place: valid until the next row, which is all they need.
	var figures pgtype.DriverBytes
	rows := rt.read(sql, []any{&start, &current, &figures}, func() error { return e.add(start, current, figures) })
	return []*read{stores, rates, rows}
}

// groupOf is the index of key's group, made on first use.
func (e *estateMoney) groupOf(key string) int {
	gi, ok := e.index[key]
	if !ok {
		gi = len(e.keys)
		e.index[key] = gi
		e.keys = append(e.keys, key)
		for i := range e.cells {
			e.cells[i] = append(e.cells[i], nil)
		}
	}
	return gi
}

// add sums one day row's store records into its period's groups.
func (e *estateMoney) add(start time.Time, cur bool, figures []byte) error {
	if !e.rates.ready {
		if err := e.rates.prepare(); err != nil {
			return err
		}
		for i := range e.reviews {
			e.reviews[i] = make([]reviews, len(e.region))
		}
	}
	if len(figures)%estateRecord != 0 {
		return fmt.Errorf("estate row of %d bytes is not whole stores", len(figures))
	}
	di := e.rates.day(start)
	if di < 0 {
		return fmt.Errorf("kpi: an estate day row outside the periods' days")
	}
	pi, n := b2i(cur), len(e.region)
	rowGroup := -1
	switch e.by {
	case ByDay:
		rowGroup = e.groupOf(start.Format(time.DateOnly))
	case ByWeek:
		rowGroup = e.groupOf(start.AddDate(0, 0, -(int(start.Weekday())+6)%7).Format(time.DateOnly))
	}
	og := e.openSlice(rowGroup)
	if len(e.open[pi]) <= og {
		e.open[pi] = append(e.open[pi], make([][]wide, og+1-len(e.open[pi]))...)
	}
	if e.open[pi][og] == nil {
		e.open[pi][og] = make([]wide, n)
	}
	open := e.open[pi][og]
	rev := e.reviews[pi]
	for rec := figures; len(rec) > 0; rec = rec[estateRecord:] {
		v := func(i int) int64 { return int64(binary.BigEndian.Uint64(rec[8*i:])) }
		si, ok := e.slot[v(0)]
		if !ok {
			continue
		}
		m := &rev[si]
		m.rev += v(4) + v(5) + v(6) + v(11)
		m.fp += v(6)
		gi := e.group[si]
		if gi < 0 {
			continue
		}
		if rowGroup >= 0 {
			gi = rowGroup
		}
		ci := e.currency[si]
		byCur := e.cells[pi][gi]
		if byCur == nil {
			byCur = make([][]estateMoneyCell, len(e.rates.currencies))
			e.cells[pi][gi] = byCur
		}
		if byCur[ci] == nil {
			byCur[ci] = make([]estateMoneyCell, len(e.rates.days))
		}
		x := &byCur[ci][di]
		estLoss, openCents, recovered, sales := v(2), v(12), v(3), v(10)
		x.seen = true
		x.est += estLoss - openCents
		x.recovered += recovered
		x.paid += v(13)
		x.estNonZero = x.estNonZero || estLoss != 0
		x.recNonZero = x.recNonZero || recovered != 0
		if sales >= 0 {
			x.sales += sales
			x.hasSale = true
		}
		if r := e.rates.rates[ci][di]; r.ok && openCents != 0 {
			open[si].add(openCents, r.m)
		}
	}
	return nil
}

// finish puts each group's converted money of each period into conv.
func (e *estateMoney) finish(conv *[2]map[string]*converted) {
	for i := range e.cells {
		conv[i] = map[string]*converted{}
		if e.reviews[i] == nil {
			continue // no row at all
		}
		bases := chooseBases(e.reviews[i], e.region, e.minReviews)
		// The store slots of each group's open value: its stores, or
		// (by day, week) every slot of the group's own block.
		members := make([][]int, len(e.keys))
		if e.storeGrouped() {
			for si, gi := range e.group {
				if gi >= 0 {
					members[gi] = append(members[gi], si)
				}
			}
		}
		for gi, byCur := range e.cells[i] {
			if byCur == nil {
				continue
			}
			conv[i][e.keys[gi]] = e.converted(i, gi, byCur, bases, members[gi])
		}
	}
}

// converted is one group's converted money in one period.
func (e *estateMoney) converted(pi, gi int, byCur [][]estateMoneyCell, bases []storeBasis, members []int) *converted {
	cv := &converted{}
	var est, rec, paid, sales wide
	days := e.rates.days
	for ci, cells := range byCur {
		for di, x := range cells {
			if !x.seen {
				continue
			}
			cv.hasSales = cv.hasSales || x.hasSale
			r := e.rates.rates[ci][di]
			if !r.ok {
				cv.lack(ss.Currency(e.rates.currencies[ci]), days[di], x.estNonZero, x.recNonZero, x.hasSale)
				continue
			}
			est.add(x.est, r.m)
			rec.add(x.recovered, r.m)
			paid.add(x.paid, r.m)
			if x.hasSale {
				sales.add(x.sales, r.m)
			}
		}
	}
	// The open value, by the share its store's basis keeps: the group's
	// stores, or (by day, week) every store of the group's own slice.
	var open []wide
	if og := e.openSlice(gi); og < len(e.open[pi]) {
		open = e.open[pi][og]
	}
	var kept shareSum
	keep := func(si int) {
		if open[si].zero() {
			return
		}
		if b := bases[si]; b.rev > 0 {
			kept.add(open[si].big(), b.rev-b.fp, b.rev)
		} else {
			kept.add(open[si].big(), 1, 1)
		}
	}
	if open != nil && e.storeGrouped() {
		for _, si := range members {
			keep(si)
		}
	} else {
		for si := range open {
			keep(si)
		}
	}
	den := centsScale(e.rates.scale)
	cv.estLoss.SetFrac(est.big(), den)
	cv.estLoss.Add(&cv.estLoss, kept.over(den))
	cv.recovered.SetFrac(rec.big(), den)
	cv.paid.SetFrac(paid.big(), den)
	cv.sales.SetFrac(sales.big(), den)
	return cv
}

// shareSum is Σ v × keep / rev over amounts v, each kept by its store's
// basis share keep/rev, exactly. The numerators are summed per denominator
// and the sums brought over their least common multiple in one pass:
// adding a rational per store would grow the denominator with every term
// and redo its reduction each time (50 ms for 2,000 stores, against 2.5 ms).
type shareSum struct{ byRev map[int64]*big.Int }

// add adds v × keep / rev; v is overwritten.
func (s *shareSum) add(v *big.Int, keep, rev int64) {
	if s.byRev == nil {
		s.byRev = map[int64]*big.Int{}
	}
	x := s.byRev[rev]
	if x == nil {
		x = new(big.Int)
		s.byRev[rev] = x
	}
	x.Add(x, v.Mul(v, big.NewInt(keep)))
}

// over is the sum divided by den.
func (s *shareSum) over(den *big.Int) *big.Rat {
	l, g, r := big.NewInt(1), new(big.Int), new(big.Int)
	for rev := range s.byRev {
		r.SetInt64(rev)
		g.GCD(nil, nil, l, r)
		l.Mul(l, r.Quo(r, g))
	}
	num, q := new(big.Int), new(big.Int)
	for rev, x := range s.byRev {
		q.Quo(l, r.SetInt64(rev))
		num.Add(num, q.Mul(q, x))
	}
	return new(big.Rat).SetFrac(num, l.Mul(l, den))
}
