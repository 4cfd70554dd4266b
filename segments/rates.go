package segments

import (
	"math"

	ss "github.com/shrinkscope/shrinkscope"
)

// Where a rate came from.
const (
	SourceStore   = "store"   // the store's own outcomes (at least MinOwn of them)
	SourceEstate  = "estate"  // pooled over the estate's stores that measure it
	SourceDefault = "default" // nobody measures it: the configured default
	SourcePrior   = "prior"   // a configured prior, not yet measured by anyone
)

// segRatio is a pooled count: num of den.
type segRatio struct{ num, den float64 }

func (r *segRatio) add(num, den float64) {
	if num >= 0 && den > 0 && num <= den && !math.IsInf(den, 0) {
		r.num += num
		r.den += den
	}
}

// segPooled holds the estate's pooled counts. Pooling counts rather than
// averaging store rates weights each store by how much evidence it has.
type segPooled struct {
	// recovery, per intervening model: interventions of (events − paid) at
	// the stores that run it — the share of unpaid concealments recovered.
	recovery map[ss.OperatingModel]*segRatio
	// selfPay: paid of events at checkout stores, the only model where an
	// unprompted payment is seen.
	selfPay segRatio
	// block: blocks of (events − paid) at checkout stores.
	block segRatio
	// falseShare: false positives of reviewed alerts, at every store: a
	// detection store's reviews are a random sample (the product asks for
	// one), so they measure its false share as a SOC's reviews do.
	falseShare segRatio
}

func segPool(in []Input, cfg Config) *segPooled {
	p := &segPooled{recovery: map[ss.OperatingModel]*segRatio{ss.ModelSOC: {}, ss.ModelCheckout: {}}}
	for i := range in {
		s := &in[i]
		unpaid := s.Events - s.Paid
		if r, ok := p.recovery[s.Current]; ok {
			r.add(s.Interventions, unpaid)
		}
		p.falseShare.add(s.FalsePositives, s.Reviewed)
		if s.Current == ss.ModelCheckout {
			p.selfPay.add(s.Paid, s.Events)
			p.block.add(s.Blocked, unpaid)
		}
	}
	return p
}

// segRate picks the store's own num/den when it measures the rate with at
// least cfg.MinOwn outcomes, else the estate's pool, else def.
func segRate(own bool, num, den float64, pool segRatio, def float64, cfg Config) (float64, string) {
	var mine segRatio
	mine.add(num, den)
	switch {
	case own && mine.den >= cfg.MinOwn:
		return mine.num / mine.den, SourceStore
	case pool.den > 0:
		return pool.num / pool.den, SourceEstate
	}
	return def, SourceDefault
}

// segStoreRates are the rates used for one store.
type segStoreRates struct {
	recovery       map[ss.OperatingModel]float64
	recoverySource map[ss.OperatingModel]string
	selfPay        float64
	selfPaySource  string
	block          float64
	falseShare     float64
	falseSource    string
}

func segRatesFor(s *Input, p *segPooled, cfg Config) segStoreRates {
	r := segStoreRates{recovery: map[ss.OperatingModel]float64{}, recoverySource: map[ss.OperatingModel]string{}}
	unpaid := s.Events - s.Paid
	for _, m := range []ss.OperatingModel{ss.ModelSOC, ss.ModelCheckout} {
		r.recovery[m], r.recoverySource[m] = segRate(s.Current == m, s.Interventions, unpaid, *p.recovery[m], cfg.DefaultRecovery[m], cfg)
	}
	checkout := s.Current == ss.ModelCheckout
	r.selfPay, r.selfPaySource = segRate(checkout, s.Paid, s.Events, p.selfPay, cfg.DefaultSelfPay, cfg)
	r.block, _ = segRate(checkout, s.Blocked, unpaid, p.block, cfg.DefaultBlockShare, cfg)
	r.falseShare, r.falseSource = segRate(true, s.FalsePositives, s.Reviewed, p.falseShare, cfg.DefaultFalseShare, cfg)
	return r
}
