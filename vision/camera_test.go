package vision

import (
	"sync/atomic"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/scene"
)

// collect is a Sink that keeps what it is given.
type collect struct {
	events    []ss.EventInput
	footfall  map[FootfallKey]int64
	presences []Presence
}

func (c *collect) Presence(p Presence) error { c.presences = append(c.presences, p); return nil }

func (c *collect) Event(ev ss.EventInput) error { c.events = append(c.events, ev); return nil }
func (c *collect) Footfall(k FootfallKey, n int64) error {
	c.footfall[k] = n
	return nil
}

func sceneHomography(t *testing.T) Homography {
	var pairs []Correspondence
	for _, p := range scene.Calibration() {
		pairs = append(pairs, Correspondence{Image: p[0], Floor: p[1]})
	}
	h, worst, _, err := FitHomography(pairs)
	if err != nil || worst > 1e-9 {
		t.Fatalf("scene calibration: %v, error %v", err, worst)
	}
	return h
}

// The standard scene through the real detector, tracker, homography, zones
// and rule gives the scene's known answers.
func TestCameraOnStandardScene(t *testing.T) {
	runtimeLib(t)
	det, err := NewDetector(testModel(t), 3, RuntimeOptions{IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	var zones atomic.Pointer[ZoneIndex]
	zones.Store(NewZoneIndex(scene.Zones()))
	sink := &collect{footfall: map[FootfallKey]int64{}}
	cam := &Camera{ID: "cam-1", Store: "S1", Entrance: true, H: sceneHomography(t), Zones: &zones,
		Rule:    RuleConfig{Threshold: 0.5, K: 3, N: 5, Cooldown: 30 * time.Second},
		Methods: map[int]ss.Method{1: ss.MethodPocket, 2: ss.MethodBag}, Tracker: NewTracker(TrackerConfig{}),
		Footfall: NewFootfall(time.UTC), Sink: sink}
	sc := scene.Standard()
	f := &Frame{W: scene.W, H: scene.H, Pix: make([]byte, 3*scene.W*scene.H)}
	lb := NewLetterbox(f.W, f.H, det.Size)
	lb.Fill(det.Input())
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tracks := map[string]bool{}
	for i := 0; i < sc.Frames; i++ {
		sc.Render(i, f.Pix)
		lb.Apply(f, det.Input())
		if err := det.Run(); err != nil {
			t.Fatal(err)
		}
		people := People(Decode(det.Output(), det.Candidates, 3, []float64{0.4, 0.5, 0.5}, 0.45, lb, nil), 0, 3)
		if len(people) != 2 {
			t.Fatalf("frame %d: %d people, want 2", i, len(people))
		}
		if err := cam.Step(people, t0.Add(time.Duration(i)*200*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		for _, tr := range cam.Tracker.Tracks() {
			tracks[tr.ID] = true
		}
	}
	if len(tracks) != 2 {
		t.Errorf("%d tracks, want 2 (one per person, kept through the walk)", len(tracks))
	}
	if len(sink.events) != 2 {
		t.Fatalf("events %+v, want 2", sink.events)
	}
	want := map[ss.Method]struct {
		zone, cat string
		score     float64
		value     float64
		frame     int
	}{
		ss.MethodPocket: {"A", "cosmetics", 0.75, 12.5, 12}, // fires on the 3rd frame of 10-17
		ss.MethodBag:    {"B", "spirits", 1, 30, 6},         // on the 3rd frame of 4-11
	}
	for _, ev := range sink.events {
		w, ok := want[ev.Method]
		at := t0.Add(time.Duration(w.frame) * 200 * time.Millisecond).Format(time.RFC3339Nano)
		if !ok || ev.Zone != w.zone || ev.Category != w.cat || *ev.Score != w.score || *ev.EstValue != w.value ||
			ev.Camera != "cam-1" || ev.Store != "S1" || !tracks[ev.Track] || ev.OccurredAt != at {
			t.Errorf("event %+v (score %v value %v), want %+v at %s", ev, *ev.Score, *ev.EstValue, w, at)
		}
	}
	wantFF := map[FootfallKey]int64{{"A", t0}: 2, {"B", t0}: 2, {"", t0}: 2}
	if len(sink.footfall) != len(wantFF) {
		t.Errorf("footfall %v, want %v", sink.footfall, wantFF)
	}
	for k, n := range wantFF {
		if sink.footfall[k] != n {
			t.Errorf("footfall %v = %d, want %d", k, sink.footfall[k], n)
		}
	}
}
