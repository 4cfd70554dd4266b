package vision

import (
	"math"
	"sync/atomic"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// Sink receives what a camera makes: events to deliver and footfall totals.
type Sink interface {
	Event(ev ss.EventInput) error
	Footfall(k FootfallKey, total int64) error
}

// trackState is what a camera remembers per track.
type trackState struct {
	rule     RuleState
	zone     *ss.Zone // the zone of the last confirmed frame, nil for none
	lastZone *ss.Zone // the last zone they stood in
	entered  bool     // counted as a store visitor
}

// Camera turns one camera's detections into tracks, floor positions, zone
// visits, footfall and events. It is a pure core: detections and times in,
// calls on its Sink out.
type Camera struct {
	ID       string
	Store    string
	Entrance bool
	H        Homography
	Zones    *atomic.Pointer[ZoneIndex]
	Rule     RuleConfig
	Methods  map[int]ss.Method // concealment class → method
	Tracker  *Tracker
	Footfall *Footfall // shared by the store's cameras; guarded by the caller
	Sink     Sink
	Outside  func() // called when the rule fires with the person in no zone
}

// FloorPoint is where a person stands: the bottom centre of the box
// through the homography.
func (c *Camera) FloorPoint(b Box) (float64, float64) {
	return c.H.Apply((b.X0+b.X1)/2, b.Y1)
}

// Step processes one frame's people seen at time at.
func (c *Camera) Step(people []Person, at time.Time) error {
	live, _ := c.Tracker.Update(people)
	zones := c.Zones.Load()
	classes := make(map[int]bool, len(c.Methods))
	for k := range c.Methods {
		classes[k] = true
	}
	for _, tr := range live {
		if !tr.Seen {
			continue
		}
		st, _ := tr.State.(*trackState)
		if st == nil {
			st = &trackState{}
			tr.State = st
		}
		x, y := c.FloorPoint(tr.Box)
		var z *ss.Zone
		if zones != nil {
			z = zones.Lookup(x, y)
		}
		score, class := BestConceal(tr.Person, classes)
		fire, fired := c.Rule.Observe(&st.rule, at, score, class)
		if !tr.Confirmed {
			if z != nil {
				st.lastZone = z
			}
			continue
		}
		if c.Entrance && !st.entered {
			st.entered = true
			if err := c.count("", at); err != nil {
				return err
			}
		}
		// A visit begins when a confirmed track stands in a zone it was not
		// in on its previous confirmed frame (on confirmation, too).
		if z != nil && (st.zone == nil || st.zone.Code != z.Code) {
			if err := c.count(z.Code, at); err != nil {
				return err
			}
		}
		st.zone = z
		if z != nil {
			st.lastZone = z
		}
		if fired {
			if err := c.event(tr, st, z, fire, at); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Camera) count(zone string, at time.Time) error {
	k, n := c.Footfall.Add(zone, at)
	return c.Sink.Footfall(k, n)
}

func (c *Camera) event(tr *Track, st *trackState, z *ss.Zone, f Firing, at time.Time) error {
	if z == nil {
		z = st.lastZone
	}
	if z == nil {
		if c.Outside != nil {
			c.Outside()
		}
		return nil
	}
	score := math.Round(f.Peak*1e4) / 1e4
	value := z.UnitValue
	return c.Sink.Event(ss.EventInput{
		Store: c.Store, Zone: z.Code, Camera: c.ID, Track: tr.ID,
		OccurredAt: at.UTC().Format(time.RFC3339Nano), Score: &score,
		Method: c.Methods[f.Class], Category: z.Category, EstValue: &value,
	})
}
