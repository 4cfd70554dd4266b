package kpi

import ss "github.com/shrinkscope/shrinkscope"

// request is one KPI request's statements, built from its plan, and what
// their rows add up to. Each builder adds the statements of one read shape;
// none of them touches the database.
type request struct {
	q     Query
	p     *plan
	r     *results
	reads []*read

	zoneKeys map[string]string       // zone id → group key, when the plan reads by zone id
	cents    [2]map[string]money     // money per group, when it reads one store's zone rows
	bases    [2]map[int64]storeBasis // by period and store id, where a read applies the basis in Go
	estate   estateReader
	cuts     cutReader
	estMoney estateMoney
	cov      *coverage
	live     []Target

	conv       [2]map[string]*converted // converted money per period and group (read_money.go)
	currencies map[string]ss.Currency   // store code → currency, for rows of one store
}

func newRequest(q Query) *request {
	p := newPlan(q)
	rq := &request{q: q, p: p, zoneKeys: map[string]string{}, cents: [2]map[string]money{{}, {}}, cov: &coverage{},
		r: &results{p: p,
			cur:      &periodResult{keys: map[string]Key{}, figures: map[string]*Figures{}},
			prev:     &periodResult{keys: map[string]Key{}, figures: map[string]*Figures{}},
			sketches: [2]map[string]*sketch{{}, {}}}}
	if p.byZoneID {
		rq.zoneNames() // read_zone_names.go
	}
	switch {
	case p.estateWide:
		rq.reads = append(rq.reads, rq.estate.reads(p)...) // read_estate.go
	case p.estateCut:
		rq.reads = append(rq.reads, rq.cuts.reads(p, rq)...) // read_estate_cuts.go
	case p.storeZones:
		rq.storeZoneEvents() // read_store_zone_events.go
	default:
		rq.groupedEvents() // read_grouped_events.go
	}
	// Visitors and sketches, unless the store rows or the estate's cuts
	// already gave them.
	if !p.storeLevel && !p.estateCut {
		rq.visitors() // read_visitors.go
	}
	if !p.storeLevel && !p.storeZones && !p.estateCut {
		rq.zoneSketches() // read_zone_sketches.go
	}
	switch {
	case !p.convertsMoney() || p.estateCut: // the estate's cuts convert their own
	case p.estateMoney:
		rq.reads = append(rq.reads, rq.estMoney.reads(p, rq.reporting())...) // read_estate_money.go
	default:
		rq.money() // read_money.go
	}
	if !p.multiStore() {
		rq.storeCurrencies() // read_money.go
	}
	rq.reads = append(rq.reads, p.coverageReads(rq.cov)...) // read_coverage.go
	rq.liveTargets()                                        // targets.go
	return rq
}

// finish turns the rows read into the two periods' figures.
func (rq *request) finish() {
	if rq.p.estateWide {
		rq.estate.finish(rq.r)
	}
	if rq.p.estateCut {
		rq.cuts.finish(rq.r, &rq.conv)
	}
	if rq.p.estateMoney {
		rq.estMoney.finish(&rq.conv)
	}
	for i := range rq.cents {
		// One store's zone rows: its basis, the one row of the period.
		var b storeBasis
		for _, x := range rq.bases[i] {
			b = x
		}
		for key, c := range rq.cents[i] {
			f := rq.r.get(i == 1, key)
			f.EstLoss, f.RecoveredValue = fromCents(b.expectedCents(c.estLoss, c.open)), fromCents(c.recovered)
			f.PaidUnprompted = fromCents(c.paid)
			var l basisLabel
			if c.open > 0 {
				l.merge(b)
			}
			l.set(f)
		}
	}
	rq.convert() // read_money.go
	for i, res := range []*periodResult{rq.r.prev, rq.r.cur} {
		for key, s := range rq.r.sketches[i] {
			f := rq.r.get(i == 1, key)
			f.ResponseP50, f.ResponseP90 = s.quantile(0.5), s.quantile(0.9)
		}
		for _, f := range res.figures {
			f.derive()
		}
		if rq.q.By == ByZone {
			hotspots(res)
		}
	}
}
