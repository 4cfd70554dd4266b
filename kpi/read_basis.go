package kpi

import (
	"math/big"
	"math/bits"
	"strings"
)

// Expected loss (DESIGN.md, "KPI definitions"): est_loss is the est_value
// of lost and confirmed events plus that of open (unreviewed) events ×
// (1 − f), f the false share among reviewed events — the store's own over
// the period when it has at least MinReviews reviews, else its region's
// (when that has as many), else the estate's. With no review anywhere in
// the period f is 0: open events count whole, and the basis says "none".
//
// f is the store's over the whole period whatever the grouping, so a zone,
// category, method, day or hour of week of a store discounts its open value
// by the same f as the store. Each (group, store, period) figure is
// computed exactly — open cents × (reviewed − false) / reviewed, with
// integer arithmetic — and rounded once to the cent, half a cent up; a
// group of several stores is the sum of those. The groups of one store
// therefore add up to the store's figure within half a cent per group
// (TestExpectedLossGroupingsAddUp), and a region is exactly the sum of
// its stores.

// DefaultMinReviews is the reviews a store needs in a period before its own
// false share discounts its open events.
const DefaultMinReviews = 30

// Basis levels, as read_basis's statement numbers them and the API names them.
const (
	BasisNone   = "none"   // nobody reviewed anything in the period: open events count whole
	BasisStore  = "store"  // the store's own reviews
	BasisRegion = "region" // its region's
	BasisEstate = "estate" // the estate's
	BasisMixed  = "mixed"  // a group of stores on different bases
)

var basisLevels = [...]string{BasisNone, BasisStore, BasisRegion, BasisEstate}

// basisSQL is the CTEs that give each store in the query's scope, per
// period, the false share its open events are discounted by: own (the
// store's reviews), wide (every region's and the estate's, read only when
// a store needs them: the lateral branches are gated on o.rev, and LIMIT 1
// stops at the first that answers) and basis (level, fp, rev).
// {{scoped}} is rows k with the four review counts of the query's stores,
// {{current}} their period; {{wide}} is every store's reviews (store_id,
// cur, rev, fp): read from the rows of every store, or, where the query's
// stores are every store, own itself, so that the rows are read once (over
// instants of the estate, each read of kpi_store_hourly for two days of
// 2,000 stores took about a third of the statement).
var basisSQL = newTemplate(`own AS MATERIALIZED (SELECT k.store_id, {{current}} AS cur,
    sum(k.recovered + k.lost + k.confirmed + k.false_positive)::bigint AS rev, sum(k.false_positive)::bigint AS fp
    FROM {{scoped}} k GROUP BY 1, 2),
wide AS MATERIALIZED (SELECT s.region, grouping(s.region) = 1 AS estate, k.cur, sum(k.rev)::bigint AS rev, sum(k.fp)::bigint AS fp
    FROM {{wide}} k JOIN store_directory s ON s.id = k.store_id
    GROUP BY GROUPING SETS ((s.region, k.cur), (k.cur))),
basis AS (SELECT o.store_id, o.cur, b.level, b.fp, b.rev FROM own o JOIN store_directory s ON s.id = o.store_id
    CROSS JOIN LATERAL (
        SELECT 1 AS level, o.fp, o.rev WHERE o.rev >= {{min}}
        UNION ALL (SELECT 2, w.fp, w.rev FROM wide w
            WHERE o.rev < {{min}} AND s.region <> '' AND NOT w.estate AND w.region = s.region AND w.cur = o.cur AND w.rev >= {{min}})
        UNION ALL (SELECT 3, w.fp, w.rev FROM wide w WHERE o.rev < {{min}} AND w.estate AND w.cur = o.cur AND w.rev > 0)
        UNION ALL SELECT 0, 0::bigint, 0::bigint
        LIMIT 1) b)`)

// basisAloneSQL reads the basis of every store in scope, for the reads
// that apply it in Go (read_estate.go, read_store_zone_events.go).
var basisAloneSQL = newTemplate(`WITH {{basis}}
SELECT store_id, cur, level, fp, rev FROM basis`)

// expectedCentsSQL is the expected loss in cents of a row g (est_loss and
// open_value summed per group, store and period) joined to its store's
// basis b: est_loss − open + open × (rev − fp) / rev, rounded half up.
const expectedCentsSQL = `CASE WHEN coalesce(b.rev, 0) > 0
        THEN 100 * (g.est_loss - g.open_value) + div(200 * g.open_value * (b.rev - b.fp) + b.rev, 2 * b.rev)
        ELSE 100 * g.est_loss END`

var (
	basisBranches     = newBranches("basis", "hours", "dates")
	basisWideBranches = newBranches("basis of regions and the estate", "every store's rows", "own: the query's stores are every store")
)

// reviewColumns are the review counts the basis sums.
const reviewColumns = "recovered, lost, confirmed, false_positive"

// basisCTEs is basisSQL for the plan: store rows of whole weeks and end
// days over dates, hourly zone rows over instants.
func (p *plan) basisCTEs(st *stmt) string {
	var scoped, cur string
	var every func() string // built only where it is read: each adds its parameters
	if p.hourly && !p.q.Dates {
		st.take(basisBranches, "hours")
		rows := func(stores []string) string {
			w := append([]string{"k.hour >= " + st.add(p.prev.From), "k.hour < " + st.add(p.q.To)}, stores...)
			return "(SELECT k.store_id, k.hour, k." + strings.ReplaceAll(reviewColumns, ", ", ", k.") + " FROM kpi_store_hourly k WHERE " + strings.Join(w, " AND ") + ")"
		}
		var stores []string
		if w := p.storeFilter(st); len(w) > 0 {
			stores = []string{"k.store_id IN (SELECT s.id FROM store_directory s WHERE " + strings.Join(w, " AND ") + ")"}
		}
		scoped, every = rows(stores), func() string { return rows(nil) }
		cur = "k.hour >= " + st.add(p.q.From)
	} else {
		st.take(basisBranches, "dates")
		scoped = p.weekSource("kpi_store_daily", "kpi_store_weekly", reviewColumns, st)
		every = func() string { return p.weekSourceOf("kpi_store_daily", "kpi_store_weekly", reviewColumns, nil, st) }
		cur = "k.local_date >= " + st.add(p.q.From) + "::date"
	}
	wide := "own"
	if p.everyStore() {
		st.take(basisWideBranches, "own: the query's stores are every store")
	} else {
		st.take(basisWideBranches, "every store's rows")
		wide = `(SELECT k.store_id, ` + cur + ` AS cur, k.recovered + k.lost + k.confirmed + k.false_positive AS rev, k.false_positive AS fp
        FROM ` + every() + ` k)`
	}
	return basisSQL.fill(map[string]string{"scoped": scoped, "wide": wide, "current": cur, "min": st.add(p.minReviews)})
}

// storeBasis is the false share one store's open events are discounted by
// over one period: fp false of rev reviewed, at a level of basisLevels.
type storeBasis struct {
	level   int
	fp, rev int64
}

// reviews are the false positives of the reviewed events of a store, a
// region or the estate over a period.
type reviews struct{ fp, rev int64 }

// chooseBasis is basisSQL's choice in Go (read_estate.go, store_totals.go):
// the store's own reviews when they are at least need, else its region's
// (a store with a region) when they are as many, else the estate's when
// there are any, else none.
func chooseBasis(own, region, estate reviews, hasRegion bool, need int64) storeBasis {
	switch {
	case own.rev >= need:
		return storeBasis{level: 1, fp: own.fp, rev: own.rev}
	case hasRegion && region.rev >= need:
		return storeBasis{level: 2, fp: region.fp, rev: region.rev}
	case estate.rev > 0:
		return storeBasis{level: 3, fp: estate.fp, rev: estate.rev}
	}
	return storeBasis{}
}

// chooseBases chooses each store's basis over one period from every
// store's reviews (by slot, with its region), as basisSQL does.
func chooseBases(acc []reviews, region []string, minReviews int64) []storeBasis {
	regions := map[string]reviews{}
	var estate reviews
	for si, m := range acc {
		c := regions[region[si]]
		regions[region[si]] = reviews{c.fp + m.fp, c.rev + m.rev}
		estate.fp, estate.rev = estate.fp+m.fp, estate.rev+m.rev
	}
	out := make([]storeBasis, len(acc))
	for si, m := range acc {
		out[si] = chooseBasis(m, regions[region[si]], estate, region[si] != "", minReviews)
	}
	return out
}

// expectedCents is the expected loss in cents of estLoss cents (lost,
// confirmed and open value) holding open cents of open events: exact, then
// rounded half a cent up, as expectedCentsSQL computes it.
func (b storeBasis) expectedCents(estLoss, open int64) int64 {
	if b.rev <= 0 {
		return estLoss
	}
	// Where 2·open·(rev − fp) + rev fits in 63 bits, as it does for any
	// real store, integer arithmetic in 128 bits.
	if open >= 0 && open < 1<<61 && b.fp >= 0 && b.fp <= b.rev {
		hi, lo := bits.Mul64(uint64(2*open), uint64(b.rev-b.fp))
		if sum, carry := bits.Add64(lo, uint64(b.rev), 0); hi == 0 && carry == 0 && sum < 1<<63 {
			return estLoss - open + int64(sum/uint64(2*b.rev))
		}
	}
	// Else 2·open·(rev − fp) can pass int64: big integers.
	num := new(big.Int).Mul(new(big.Int).Lsh(big.NewInt(open), 1), big.NewInt(b.rev-b.fp))
	num.Add(num, big.NewInt(b.rev))
	num.Quo(num, new(big.Int).Lsh(big.NewInt(b.rev), 1))
	return estLoss - open + num.Int64()
}

// basisRead reads the basis of every store in scope into bases, by period
// and store id.
func (p *plan) basisRead(bases *[2]map[int64]storeBasis) *read {
	st := newStmt("basis")
	sql := basisAloneSQL.fill(map[string]string{"basis": p.basisCTEs(st)})
	var id int64
	var cur bool
	var b storeBasis
	bases[0], bases[1] = map[int64]storeBasis{}, map[int64]storeBasis{}
	return st.read(sql, []any{&id, &cur, &b.level, &b.fp, &b.rev}, func() error {
		bases[b2i(cur)][id] = b
		return nil
	})
}

// basisLabel is what a group's figures say of its est_loss: on which basis
// its open value was discounted, and by which false share where all of it
// was discounted by one. lo and hi are the lowest and highest level among
// the group's stores with open value, loF and hiF their false shares; nil
// when the group has no open value (nothing estimated).
type basisLabel struct {
	lo, hi   *int
	loF, hiF *float64
}

// set fills f's basis fields from the label.
func (l basisLabel) set(f *Figures) {
	f.EstLossBasis, f.EstLossFalseShare, f.EstLossEstimated = "", nil, false
	if l.lo == nil || l.hi == nil {
		return
	}
	f.EstLossEstimated = true
	switch {
	case *l.lo != *l.hi:
		f.EstLossBasis = BasisMixed
	case *l.lo >= 0 && *l.lo < len(basisLevels):
		f.EstLossBasis = basisLevels[*l.lo]
	}
	if l.loF != nil && l.hiF != nil && *l.loF == *l.hiF && f.EstLossBasis != BasisMixed {
		f.EstLossFalseShare = significant(*l.loF)
	}
}

// merge adds store basis b, used on open value, to the label.
func (l *basisLabel) merge(b storeBasis) {
	lv := b.level
	if l.lo == nil || lv < *l.lo {
		l.lo = &lv
	}
	if l.hi == nil || lv > *l.hi {
		hv := lv
		l.hi = &hv
	}
	if b.rev > 0 {
		v := float64(b.fp) / float64(b.rev)
		if l.loF == nil || v < *l.loF {
			l.loF = &v
		}
		if l.hiF == nil || v > *l.hiF {
			w := v
			l.hiF = &w
		}
	}
}
