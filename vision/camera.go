package vision

import (
	"math"
	"sync/atomic"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// Sink receives what a camera makes: events to deliver, footfall totals
// and lane presences.
type Sink interface {
	Event(ev ss.EventInput) error
	Footfall(k FootfallKey, total int64) error
	Presence(p Presence) error
}

// trackState is what a camera remembers per track.
type trackState struct {
	rule     RuleState
	zone     *ss.Zone // the zone of the last confirmed frame, nil for none
	lastZone *ss.Zone // the last zone they stood in
	entered  bool     // counted as a store visitor
	floor    string   // the floor track id, "" until confirmed (or without a floor tracker)
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
	// Floor fuses the store's cameras' tracks; events then carry the floor
	// track id. Nil: events carry this camera's track id.
	Floor *FloorTracker // shared by the store's cameras; guarded by the caller
	// Lanes reports the lane presences of floor tracks with an event; nil
	// for none. It needs Floor.
	Lanes *Lanes // shared by the store's cameras; guarded by the caller
}

// FloorPoint is where a person stands: the bottom centre of the box
// through the homography.
func (c *Camera) FloorPoint(b Box) (float64, float64) {
	return c.H.Apply((b.X0+b.X1)/2, b.Y1)
}

// Step processes one frame's people seen at time at.
func (c *Camera) Step(people []Person, at time.Time) error {
	live, ended := c.Tracker.Update(people)
	if err := c.floor(live, ended, at); err != nil {
		return err
	}
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
		if c.Lanes != nil && st.floor != "" {
			if err := c.presences(c.Lanes.Seen(st.floor, z, at)); err != nil {
				return err
			}
		}
	}
	return nil
}

// floor places the frame's confirmed tracks on the store's floor tracker
// and notes each one's floor track id; floor tracks that ended report
// their presences.
func (c *Camera) floor(live, ended []*Track, at time.Time) error {
	if c.Floor == nil {
		return nil
	}
	var obs []FloorObs
	var seen []*trackState
	for _, tr := range live {
		if !tr.Seen || !tr.Confirmed {
			continue
		}
		st, _ := tr.State.(*trackState)
		if st == nil {
			st = &trackState{}
			tr.State = st
		}
		x, y := c.FloorPoint(tr.Box)
		obs = append(obs, FloorObs{Track: tr.ID, X: x, Y: y})
		seen = append(seen, st)
	}
	gone := make([]string, len(ended))
	for i, tr := range ended {
		gone[i] = tr.ID
	}
	ids, fended := c.Floor.Update(c.ID, obs, gone, at)
	for i, st := range seen {
		st.floor = ids[i]
	}
	if c.Lanes == nil {
		return nil
	}
	for _, e := range fended {
		if err := c.presences(c.Lanes.Ended(e)); err != nil {
			return err
		}
	}
	return nil
}

func (c *Camera) presences(ps []Presence) error {
	for _, p := range ps {
		if err := c.Sink.Presence(p); err != nil {
			return err
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
	track := tr.ID
	if st.floor != "" {
		track = st.floor
		if c.Lanes != nil {
			c.Lanes.Concealed(track)
		}
	}
	return c.Sink.Event(ss.EventInput{
		Store: c.Store, Zone: z.Code, Camera: c.ID, Track: track,
		OccurredAt: at.UTC().Format(time.RFC3339Nano), Score: &score,
		Method: c.Methods[f.Class], Category: z.Category, EstValue: &value,
	})
}
