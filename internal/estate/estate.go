package estate

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the estate's time zones must load on any machine, offline

	ss "github.com/shrinkscope/shrinkscope"
)

// Config chooses the estate. The zero value of a field means its default.
type Config struct {
	Seed   int64     // default 1
	Stores int       // number of stores, default 12
	Days   int       // days of history, default 120
	End    time.Time // exclusive end instant; default: today 00:00 UTC
	// RateScale multiplies every zone's concealment rate (default 1: about
	// 2.4 per 1,000 visitors); benchmarks raise it to reach an event volume.
	RateScale float64
	// NoChanges plants no layout change (the draws are the same, so every
	// other fact matches the estate with changes): an estate where nothing
	// changes at all, for measuring false alarms.
	NoChanges bool
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Stores <= 0 {
		c.Stores = 12
	}
	if c.RateScale <= 0 {
		c.RateScale = 1
	}
	if c.Days <= 0 {
		c.Days = 120
	}
	if c.End.IsZero() {
		c.End = time.Now().UTC().Truncate(24 * time.Hour)
	}
	return c
}

// Estate is a synthetic estate and its ground truth. It is read-only once
// built, so Stream may run for several stores at once.
type Estate struct {
	Config  Config // with defaults filled in
	Stores  []Store
	Changes []LayoutChange
}

// Store is one synthetic store: the domain store, its zones, and the true
// parameters its facts are drawn from.
type Store struct {
	ss.Store
	Zones []ss.Zone

	// ZoneRisk is, per zone, the expected concealments per visitor entering
	// the store: the base rate before the hour-of-week multiplier, the theft
	// index and any layout change (see ExpectedEvents).
	ZoneRisk []float64
	// ZoneTraffic is, per zone, the expected share of the hour's entrance
	// visitors counted in that zone.
	ZoneTraffic []float64
	// DailyVisitors is the expected entrance count of an average day open
	// 08:00–22:00, before weekday, month, trend and daily noise.
	DailyVisitors float64
	Trend         float64 // relative footfall change per year
	Conversion    float64 // share of visitors who buy
	Basket        float64 // mean spend per buying visitor
	FloorWidth    float64 // floor plan size in metres
	FloorDepth    float64
	Change        int // index into Estate.Changes, or -1

	loc      *time.Location
	first    time.Time // noon of the first local day
	treated  []bool
	changeAt time.Time
	effect   float64
	open     [7][24]bool // by time.Weekday and local hour start
	cameras  []string
}

// LayoutChange is a change made to a store's layout on one day, with its
// true effect on the treated zones' event rate.
type LayoutChange struct {
	Store       string
	At          time.Time // local midnight of the change day, as a UTC instant
	Zones       []string  // treated zone codes
	TrueEffect  float64   // multiplier on the treated zones' rate from At on
	Description string
}

// New builds the estate's stores, zones, profiles and layout changes. It is
// cheap; facts come from Stream. Store i depends only on (Seed, i, Days, End).
func New(cfg Config) *Estate {
	cfg = cfg.withDefaults()
	e := &Estate{Config: cfg, Stores: make([]Store, cfg.Stores)}
	for i := range e.Stores {
		r := newRNG(cfg.Seed, i, streamShape)
		s := &e.Stores[i]
		buildStore(s, i, r, cfg.RateScale)
		s.setWindow(cfg)
		u := r.float() // always drawn, so the draws below do not depend on the outcome
		if cfg.Days >= 2 && (u < 0.3 || i == 2) && !cfg.NoChanges {
			e.Changes = append(e.Changes, s.layoutChange(cfg, r))
			s.Change = len(e.Changes) - 1
		}
	}
	return e
}

func buildStore(s *Store, i int, r *rng, rateScale float64) {
	c := cities[i%len(cities)]
	round := i / len(cities)
	name := c.name + " " + c.districts[round%len(c.districts)]
	if round >= len(c.districts) {
		name += fmt.Sprintf(" %d", round/len(c.districts)+1)
	}
	h := c.hours[0]
	if round > 0 {
		h = c.hours[r.intn(len(c.hours))]
	}
	p := ss.Profile{
		UrbanDensity:     clampRound(c.urban*r.lognormal(0.25), 0.3, 2.5),
		TheftIndex:       clampRound(c.theft*r.lognormal(0.30), 0.3, 2.5),
		StaffingCapacity: clampRound(r.lognormal(0.30), 0.3, 2.5),
	}
	s.Store = ss.Store{
		Code:           fmt.Sprintf("S%03d", i+1),
		Name:           name,
		Region:         c.region,
		Timezone:       c.tz,
		OpeningHours:   h.openingHours(),
		Profile:        p,
		OperatingModel: chooseModel(i, p, r),
		Currency:       c.currency,
	}
	loc, err := time.LoadLocation(c.tz)
	if err != nil {
		panic(fmt.Sprintf("estate: time zone %s: %v", c.tz, err)) // tzdata is embedded
	}
	s.loc = loc
	for _, wd := range weekdays {
		for _, iv := range s.OpeningHours.Minutes(wd) {
			for hh := (iv[0] + 59) / 60; hh*60 < iv[1] && hh < 24; hh++ {
				s.open[wd][hh] = true
			}
		}
	}
	s.DailyVisitors = math.Round(14000 * math.Pow(p.UrbanDensity, 0.7) * r.lognormal(0.2))
	s.Trend = math.Round(r.between(-0.06, 0.12)*100) / 100
	s.Conversion = math.Round(r.between(0.22, 0.42)*1000) / 1000
	s.Basket = math.Round(r.between(14, 38)*100) / 100

	plan := buildZones(r)
	s.Zones, s.FloorWidth, s.FloorDepth = plan.zones, plan.width, plan.depth
	s.ZoneTraffic = plan.traffic
	rate := 2.4e-3 * r.lognormal(0.2) * rateScale // concealments per visitor, all zones together
	var sum float64
	for _, x := range plan.risk {
		sum += x
	}
	s.ZoneRisk = make([]float64, len(plan.risk))
	for z, x := range plan.risk {
		s.ZoneRisk[z] = rate * x / sum
	}
	ncam := (2*len(s.Zones) + 2) / 3
	s.cameras = make([]string, len(s.Zones))
	for z := range s.Zones {
		s.cameras[z] = fmt.Sprintf("C%02d", 1+z*ncam/len(s.Zones))
	}
	s.treated = make([]bool, len(s.Zones))
	s.Change = -1
}

// chooseModel gives the first three stores one model each, so every model is
// present; the others get the model their risk profile pays for, with some
// stores deviating as real estates do.
func chooseModel(i int, p ss.Profile, r *rng) ss.OperatingModel {
	models := [3]ss.OperatingModel{ss.ModelSOC, ss.ModelCheckout, ss.ModelDetection}
	u, k := r.float(), r.intn(3)
	switch {
	case i < 3:
		return models[i]
	case u < 0.15:
		return models[k]
	case p.TheftIndex*p.UrbanDensity >= 1.6 && p.StaffingCapacity >= 0.8:
		return ss.ModelSOC
	case p.TheftIndex*p.UrbanDensity >= 0.9:
		return ss.ModelCheckout
	default:
		return ss.ModelDetection
	}
}

// setWindow places the store's history on its local calendar: the Days local
// dates before the local date of End, so every fact lies before End.
func (s *Store) setWindow(cfg Config) {
	y, m, d := cfg.End.In(s.loc).Date()
	s.first = time.Date(y, m, d-cfg.Days, 12, 0, 0, 0, s.loc)
}

// localMidnight returns the instant of local midnight k days after the
// store's first day.
func (s *Store) localMidnight(k int) time.Time {
	y, m, d := s.first.Date()
	return time.Date(y, m, d+k, 0, 0, 0, 0, s.loc)
}

func (s *Store) layoutChange(cfg Config, r *rng) LayoutChange {
	order := make([]int, len(s.Zones))
	for z := range order {
		order[z] = z
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(s.ZoneRisk[b], s.ZoneRisk[a]) })
	n := 2 + r.intn(2)
	ch := LayoutChange{
		Store:      s.Code,
		At:         s.localMidnight(cfg.Days / 2).UTC(),
		TrueEffect: math.Round(r.between(0.5, 0.8)*100) / 100,
	}
	var parts []string
	for _, z := range order[:n] {
		s.treated[z] = true
		ch.Zones = append(ch.Zones, s.Zones[z].Code)
		parts = append(parts, fmt.Sprintf("%s: %s", s.Zones[z].Code, categories[s.Zones[z].Category].remedy))
	}
	ch.Description = strings.Join(parts, "; ")
	s.changeAt, s.effect = ch.At, ch.TrueEffect
	return ch
}

// Window returns the store's history as instants: local midnight of its
// first day, and local midnight after its last day (at or before End).
func (e *Estate) Window(store int) (from, to time.Time) {
	s := &e.Stores[store]
	return s.localMidnight(0), s.localMidnight(e.Config.Days)
}

// Loc returns the store's time zone.
func (s *Store) Loc() *time.Location { return s.loc }

func clampRound(x, lo, hi float64) float64 {
	return math.Round(min(max(x, lo), hi)*100) / 100
}
