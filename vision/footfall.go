package vision

import (
	"sort"
	"time"
)

// Footfall counts visitors per hour of the store's local time: people whose
// track enters each zone, and people seen by entrance cameras for the store
// (zone ""). A track re-entering a zone it left counts again, as a shopper
// coming back to an aisle does. Tracks are per camera: where two cameras'
// views share a zone, a person there counts once for each, so a zone is
// best counted by one camera and the store by its entrance cameras only.
type Footfall struct {
	loc    *time.Location
	counts map[FootfallKey]int64
}

// FootfallKey is one count: a zone ("" for the store) and the UTC start of
// a local hour.
type FootfallKey struct {
	Zone string
	Hour time.Time
}

// NewFootfall counts in hours of loc.
func NewFootfall(loc *time.Location) *Footfall {
	return &Footfall{loc: loc, counts: map[FootfallKey]int64{}}
}

// HourOf is the UTC start of the local hour holding t. It steps back from
// t by the local minutes and seconds rather than rebuilding the local
// time, which is ambiguous in the hour repeated when clocks go back
// (time.Date would give both 01:00s of an October night in London the
// same instant).
func (f *Footfall) HourOf(t time.Time) time.Time {
	l := t.In(f.loc)
	back := time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second + time.Duration(l.Nanosecond())
	return t.Add(-back).UTC()
}

// Add counts one visitor of zone at t and returns the hour's new total.
func (f *Footfall) Add(zone string, t time.Time) (FootfallKey, int64) {
	k := FootfallKey{zone, f.HourOf(t)}
	f.counts[k]++
	return k, f.counts[k]
}

// Set restores a count (from the spool's state after a restart).
func (f *Footfall) Set(k FootfallKey, n int64) { f.counts[k] = n }

// Counts returns every count, by hour then zone.
func (f *Footfall) Counts() map[FootfallKey]int64 { return f.counts }

// Keys returns the counted keys in a stable order.
func (f *Footfall) Keys() []FootfallKey {
	ks := make([]FootfallKey, 0, len(f.counts))
	for k := range f.counts {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if !ks[i].Hour.Equal(ks[j].Hour) {
			return ks[i].Hour.Before(ks[j].Hour)
		}
		return ks[i].Zone < ks[j].Zone
	})
	return ks
}

// Forget drops counts for hours before cutoff (already delivered and final).
func (f *Footfall) Forget(cutoff time.Time) {
	for k := range f.counts {
		if k.Hour.Before(cutoff) {
			delete(f.counts, k)
		}
	}
}
