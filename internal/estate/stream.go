package estate

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// Sink receives generated facts. Stream calls it from one goroutine; an
// error stops the stream and is returned.
type Sink interface {
	Footfall(ss.Footfall) error
	Event(ss.Event) error
	Outcome(ss.Outcome) error
	Sale(ss.Sale) error
}

// Stream generates every fact of store index store and pushes it to sink,
// hour by hour in time order: the store's entrance footfall row, one row
// per zone, then the hour's events sorted by time, each followed at once by
// its outcome (whose At may lie days later); a day ends with its sale.
// Output depends only on (Seed, store, Days, End); memory use is constant.
func (e *Estate) Stream(store int, sink Sink) error {
	if store < 0 || store >= len(e.Stores) {
		return fmt.Errorf("estate: store index %d out of range [0, %d)", store, len(e.Stores))
	}
	g := &gen{
		s:   &e.Stores[store],
		r:   newRNG(e.Config.Seed, store, streamFacts),
		end: e.Config.End,
	}
	return g.run(e.Config.Days, sink)
}

// StreamAll streams every store in index order into one sink.
func (e *Estate) StreamAll(sink Sink) error {
	for i := range e.Stores {
		if err := e.Stream(i, sink); err != nil {
			return err
		}
	}
	return nil
}

// gen is the state of one store's stream.
type gen struct {
	s    *Store
	r    *rng
	end  time.Time
	buf  []pending
	tbuf []byte
}

// pending is an event of the current hour with its outcome, if any.
type pending struct {
	ev     ss.Event
	out    ss.Outcome
	hasOut bool
}

func (g *gen) run(days int, sink Sink) error {
	s, r := g.s, g.r
	for k := 0; k < days; k++ {
		start, next := s.localMidnight(k), s.localMidnight(k+1)
		noon := s.first.AddDate(0, 0, k)
		y, m, d := noon.Date()
		wd := noon.Weekday()
		years := float64(k) / 365
		dayMean := s.DailyVisitors * visitsByDay[wd] * visitsByMonth[m] * (1 + s.Trend*years) * r.lognormal(0.08) / visitsNorm
		if m == time.December && d == 25 {
			continue // every store is closed on Christmas Day
		}
		var dayVisitors int64
		for t := start; t.Before(next); t = t.Add(time.Hour) {
			lt := t.In(s.loc)
			h := lt.Hour()
			if lt.Minute() != 0 || lt.Second() != 0 || lt.Day() != d || !s.open[wd][h] {
				continue
			}
			v, err := g.hour(sink, t.UTC(), wd, h, dayMean)
			if err != nil {
				return err
			}
			dayVisitors += v
		}
		if dayVisitors > 0 {
			amount := float64(dayVisitors) * s.Conversion * s.Basket * r.lognormal(0.05)
			err := sink.Sale(ss.Sale{Store: s.Code, Day: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Amount: math.Round(amount*100) / 100})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// hour generates the facts of the local hour starting at t (UTC).
func (g *gen) hour(sink Sink, t time.Time, wd time.Weekday, h int, dayMean float64) (int64, error) {
	s, r := g.s, g.r
	v := r.poisson(dayMean * visitsByHour[h])
	if err := sink.Footfall(ss.Footfall{Store: s.Code, Hour: t, Visitors: v}); err != nil {
		return 0, err
	}
	hf := hourBase(v, hourOfWeek[wd][h], s.Profile.TheftIndex)
	after := s.Change >= 0 && !t.Before(s.changeAt)
	fv := float64(v)
	for z := range s.Zones {
		zv := min(r.poisson(fv*s.ZoneTraffic[z]), v)
		if err := sink.Footfall(ss.Footfall{Store: s.Code, Zone: s.Zones[z].Code, Hour: t, Visitors: zv}); err != nil {
			return 0, err
		}
		n := r.poisson(zoneMean(hf, s.ZoneRisk[z], after && s.treated[z], s.effect))
		for ; n > 0; n-- {
			g.buf = append(g.buf, g.event(z, t))
		}
	}
	slices.SortStableFunc(g.buf, func(a, b pending) int { return a.ev.OccurredAt.Compare(b.ev.OccurredAt) })
	for i := range g.buf {
		p := &g.buf[i]
		if err := sink.Event(p.ev); err != nil {
			return 0, err
		}
		if p.hasOut {
			if err := sink.Outcome(p.out); err != nil {
				return 0, err
			}
		}
	}
	clear(g.buf) // drop pointers held by outcomes
	g.buf = g.buf[:0]
	return v, nil
}

// event draws one concealment in zone z during the hour starting at t.
func (g *gen) event(z int, t time.Time) pending {
	s, r := g.s, g.r
	zone := &s.Zones[z]
	ms := t.UnixMilli() + int64(r.intn(3_600_000))
	g.tbuf = strconv.AppendUint(append(g.tbuf[:0], 't'), r.u64()>>16, 36)
	ev := ss.Event{
		ID:         r.uuid7(ms),
		Store:      s.Code,
		Zone:       zone.Code,
		Camera:     s.cameras[z],
		Track:      string(g.tbuf),
		OccurredAt: time.UnixMilli(ms).UTC(),
		Score:      min(math.Round((0.5+0.49*math.Sqrt(r.float()))*1000)/1000, 0.99),
		Method:     ss.Methods[r.pick(categories[zone.Category].methods[:])],
		EstValue:   -1,
	}
	if r.float() < 0.3 {
		ev.Category = zone.Category
	}
	qty := 1 + r.pick(qtyWeights[:])
	value := math.Round(zone.UnitValue*float64(qty)*100) / 100
	if r.float() < 0.55 {
		ev.EstValue = value
	}
	p := pending{ev: ev}
	p.out, p.hasOut = g.outcome(&ev, value)
	return p
}

// qtyWeights: how many units one concealment takes (1, 2 or 3).
var qtyWeights = [3]float64{60, 28, 12}

// Collector is a Sink that keeps every fact in memory, for small estates
// and tests. It is not safe for concurrent use. (The footfall field is
// plural because Footfall is the Sink method.)
type Collector struct {
	Footfalls []ss.Footfall
	Events    []ss.Event
	Outcomes  []ss.Outcome
	Sales     []ss.Sale
}

// Footfall, Event, Outcome and Sale append the fact; they never fail.
func (c *Collector) Footfall(f ss.Footfall) error { c.Footfalls = append(c.Footfalls, f); return nil }
func (c *Collector) Event(e ss.Event) error       { c.Events = append(c.Events, e); return nil }
func (c *Collector) Outcome(o ss.Outcome) error   { c.Outcomes = append(c.Outcomes, o); return nil }
func (c *Collector) Sale(s ss.Sale) error         { c.Sales = append(c.Sales, s); return nil }

// Counter is a Sink that only counts facts, for benchmarks and sizing.
type Counter struct {
	Footfalls, Events, Outcomes, Sales int64
}

// Footfall, Event, Outcome and Sale count the fact; they never fail.
func (c *Counter) Footfall(ss.Footfall) error { c.Footfalls++; return nil }
func (c *Counter) Event(ss.Event) error       { c.Events++; return nil }
func (c *Counter) Outcome(ss.Outcome) error   { c.Outcomes++; return nil }
func (c *Counter) Sale(ss.Sale) error         { c.Sales++; return nil }

// Total is the number of facts counted.
func (c *Counter) Total() int64 { return c.Footfalls + c.Events + c.Outcomes + c.Sales }
