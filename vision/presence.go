package vision

import (
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// Presence is one item of POST /api/v1/checkout/presence. With Lane and no
// LeftAt: the floor track entered the lane's zone at At; the same item with
// LeftAt: it left at LeftAt. With Zone (an entrance zone's code) instead of
// Lane: the track left the store through that entrance at At.
type Presence struct {
	Store  string `json:"store"`
	Lane   string `json:"lane,omitempty"`
	Zone   string `json:"zone,omitempty"`
	Track  string `json:"track"`
	At     string `json:"at"`
	LeftAt string `json:"left_at,omitempty"`
}

// Kind names the item for logs and metrics: enter, leave or exit.
func (p *Presence) Kind() string {
	switch {
	case p.Zone != "":
		return "exit"
	case p.LeftAt != "":
		return "leave"
	default:
		return "enter"
	}
}

// laneVisit is what Lanes remembers of one floor track.
type laneVisit struct {
	concealed bool      // an event was made for the track this visit
	lane      string    // the lane whose zone it stands in, "" for none
	since     time.Time // when its presence at lane was reported
	reported  bool      // a presence was sent for this stay at lane
	outSince  time.Time // first sighting outside lane, while leaving is not yet sure
	lastZone  *ss.Zone  // the last zone it stood in
}

// Lanes turns floor tracks' zones into lane presences, for the tracks with
// an open concealment event only: a shopper who concealed nothing is never
// reported. A presence is reported when such a track stands in a checkout
// zone with a lane; it ends (LeftAt) once the track has been seen outside
// that zone for LeaveAfter (so a position flickering across the zone's
// edge, or two cameras placing one person a little apart, is not a
// departure), or when the track ends. A track that ends last seen in an
// entrance zone left the store there. It is a pure core: sightings and
// times in, presences out.
type Lanes struct {
	Store      string
	LeaveAfter time.Duration
	visits     map[string]*laneVisit
}

// NewLanes returns Lanes for a store.
func NewLanes(store string, leaveAfter time.Duration) *Lanes {
	return &Lanes{Store: store, LeaveAfter: leaveAfter, visits: map[string]*laneVisit{}}
}

func (l *Lanes) visit(track string) *laneVisit {
	v := l.visits[track]
	if v == nil {
		v = &laneVisit{}
		l.visits[track] = v
	}
	return v
}

// Concealed notes that an event was made for the floor track.
func (l *Lanes) Concealed(track string) { l.visit(track).concealed = true }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Seen notes the floor track standing in zone z (nil for none) at time at
// and returns the presences it makes.
func (l *Lanes) Seen(track string, z *ss.Zone, at time.Time) []Presence {
	v := l.visit(track)
	lane := ""
	if z != nil {
		v.lastZone = z
		if z.Kind == ss.KindCheckout {
			lane = z.Lane
		}
	}
	var out []Presence
	if v.lane != "" && lane != v.lane {
		if v.outSince.IsZero() {
			v.outSince = at
		}
		if at.Sub(v.outSince) < l.LeaveAfter {
			return nil
		}
		out = append(out, l.leave(track, v, v.outSince)...)
	} else {
		v.outSince = time.Time{}
	}
	if v.lane == "" && lane != "" {
		v.lane = lane
	}
	if v.lane != "" && v.concealed && !v.reported {
		v.reported, v.since = true, at
		out = append(out, Presence{Store: l.Store, Lane: v.lane, Track: track, At: stamp(at)})
	}
	return out
}

// leave ends v's stay at its lane at left, reporting it if it was reported.
func (l *Lanes) leave(track string, v *laneVisit, left time.Time) []Presence {
	var out []Presence
	if v.reported {
		out = append(out, Presence{Store: l.Store, Lane: v.lane, Track: track, At: stamp(v.since), LeftAt: stamp(left)})
	}
	v.lane, v.reported, v.outSince = "", false, time.Time{}
	return out
}

// Ended forgets a floor track that ended and returns the presences it
// makes: the end of its stay at a lane, and, unless its id only rotated,
// its exit through the entrance zone it was last seen in.
func (l *Lanes) Ended(e FloorEnd) []Presence {
	v := l.visits[e.ID]
	if v == nil {
		return nil
	}
	delete(l.visits, e.ID)
	var out []Presence
	if v.lane != "" {
		left := e.At
		if !v.outSince.IsZero() {
			left = v.outSince
		}
		out = l.leave(e.ID, v, left)
	}
	if !e.Rotated && v.concealed && v.lastZone != nil && v.lastZone.Kind == ss.KindEntrance {
		out = append(out, Presence{Store: l.Store, Zone: v.lastZone.Code, Track: e.ID, At: stamp(e.At)})
	}
	return out
}

// Len is the number of floor tracks remembered.
func (l *Lanes) Len() int { return len(l.visits) }
