package vision

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// FloorConfig tunes the store's floor tracker; zero fields take the
// defaults shown.
type FloorConfig struct {
	// Gate is the farthest, in floor metres, a camera's new track may stand
	// from a floor track's last position to continue it (1).
	Gate float64
	// Handover is how long a floor track no camera sees may still be
	// continued by a camera's new track (2s); after it the track ends.
	Handover time.Duration
	// Location is the store's time zone: floor track ids rotate at its
	// local midnight (UTC).
	Location *time.Location
}

func (c *FloorConfig) defaults() {
	if c.Gate == 0 {
		c.Gate = 1
	}
	if c.Handover == 0 {
		c.Handover = 2 * time.Second
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
}

// FloorObs is one camera track's floor position in a frame.
type FloorObs struct {
	Track string  // the camera track's id
	X, Y  float64 // floor metres
}

// FloorEnd is a floor track id that ended: its track was seen by no camera
// for the hand-over window, or (Rotated) the store's day changed and the
// track goes on under a new id.
type FloorEnd struct {
	ID      string
	At      time.Time // when it was last seen
	Rotated bool
}

// floorTrack is one person on the store's floor, across cameras.
type floorTrack struct {
	id   string
	seq  int // creation order, for deterministic ties
	x, y float64
	last time.Time
	day  civilDay
	cams map[string]int // camera → its live tracks bound here (one, in practice)
}

type civilDay struct {
	y int
	m time.Month
	d int
}

type binding struct{ camera, track string }

// FloorTracker fuses the cameras' person tracks into store-level floor
// tracks: each camera places its people on the floor through its
// homography, and a camera's new track continues the nearest floor track
// within Gate metres that was seen within Handover and that this camera
// does not already see, so a shopper walking from the aisle camera's view
// into the checkout camera's keeps one floor track id. A camera track,
// once bound, stays bound until it ends.
//
// Assignment is greedy by distance within the gate: pairs are taken
// shortest first (ties by the floor track's age, then the order of the
// camera's tracks), which is deterministic and, with a gate smaller than
// the distance between two shoppers, gives the optimal assignment (each
// new track has at most one candidate). Only new tracks are assigned, a
// handful a frame, so an O(n² log n) pass costs nothing next to inference.
//
// Floor track ids are 64 random bits (crypto/rand), never derived from
// appearance, and rotate at the store's local midnight: a track alive
// across it goes on under a new id, so no id links two days.
//
// A FloorTracker is not safe for concurrent use; the Runner calls it under
// its frame lock.
type FloorTracker struct {
	cfg    FloorConfig
	tracks []*floorTrack
	bound  map[binding]*floorTrack
	now    time.Time // the latest time seen
	seq    int
	newID  func() string
}

// NewFloorTracker returns an empty floor tracker.
func NewFloorTracker(cfg FloorConfig) *FloorTracker {
	cfg.defaults()
	return &FloorTracker{cfg: cfg, bound: map[binding]*floorTrack{}, newID: randomID}
}

func (f *FloorTracker) dayOf(t time.Time) civilDay {
	y, m, d := t.In(f.cfg.Location).Date()
	return civilDay{y, m, d}
}

// Update places one camera's tracks seen in a frame at time at and returns
// the floor track id of each, in the order of obs. gone lists the camera's
// tracks that ended. ended lists the floor track ids that ended since the
// last call (rotated at midnight, or unseen for the hand-over window).
func (f *FloorTracker) Update(camera string, obs []FloorObs, gone []string, at time.Time) (ids []string, ended []FloorEnd) {
	if at.After(f.now) {
		f.now = at
	}
	for _, g := range gone {
		f.unbind(binding{camera, g})
	}
	ids = make([]string, len(obs))
	var fresh []int
	for i, o := range obs {
		if ft := f.bound[binding{camera, o.Track}]; ft != nil {
			ended = f.see(ft, o, at, ended)
			ids[i] = ft.id
			continue
		}
		fresh = append(fresh, i)
	}
	if len(fresh) > 0 {
		type pair struct {
			oi int
			ft *floorTrack
			d  float64
		}
		var pairs []pair
		for _, oi := range fresh {
			o := obs[oi]
			for _, ft := range f.tracks {
				if ft.cams[camera] > 0 || at.Sub(ft.last) > f.cfg.Handover {
					continue // this camera sees that person already, or it is gone
				}
				if d := math.Hypot(o.X-ft.x, o.Y-ft.y); d <= f.cfg.Gate {
					pairs = append(pairs, pair{oi, ft, d})
				}
			}
		}
		slices.SortStableFunc(pairs, func(a, b pair) int {
			return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.ft.seq, b.ft.seq), cmp.Compare(a.oi, b.oi))
		})
		for _, p := range pairs {
			if ids[p.oi] != "" || p.ft.cams[camera] > 0 {
				continue
			}
			f.bind(binding{camera, obs[p.oi].Track}, p.ft)
			ended = f.see(p.ft, obs[p.oi], at, ended)
			ids[p.oi] = p.ft.id
		}
		for _, oi := range fresh {
			if ids[oi] != "" {
				continue
			}
			f.seq++
			ft := &floorTrack{id: f.newID(), seq: f.seq, x: obs[oi].X, y: obs[oi].Y, last: at, day: f.dayOf(at), cams: map[string]int{}}
			f.tracks = append(f.tracks, ft)
			f.bind(binding{camera, obs[oi].Track}, ft)
			ids[oi] = ft.id
		}
	}
	return ids, f.expire(ended)
}

// see moves ft to o, first giving it a new id when at falls on a later
// local day than its id's.
func (f *FloorTracker) see(ft *floorTrack, o FloorObs, at time.Time, ended []FloorEnd) []FloorEnd {
	if day := f.dayOf(at); day != ft.day {
		ended = append(ended, FloorEnd{ID: ft.id, At: ft.last, Rotated: true})
		ft.id, ft.day = f.newID(), day
	}
	ft.x, ft.y = o.X, o.Y
	if at.After(ft.last) {
		ft.last = at
	}
	return ended
}

func (f *FloorTracker) bind(b binding, ft *floorTrack) {
	f.bound[b] = ft
	ft.cams[b.camera]++
}

func (f *FloorTracker) unbind(b binding) {
	if ft := f.bound[b]; ft != nil {
		delete(f.bound, b)
		if ft.cams[b.camera]--; ft.cams[b.camera] <= 0 {
			delete(ft.cams, b.camera)
		}
	}
}

// staleBinding is how long a camera track may go unreported before its
// binding is dropped anyway: a camera whose source stopped never reports
// its tracks as gone.
const staleBinding = time.Minute

// expire ends the floor tracks no live camera track holds that were last
// seen longer than the hand-over window ago.
func (f *FloorTracker) expire(ended []FloorEnd) []FloorEnd {
	keep := f.tracks[:0]
	for _, ft := range f.tracks {
		idle := f.now.Sub(ft.last)
		if idle > staleBinding {
			for b, t := range f.bound {
				if t == ft {
					f.unbind(b)
				}
			}
		}
		if len(ft.cams) == 0 && idle > f.cfg.Handover {
			ended = append(ended, FloorEnd{ID: ft.id, At: ft.last})
			continue
		}
		keep = append(keep, ft)
	}
	clear(f.tracks[len(keep):])
	f.tracks = keep
	return ended
}

// Close ends every floor track (the cameras have stopped) and returns them.
func (f *FloorTracker) Close() []FloorEnd {
	var ended []FloorEnd
	for _, ft := range f.tracks {
		ended = append(ended, FloorEnd{ID: ft.id, At: ft.last})
	}
	f.tracks, f.bound = nil, map[binding]*floorTrack{}
	return ended
}

// Len is the number of live floor tracks.
func (f *FloorTracker) Len() int { return len(f.tracks) }
