package estate

import (
	"time"
)

// ExpectedEvents returns the Poisson mean of the concealment count that
// Stream draws for zone index zone of store index store in the local hour
// starting at hourStart, given that hour's entrance visitors:
//
//	visitors × HourOfWeekFactor(local weekday, local hour) × TheftIndex
//	         × ZoneRisk[zone] × (TrueEffect if the zone is treated and hourStart ≥ At)
//
// It is the exact value Stream uses. Stream draws nothing for hours when the
// store is closed; the formula still answers for them.
func (e *Estate) ExpectedEvents(store, zone int, hourStart time.Time, visitors int64) float64 {
	s := &e.Stores[store]
	lt := hourStart.In(s.loc)
	hf := hourBase(visitors, hourOfWeek[lt.Weekday()][lt.Hour()], s.Profile.TheftIndex)
	after := s.Change >= 0 && !hourStart.Before(s.changeAt)
	return zoneMean(hf, s.ZoneRisk[zone], after && s.treated[zone], s.effect)
}

// hourBase and zoneMean are the one place the event mean is computed, so
// Stream and ExpectedEvents agree to the last bit.
func hourBase(visitors int64, how, theft float64) float64 {
	return float64(visitors) * how * theft
}

func zoneMean(hf, risk float64, treated bool, effect float64) float64 {
	m := hf * risk
	if treated {
		m *= effect
	}
	return m
}

// Treated reports whether zone index zone of store index store is treated
// by the store's layout change, and from when.
func (e *Estate) Treated(store, zone int) (bool, time.Time) {
	s := &e.Stores[store]
	if s.Change < 0 || !s.treated[zone] {
		return false, time.Time{}
	}
	return true, s.changeAt
}

// StoreIndex returns the index of the store with the given code, or -1.
func (e *Estate) StoreIndex(code string) int {
	for i := range e.Stores {
		if e.Stores[i].Code == code {
			return i
		}
	}
	return -1
}

// ZoneIndex returns the index of the zone with the given code, or -1.
func (s *Store) ZoneIndex(code string) int {
	for z := range s.Zones {
		if s.Zones[z].Code == code {
			return z
		}
	}
	return -1
}
