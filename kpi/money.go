package kpi

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// Money (DESIGN.md): a store's figures are in its currency. A row of
// several stores is in the reporting currency: each store-day's est_loss,
// recovered_value and sales are multiplied by that day's rate of the
// store's currency (fx_rates, exact numeric products), summed, and the sum
// is rounded once, half away from zero, to the reporting currency's minor
// unit. A figure that needs a rate the table lacks is null, and the row's
// money_reason names the currencies and days; it is never a sum of
// different currencies. A store row keeps its own currency and carries the
// converted figures in reporting.

// DefaultReportingCurrency is the reporting currency of a KPIs that was not
// given one.
const DefaultReportingCurrency ss.Currency = "GBP"

// moneyMissing flags the money figures of a row that need a missing rate.
type moneyMissing uint8

const (
	missingEstLoss moneyMissing = 1 << iota
	missingRecovered
	missingSales
)

// moneyOrNil is v, or nil when the figure m needs a missing rate.
func (f *Figures) moneyOrNil(m moneyMissing, v *float64) *float64 {
	if f.missing&m != 0 {
		return nil
	}
	return v
}

// Converted is a store row's money in the reporting currency.
type Converted struct {
	Currency       ss.Currency `json:"currency"`
	EstLoss        *float64    `json:"est_loss"`
	RecoveredValue *float64    `json:"recovered_value"`
	Sales          *float64    `json:"sales"`
	MoneyReason    string      `json:"money_reason,omitempty"`
}

// MarshalJSON writes the figures with est_loss and recovered_value null
// where they need a missing rate.
func (f Figures) MarshalJSON() ([]byte, error) {
	type plain Figures
	return json.Marshal(struct {
		plain
		EstLoss                 *float64 `json:"est_loss"`
		RecoveredValue          *float64 `json:"recovered_value"`
		RecoveredByIntervention *float64 `json:"recovered_by_intervention"`
		PaidUnprompted          *float64 `json:"paid_unprompted"`
	}{plain(f), f.moneyOrNil(missingEstLoss, num(f.EstLoss)), f.moneyOrNil(missingRecovered, num(f.RecoveredValue)),
		f.moneyOrNil(missingRecovered, num(f.RecoveredByIntervention)), f.moneyOrNil(missingRecovered, num(f.PaidUnprompted))})
}

// MarshalJSON writes the row as one object: its key, its figures inline,
// then the previous period, the change and the targets. The parts are
// joined as bytes, not through a struct with a *Figures field: encoding/json
// compacts again whatever a MarshalJSON method returns (AppendRowsJSON).
func (r Row) MarshalJSON() ([]byte, error) {
	head, err := json.Marshal(struct {
		Key Key `json:"key"`
	}{r.Key})
	if err != nil {
		return nil, err
	}
	fig, err := r.Figures.MarshalJSON()
	if err != nil {
		return nil, err
	}
	prev := []byte("null")
	if r.Previous != nil {
		if prev, err = r.Previous.MarshalJSON(); err != nil {
			return nil, err
		}
	}
	change, err := json.Marshal(r.Change)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(head)+len(fig)+len(prev)+len(change)+48)
	out = append(out, head[:len(head)-1]...)
	out = append(out, ',')
	out = append(out, fig[1:len(fig)-1]...)
	out = append(out, `,"previous":`...)
	out = append(out, prev...)
	out = append(out, `,"change":`...)
	out = append(out, change...)
	if r.ChangeReason != "" {
		reason, err := json.Marshal(r.ChangeReason)
		if err != nil {
			return nil, err
		}
		out = append(append(out, `,"change_reason":`...), reason...)
	}
	if len(r.Targets) > 0 {
		targets, err := json.Marshal(r.Targets)
		if err != nil {
			return nil, err
		}
		out = append(append(out, `,"targets":`...), targets...)
	}
	return append(out, '}'), nil
}

// AppendRowsJSON appends rows to dst as a JSON array, each row as its
// MarshalJSON writes it. encoding/json would check and compact each row's
// bytes again, which was a fifth of the CPU of a 2,000-row answer (by=store
// of a 2,000-store estate); the rows are compact already.
func AppendRowsJSON(dst []byte, rows []Row) ([]byte, error) {
	dst = append(dst, '[')
	for i, r := range rows {
		if i > 0 {
			dst = append(dst, ',')
		}
		b, err := r.MarshalJSON()
		if err != nil {
			return nil, err
		}
		dst = append(dst, b...)
	}
	return append(dst, ']'), nil
}

// SetReportingCurrency sets the currency of estate, region and other
// multi-store figures (default DefaultReportingCurrency).
func (k *KPIs) SetReportingCurrency(c ss.Currency) error {
	if err := ss.CheckCurrency("reporting_currency", c); err != nil {
		return err
	}
	k.reporting = c
	return nil
}

// ReportingCurrency is the currency of multi-store figures.
func (k *KPIs) ReportingCurrency() ss.Currency {
	if k.reporting == "" {
		return DefaultReportingCurrency
	}
	return k.reporting
}

// converted is one group's converted money in one period: exact converted of
// amount × rate, and the days each currency lacks a rate on.
type converted struct {
	estLoss, recovered, sales, paid big.Rat
	hasSales                        bool
	missing                         moneyMissing
	lacking                         map[ss.Currency][]time.Time
}

// lack notes a day of currency cur with no rate: which of its amounts
// (non-zero est_loss or recovered value, a sale) went unconverted, and the
// day itself where any did.
func (m *converted) lack(cur ss.Currency, day time.Time, est, rec, sale bool) {
	if est {
		m.missing |= missingEstLoss
	}
	if rec {
		m.missing |= missingRecovered
	}
	if sale {
		m.missing |= missingSales
	}
	if est || rec || sale {
		if m.lacking == nil {
			m.lacking = map[ss.Currency][]time.Time{}
		}
		m.lacking[cur] = append(m.lacking[cur], day)
	}
}

func (m *converted) add(cur ss.Currency, est, rec, sales, paid string, hasSales bool, missing moneyMissing, days []time.Time) error {
	for _, x := range []struct {
		into *big.Rat
		s    string
	}{{&m.estLoss, est}, {&m.recovered, rec}, {&m.sales, sales}, {&m.paid, paid}} {
		if x.s == "" {
			continue
		}
		v, ok := new(big.Rat).SetString(x.s)
		if !ok {
			return fmt.Errorf("kpi: converted amount %q", x.s)
		}
		x.into.Add(x.into, v)
	}
	m.hasSales = m.hasSales || hasSales
	m.missing |= missing
	if len(days) > 0 {
		if m.lacking == nil {
			m.lacking = map[ss.Currency][]time.Time{}
		}
		m.lacking[cur] = append(m.lacking[cur], days...)
	}
	return nil
}

// rounded is v rounded half away from zero to minor decimals, as the
// float64 nearest that decimal.
func rounded(v *big.Rat, minor int) float64 {
	if f, ok := roundedSmall(v, minor); ok {
		return f
	}
	return roundedBig(v, minor)
}

// roundedBig is rounded in big.Rat, for any v.
func roundedBig(v *big.Rat, minor int) float64 {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(minor)), nil)
	r := new(big.Rat).Mul(v, new(big.Rat).SetInt(scale))
	half := big.NewRat(1, 2)
	if r.Sign() < 0 {
		r.Sub(r, half)
	} else {
		r.Add(r, half)
	}
	n := new(big.Int).Quo(r.Num(), r.Denom()) // truncates toward zero
	f, _ := strconv.ParseFloat(new(big.Rat).SetFrac(n, scale).FloatString(minor), 64)
	return f
}

// pow10 are the powers of ten a uint64 holds.
var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// roundedSmall is rounded for a v whose numerator and denominator fit in
// 64 bits and whose rounded value in minor units is below 2^53, as any
// real amount's is, in 128-bit integers rather than big.Rat (a quarter of
// the CPU of a 2,000-store answer by store went to rounded): the quotient
// and remainder of |num| × 10^minor by den, one more where the remainder
// is at least half of den; then that integer over 10^minor, both exact
// float64s, so their correctly rounded quotient is the float64 nearest the
// decimal, as strconv.ParseFloat gives it. ok is false where it does not
// apply.
func roundedSmall(v *big.Rat, minor int) (f float64, ok bool) {
	num, den := v.Num(), v.Denom()
	if minor < 0 || minor > 15 || !num.IsInt64() || !den.IsUint64() {
		return 0, false
	}
	n := num.Int64()
	if n == math.MinInt64 {
		return 0, false
	}
	neg := n < 0
	if neg {
		n = -n
	}
	d := den.Uint64()
	hi, lo := bits.Mul64(uint64(n), pow10[minor])
	if hi >= d {
		return 0, false // the quotient passes 64 bits
	}
	q, rem := bits.Div64(hi, lo, d)
	if rem >= d-rem {
		q++
	}
	if q >= 1<<53 {
		return 0, false
	}
	if q == 0 {
		return 0, true // not -0: a negative amount that rounds to nothing is 0
	}
	f = float64(q) / float64(pow10[minor])
	if neg {
		f = -f
	}
	return f, true
}

// reason names the missing rates: "no GBP→EUR rate for USD on 2026-03-02,
// 2026-03-05..2026-03-07".
func (m *converted) reason(reporting ss.Currency) string {
	if len(m.lacking) == 0 {
		return ""
	}
	curs := make([]string, 0, len(m.lacking))
	for c := range m.lacking {
		curs = append(curs, string(c))
	}
	sort.Strings(curs)
	parts := make([]string, len(curs))
	for i, c := range curs {
		name := c
		if c == "" {
			name = "stores without a currency"
		}
		parts[i] = name + " on " + dayRanges(m.lacking[ss.Currency(c)])
	}
	return "no exchange rate to " + string(reporting) + " for " + strings.Join(parts, "; ")
}

// dayRanges lists days, sorted and with runs of consecutive days as from..to.
func dayRanges(days []time.Time) string {
	sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
	var out []string
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && !days[j+1].After(days[j].AddDate(0, 0, 1)) {
			j++
		}
		if days[j].Equal(days[i]) {
			out = append(out, days[i].Format(time.DateOnly))
		} else {
			out = append(out, days[i].Format(time.DateOnly)+".."+days[j].Format(time.DateOnly))
		}
		i = j + 1
	}
	return strings.Join(out, ", ")
}

// apply puts a group's converted money on f: in place of its own figures
// for a row of several stores, or in f.Reporting for a store row.
func (m *converted) apply(f *Figures, reporting ss.Currency, storeRow bool) {
	minor := reporting.StoredDecimals()
	est, rec := rounded(&m.estLoss, minor), rounded(&m.recovered, minor)
	var sales *float64
	if m.hasSales {
		v := rounded(&m.sales, minor)
		sales = &v
	}
	reason := m.reason(reporting)
	if storeRow {
		c := &Converted{Currency: reporting, EstLoss: &est, RecoveredValue: &rec, Sales: sales, MoneyReason: reason}
		if m.missing&missingEstLoss != 0 {
			c.EstLoss = nil
		}
		if m.missing&missingRecovered != 0 {
			c.RecoveredValue = nil
		}
		if m.missing&missingSales != 0 {
			c.Sales = nil
		}
		f.Reporting = c
		return
	}
	f.Currency, f.EstLoss, f.RecoveredValue, f.Sales = reporting, est, rec, sales
	f.PaidUnprompted = rounded(&m.paid, minor) // derive splits recovered_value by it
	// A figure that needs a missing rate holds 0, not the part that converted.
	if m.missing&missingEstLoss != 0 {
		f.EstLoss = 0
	}
	if m.missing&missingRecovered != 0 {
		f.RecoveredValue, f.PaidUnprompted = 0, 0
	}
	f.missing, f.MoneyReason = m.missing, reason
}

// ownMoney is a store row's figures as its reporting ones: the store is in
// the reporting currency, or the money read found none of its currency.
func ownMoney(f *Figures, reporting ss.Currency) *Converted {
	est, rec := f.EstLoss, f.RecoveredValue
	c := &Converted{Currency: reporting, EstLoss: &est, RecoveredValue: &rec}
	if f.Sales != nil {
		v := *f.Sales
		c.Sales = &v
	}
	return c
}
