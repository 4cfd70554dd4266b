package kpi

import (
	"fmt"
	"math/big"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// moneySQL converts the money of each group, period and currency to the
// reporting currency; the expected loss is each store-day's est_loss less
// its open value, converted, and the open value converted, per basis (the
// false share the stores' open events are discounted by, read_basis.go),
// which expected discounts in Go: dividing each row's open value by the
// basis in SQL rounded each quotient to numeric's scale, and a sum of them
// could fall just short of a half cent that the exact sum reaches (a zone's
// open value split by method: 0.02 + 0.02 + 0.05 at a share of 5/6 gave
// 0.01499999999999999999, not 0.015). paid_value gives paid_unprompted. It converts to the
// reporting currency ({{reporting}}) day by day (money.go): exact numeric
// products of each store-day's amounts and that day's rate, as text, and
// the days with an amount but no rate. It reads the daily or hourly rows
// even where the figures come from weeks, since a rate is per day. The
// EXISTS is a one-time filter: with every store of the scope in the
// reporting currency the figures need no conversion and nothing is read.
var moneySQL = newTemplate(`WITH {{basis}}
SELECT {{key}}, {{current}}, coalesce(s.currency, ''),
    sum((k.est_loss - k.open_value) * x.rate)::text, sum(k.open_value * x.rate)::text, coalesce(b.rev, 0), coalesce(b.fp, 0),
    sum(k.recovered_value * x.rate)::text, sum({{sales}} * x.rate)::text, count({{sales}}) > 0, sum(k.paid_value * x.rate)::text,
    bool_or(x.rate IS NULL AND k.est_loss <> 0), bool_or(x.rate IS NULL AND k.recovered_value <> 0), bool_or(x.rate IS NULL AND {{sales}} IS NOT NULL),
    coalesce(array_agg(DISTINCT k.local_date) FILTER (WHERE x.rate IS NULL AND (k.est_loss <> 0 OR k.recovered_value <> 0 OR {{sales}} IS NOT NULL)), '{}')
FROM {{table}} k JOIN store_directory s ON s.id = k.store_id{{zoneJoin}}
    LEFT JOIN fx_rates r ON r.reporting = {{reporting}} AND r.currency = s.currency AND r.day = k.local_date
    CROSS JOIN LATERAL (SELECT CASE WHEN s.currency = {{reporting}} THEN 1::numeric ELSE r.rate END AS rate) x
    LEFT JOIN basis b ON b.store_id = k.store_id AND b.cur = ({{current}})
WHERE {{where}} AND EXISTS (SELECT 1 FROM store_directory s WHERE {{stores}} AND s.currency IS DISTINCT FROM {{reporting}})
GROUP BY {{groups}}, 3, 6, 7`)

// storeCurrenciesSQL reads the currency of each store of the scope, for the
// rows of one store.
var storeCurrenciesSQL = newTemplate(`SELECT s.code, coalesce(s.currency, '') FROM store_directory s WHERE {{stores}}`)

var moneyBranches = newBranches("money", "store rows", "store hours", "zone rows")

// convertsMoney says whether the query's rows need the money read: rows
// of several stores, and store rows, which carry their converted figures.
func (p *plan) convertsMoney() bool { return p.multiStore() || p.q.By == ByStore }

// multiStore says whether a row may hold several stores: no store is
// named and the grouping is not by store or zone.
func (p *plan) multiStore() bool { return p.q.Store == "" && p.q.By != ByStore && p.q.By != ByZone }

// money reads the converted money of each group and period: for zone and
// hour rows, one store's rows and scopes of at most estateScope stores; the
// store rows of more stores over dates convert from kpi_estate's day rows
// instead (read_estate_money.go).
func (rq *request) money() {
	p := rq.p
	st := newStmt("money")
	daily := *p
	daily.weekly = false // rates are per day: read days, never weeks
	sales, join := "NULL::numeric", zoneJoin
	if p.storeLevel {
		st.take(moneyBranches, "store rows")
		sales, join = "k.sales", ""
	} else if p.storeHours {
		st.take(moneyBranches, "store hours")
		join = ""
	} else {
		st.take(moneyBranches, "zone rows")
	}
	rep := st.add(string(rq.reporting()))
	basis := p.basisCTEs(st)
	sql := moneySQL.fill(map[string]string{
		"basis": basis, "key": selectKeys(p.keys), "current": p.current("k", st), "sales": sales, "table": p.table, "zoneJoin": join,
		"reporting": rep, "where": daily.where("k", p.zoneRows, st), "stores": p.inScope(st), "groups": groupKeys(p.keys),
	})
	var key, cur, est, rec, sale string
	var current, hasSales, mEst, mRec, mSales bool
	var days []time.Time
	var e, open, r2, s2, paid *string
	var rev, fp int64
	rq.conv = [2]map[string]*converted{{}, {}}
	rq.reads = append(rq.reads, st.read(sql, []any{&key, &current, &cur, &e, &open, &rev, &fp, &r2, &s2, &hasSales, &paid, &mEst, &mRec, &mSales, &days}, func() error {
		var err error
		if est, err = expected(deref(e), deref(open), rev, fp); err != nil {
			return err
		}
		rec, sale = deref(r2), deref(s2)
		var m moneyMissing
		if mEst {
			m |= missingEstLoss
		}
		if mRec {
			m |= missingRecovered
		}
		if mSales {
			m |= missingSales
		}
		c := rq.conv[b2i(current)][key]
		if c == nil {
			c = &converted{}
			rq.conv[b2i(current)][key] = c
		}
		return c.add(ss.Currency(cur), est, rec, sale, deref(paid), hasSales, m, days)
	}))
}

// storeCurrencies reads the currency of each store in scope.
func (rq *request) storeCurrencies() {
	st := newStmt("money")
	var code, cur string
	rq.currencies = map[string]ss.Currency{}
	rq.reads = append(rq.reads, st.read(storeCurrenciesSQL.fill(map[string]string{"stores": rq.p.inScope(st)}), []any{&code, &cur}, func() error {
		rq.currencies[code] = ss.Currency(cur)
		return nil
	}))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// reporting is the request's reporting currency.
func (rq *request) reporting() ss.Currency {
	if rq.q.reporting == "" {
		return DefaultReportingCurrency
	}
	return rq.q.reporting
}

// convert puts the currency on every row and the converted money where it
// belongs, before the figures are derived.
func (rq *request) convert() {
	p, rep := rq.p, rq.reporting()
	for i, res := range []*periodResult{rq.r.prev, rq.r.cur} {
		for key, f := range res.figures {
			c := rq.conv[i][key]
			if p.multiStore() {
				f.Currency = rep
				if c != nil {
					c.apply(f, rep, false)
				}
				continue
			}
			store := p.q.Store
			if store == "" {
				store = res.keys[key].Store
			}
			f.Currency = rq.currencies[store]
			if p.q.By != ByStore {
				continue
			}
			switch {
			case c != nil:
				c.apply(f, rep, true)
			case f.Currency == rep:
				f.Reporting = ownMoney(f, rep)
			default:
				// A store of another currency with no money row: nothing to convert.
				f.Reporting = &Converted{Currency: rep, EstLoss: num(0), RecoveredValue: num(0)}
			}
		}
	}
}

// expected is the expected loss, exact, of converted amounts: base (est_loss
// less the open value) plus the open value discounted by the basis's false
// share, open × (rev − fp) / rev, or the open value whole where the basis
// has no reviews; "" where neither amount was converted.
func expected(base, open string, rev, fp int64) (string, error) {
	if base == "" && open == "" {
		return "", nil
	}
	sum := new(big.Rat)
	for i, s := range []string{base, open} {
		if s == "" {
			continue
		}
		v, ok := new(big.Rat).SetString(s)
		if !ok {
			return "", fmt.Errorf("kpi: converted amount %q", s)
		}
		if i == 1 && rev > 0 {
			v.Mul(v, big.NewRat(rev-fp, rev))
		}
		sum.Add(sum, v)
	}
	return sum.RatString(), nil
}
