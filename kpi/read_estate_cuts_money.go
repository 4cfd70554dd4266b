package kpi

import (
	"fmt"
	"math/big"
	"math/bits"
	"strings"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// cutMoney converts the money of the estate's cuts to the reporting
// currency as moneySQL does (money.go): each store-day's expected loss (its
// est_loss less its open value, plus the open value × the store's share
// kept by its basis), recovered and paid value times that day's rate of
// the store's currency, exactly, summed per group and period; a day
// without a rate makes the figures it holds null and is named. Amounts are
// kept in cents × rate mantissas (the rates scaled to one common number of
// decimals), so that the per-record work is integer arithmetic; the open
// value's share is applied once per group and basis.
type cutMoney struct {
	rep        ss.Currency
	converts   bool      // a store of the scope keeps another currency
	from       time.Time // the first day of the previous period
	days       []time.Time
	currencies []string
	curIndex   map[string]int
	raw        []cutRate
	ready      bool
	scale      int                 // decimals of every mantissa
	rates      [][]cutRateMantissa // per currency and day
	cells      [2][][]moneyCell    // per period, group, currency × day
	open       [2][][]acc128       // per period, group and store slot: Σ open cents × mantissa
}

type cutRate struct {
	currency string
	day      time.Time
	text     string
}

type cutRateMantissa struct {
	m  uint64
	ok bool
}

// moneyCell is one group's amounts in cents of one currency and day.
type moneyCell struct {
	est, recovered, paid   int64 // est: est_loss less open value
	estNonZero, recNonZero bool
	seen                   bool
}

// acc128 is a sum of non-negative products, in 128 bits.
type acc128 struct{ hi, lo uint64 }

func (a *acc128) add(x, m uint64) {
	h, l := bits.Mul64(x, m)
	var c uint64
	a.lo, c = bits.Add64(a.lo, l, 0)
	a.hi, _ = bits.Add64(a.hi, h, c)
}

func (a acc128) big() *big.Int {
	v := new(big.Int).SetUint64(a.hi)
	return v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(a.lo))
}

func (m *cutMoney) start(p *plan, rep ss.Currency) {
	m.rep, m.from, m.curIndex = rep, p.prev.From, map[string]int{}
	for d := p.prev.From; !d.After(p.q.To); d = d.AddDate(0, 0, 1) {
		m.days = append(m.days, d)
	}
}

func (m *cutMoney) currencyIndex(cur string) int {
	i, ok := m.curIndex[cur]
	if !ok {
		i = len(m.currencies)
		m.curIndex[cur] = i
		m.currencies = append(m.currencies, cur)
	}
	return i
}

func (m *cutMoney) rate(cur string, day time.Time, text string) error {
	m.raw = append(m.raw, cutRate{cur, day, text})
	return nil
}

// day is the index of a day row's date among the periods' days, -1 for a
// week row's.
func (m *cutMoney) day(start time.Time) int {
	d := int(start.Sub(m.from) / (24 * time.Hour))
	if d < 0 || d >= len(m.days) {
		return -1
	}
	return d
}

func (m *cutMoney) group() {
	for i := range m.cells {
		m.cells[i] = append(m.cells[i], nil)
		m.open[i] = append(m.open[i], nil)
	}
}

// prepare scales the rates to mantissas of one number of decimals, once
// every store and rate has been read.
func (m *cutMoney) prepare() error {
	m.ready = true
	for _, r := range m.raw {
		if i := strings.IndexByte(r.text, '.'); i >= 0 {
			m.scale = max(m.scale, len(r.text)-i-1)
		}
	}
	m.rates = make([][]cutRateMantissa, len(m.currencies))
	one, ok := mantissa("1", m.scale)
	if !ok {
		return fmt.Errorf("kpi: exchange rates of %d decimals", m.scale)
	}
	for ci, cur := range m.currencies {
		m.rates[ci] = make([]cutRateMantissa, len(m.days))
		if cur == string(m.rep) {
			for di := range m.days {
				m.rates[ci][di] = cutRateMantissa{one, true}
			}
		}
	}
	for _, r := range m.raw {
		ci, ok := m.curIndex[r.currency]
		di := m.day(r.day)
		if !ok || di < 0 || r.currency == string(m.rep) {
			continue
		}
		v, ok := mantissa(r.text, m.scale)
		if !ok {
			return fmt.Errorf("kpi: exchange rate %s of %s on %s does not fit 64 bits at %d decimals", r.text, r.currency, r.day.Format(time.DateOnly), m.scale)
		}
		m.rates[ci][di] = cutRateMantissa{v, true}
	}
	return nil
}

// mantissa is the decimal text × 10^scale, where it is a whole number
// that fits 64 bits.
func mantissa(text string, scale int) (uint64, bool) {
	r, ok := new(big.Rat).SetString(text)
	if !ok || r.Sign() < 0 {
		return 0, false
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !r.IsInt() || !r.Num().IsUint64() {
		return 0, false
	}
	return r.Num().Uint64(), true
}

// add adds one store record of a day row to its group's money.
func (m *cutMoney) add(pi, gi, si, stores, ci, di int, estLoss, open, recovered, paid int64) error {
	if !m.ready {
		if err := m.prepare(); err != nil {
			return err
		}
	}
	if di < 0 {
		return fmt.Errorf("kpi: an estate cut row outside the periods' days")
	}
	cells := m.cells[pi][gi]
	if cells == nil {
		cells = make([]moneyCell, len(m.currencies)*len(m.days))
		m.cells[pi][gi] = cells
		m.open[pi][gi] = make([]acc128, stores)
	}
	x := &cells[ci*len(m.days)+di]
	x.seen = true
	x.est += estLoss - open
	x.recovered += recovered
	x.paid += paid
	x.estNonZero = x.estNonZero || estLoss != 0
	x.recNonZero = x.recNonZero || recovered != 0
	if r := m.rates[ci][di]; r.ok && open != 0 {
		if open < 0 {
			return fmt.Errorf("kpi: negative open value %d in an estate cut", open)
		}
		m.open[pi][gi][si].add(uint64(open), r.m)
	}
	return nil
}

// centsScale is the denominator of a sum of cents × rate mantissas of
// scale decimal digits: 100 × 10^scale.
func centsScale(scale int) *big.Int {
	return new(big.Int).Mul(big.NewInt(100), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
}

// converted is one group's converted money in one period.
func (m *cutMoney) converted(pi, gi int, bases []storeBasis) *converted {
	cv := &converted{}
	cells := m.cells[pi][gi]
	if cells == nil {
		return cv
	}
	var est, rec, paid wide
	for ci, cur := range m.currencies {
		for di, day := range m.days {
			x := cells[ci*len(m.days)+di]
			if !x.seen {
				continue
			}
			r := m.rates[ci][di]
			if !r.ok {
				cv.lack(ss.Currency(cur), day, x.estNonZero, x.recNonZero, false)
				continue
			}
			est.add(x.est, r.m)
			rec.add(x.recovered, r.m)
			paid.add(x.paid, r.m)
		}
	}
	// The open value, by the share its store's basis keeps.
	var kept shareSum
	for si, a := range m.open[pi][gi] {
		if a.hi == 0 && a.lo == 0 {
			continue
		}
		if b := bases[si]; b.rev > 0 {
			kept.add(a.big(), b.rev-b.fp, b.rev)
		} else {
			kept.add(a.big(), 1, 1)
		}
	}
	den := centsScale(m.scale)
	cv.estLoss.SetFrac(est.big(), den)
	cv.estLoss.Add(&cv.estLoss, kept.over(den))
	cv.recovered.SetFrac(rec.big(), den)
	cv.paid.SetFrac(paid.big(), den)
	return cv
}
