package vision

import (
	"crypto/rand"
	"encoding/hex"
	"sort"
)

// TrackerConfig tunes the tracker; zero fields take the defaults shown.
type TrackerConfig struct {
	IoU       float64 // least IoU of a match with the predicted box (0.3)
	High      float64 // detections at or above this score start tracks and match first (0.5)
	MinHits   int     // frames seen before a track is confirmed (3)
	MaxMisses int     // frames unseen before a track ends (15)
}

func (c *TrackerConfig) defaults() {
	if c.IoU == 0 {
		c.IoU = 0.3
	}
	if c.High == 0 {
		c.High = 0.5
	}
	if c.MinHits == 0 {
		c.MinHits = 3
	}
	if c.MaxMisses == 0 {
		c.MaxMisses = 15
	}
}

// Track is one anonymous person track on one camera.
type Track struct {
	ID        string // random, never derived from the person
	Box       Box    // last matched box
	Person    Person // last matched detection
	vx, vy    float64
	Hits      int
	Misses    int
	Confirmed bool
	Seen      bool // matched in the latest frame
	State     any  // the caller's per-track state
}

func (t *Track) predicted() Box {
	dx, dy := t.vx*float64(t.Misses+1), t.vy*float64(t.Misses+1)
	return Box{t.Box.X0 + dx, t.Box.Y0 + dy, t.Box.X1 + dx, t.Box.Y1 + dy}
}

// Tracker associates person detections across frames (SORT, Bewley et al.
// 2016, with a constant-velocity prediction in place of the Kalman filter,
// and ByteTrack's second pass, Zhang et al. 2022, matching low-score
// detections to tracks the first pass left).
type Tracker struct {
	cfg    TrackerConfig
	tracks []*Track
	newID  func() string
}

// NewTracker returns an empty tracker.
func NewTracker(cfg TrackerConfig) *Tracker {
	cfg.defaults()
	return &Tracker{cfg: cfg, newID: randomID}
}

// randomID is 64 random bits: a track id says nothing about the person and
// cannot be linked to another track, today or any other day.
func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Tracks returns the live tracks.
func (t *Tracker) Tracks() []*Track { return t.tracks }

// Update matches one frame's people to tracks and returns the tracks after
// the frame; ended tracks are returned in ended.
func (t *Tracker) Update(people []Person) (live, ended []*Track) {
	for _, tr := range t.tracks {
		tr.Seen = false
	}
	used := make([]bool, len(people))
	for pass := 0; pass < 2; pass++ {
		type pair struct {
			ti, di int
			iou    float64
		}
		var pairs []pair
		for ti, tr := range t.tracks {
			if tr.Seen {
				continue
			}
			pb := tr.predicted()
			for di, p := range people {
				if used[di] || (pass == 0) != (p.Score >= t.cfg.High) {
					continue
				}
				if v := IoU(pb, p.Box); v >= t.cfg.IoU {
					pairs = append(pairs, pair{ti, di, v})
				}
			}
		}
		sort.Slice(pairs, func(i, j int) bool { return pairs[i].iou > pairs[j].iou })
		for _, p := range pairs {
			tr := t.tracks[p.ti]
			if tr.Seen || used[p.di] {
				continue
			}
			used[p.di] = true
			t.match(tr, people[p.di])
		}
	}
	live = t.tracks[:0]
	for _, tr := range t.tracks {
		if !tr.Seen {
			tr.Misses++
			if tr.Misses > t.cfg.MaxMisses {
				ended = append(ended, tr)
				continue
			}
		}
		live = append(live, tr)
	}
	for di, p := range people {
		if !used[di] && p.Score >= t.cfg.High {
			tr := &Track{ID: t.newID(), Box: p.Box, Person: p, Hits: 1, Seen: true}
			tr.Confirmed = tr.Hits >= t.cfg.MinHits
			live = append(live, tr)
		}
	}
	t.tracks = live
	return live, ended
}

func (t *Tracker) match(tr *Track, p Person) {
	ox, oy := tr.Box.Centre()
	nx, ny := p.Box.Centre()
	steps := float64(tr.Misses + 1)
	tr.vx = 0.5*tr.vx + 0.5*(nx-ox)/steps
	tr.vy = 0.5*tr.vy + 0.5*(ny-oy)/steps
	tr.Box, tr.Person = p.Box, p
	tr.Hits++
	tr.Misses = 0
	tr.Seen = true
	if tr.Hits >= t.cfg.MinHits {
		tr.Confirmed = true
	}
}
