package vision

import (
	"sync/atomic"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/scene"
)

// checkoutRun is what the two-camera scene gave.
type checkoutRun struct {
	sink   *collect
	tracks map[string]bool // floor track ids of confirmed camera tracks
	t0     time.Time
}

func (r checkoutRun) at(frame int) string {
	return stamp(r.t0.Add(time.Duration(frame) * 100 * time.Millisecond))
}

// runCheckoutScene runs the two-camera scene through the real detector,
// both cameras' trackers and homographies, one floor tracker and the
// lanes, a frame of each camera every 100 ms.
func runCheckoutScene(t *testing.T, det *Detector, sc scene.CheckoutScript, close bool) checkoutRun {
	t.Helper()
	var zones atomic.Pointer[ZoneIndex]
	zones.Store(NewZoneIndex(scene.CheckoutZones()))
	sink := &collect{footfall: map[FootfallKey]int64{}}
	floor := NewFloorTracker(FloorConfig{Gate: 1, Handover: 2 * time.Second})
	lanes := NewLanes("S1", time.Second)
	var cams []*Camera
	for cam, id := range []string{"aisle", "checkout"} {
		var pairs []Correspondence
		for _, p := range scene.CameraCalibration(cam) {
			pairs = append(pairs, Correspondence{Image: p[0], Floor: p[1]})
		}
		h, worst, _, err := FitHomography(pairs)
		if err != nil || worst > 1e-9 {
			t.Fatalf("calibration of %s: %v, error %v", id, err, worst)
		}
		cams = append(cams, &Camera{ID: id, Store: "S1", H: h, Zones: &zones,
			Rule:    RuleConfig{Threshold: 0.5, K: 3, N: 5, Cooldown: 30 * time.Second},
			Methods: map[int]ss.Method{1: ss.MethodPocket, 2: ss.MethodBag}, Tracker: NewTracker(TrackerConfig{}),
			Footfall: NewFootfall(time.UTC), Sink: sink, Floor: floor, Lanes: lanes})
	}
	f := &Frame{W: scene.W, H: scene.H, Pix: make([]byte, 3*scene.W*scene.H)}
	lb := NewLetterbox(f.W, f.H, det.Size)
	lb.Fill(det.Input())
	run := checkoutRun{sink: sink, tracks: map[string]bool{}, t0: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	for i := 0; i < sc.Frames; i++ {
		at := run.t0.Add(time.Duration(i) * 100 * time.Millisecond)
		for cam, c := range cams {
			sc.Render(cam, i, f.Pix)
			lb.Apply(f, det.Input())
			if err := det.Run(); err != nil {
				t.Fatal(err)
			}
			people := People(Decode(det.Output(), det.Candidates, 3, []float64{0.4, 0.5, 0.5}, 0.45, lb, nil), 0, 3)
			if err := c.Step(people, at); err != nil {
				t.Fatal(err)
			}
			for _, tr := range c.Tracker.Tracks() {
				if st, _ := tr.State.(*trackState); st != nil && st.floor != "" {
					run.tracks[st.floor] = true
				}
			}
		}
	}
	if close {
		for _, e := range floor.Close() {
			for _, p := range lanes.Ended(e) {
				sink.Presence(p)
			}
		}
	}
	return run
}

func checkoutDetector(t *testing.T) *Detector {
	runtimeLib(t)
	det, err := NewDetector(testModel(t), 3, RuntimeOptions{IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(det.Close)
	return det
}

// The two-camera scene: A conceals in the aisle before the aisle camera,
// walks through the overlap into the checkout camera's view and to lane 2,
// keeping one floor track, which the event carries and the lane presence
// names; B, who concealed nothing, is never reported at lane 3. With the
// exit, A's stay at lane 2 ends when A walks on and A leaves through E.
func TestCheckoutScene(t *testing.T) {
	det := checkoutDetector(t)
	for _, exit := range []bool{false, true} {
		run := runCheckoutScene(t, det, scene.Checkout(exit, 0), false)
		evs := run.sink.events
		if len(evs) != 1 || evs[0].Camera != "aisle" || evs[0].Zone != "A" || evs[0].Method != ss.MethodPocket || evs[0].Category != "cosmetics" {
			t.Fatalf("exit %v: events %+v, want one pocket in A by the aisle camera", exit, evs)
		}
		a := evs[0].Track
		if len(run.tracks) != 2 || !run.tracks[a] {
			t.Errorf("exit %v: floor tracks %v, want 2 (A and B), A's %s among them", exit, run.tracks, a)
		}
		// The event fires on the 3rd concealing frame, 8; A is at lane 2 (x ≥ 9 m)
		// from frame 32, the first frame whose floor point lies in L2.
		if evs[0].OccurredAt != run.at(8) {
			t.Errorf("event at %s, want frame 8 %s", evs[0].OccurredAt, run.at(8))
		}
		want := []Presence{{Store: "S1", Lane: "2", Track: a, At: run.at(32)}}
		if exit {
			// Out of L2 (floor point at 11.005 m) from frame 80; last seen in E at
			// frame 87, the last frame showing at least the person threshold's
			// 40% of A in the checkout camera's view (10 of 16 columns; frame 88
			// shows 6).
			want = append(want,
				Presence{Store: "S1", Lane: "2", Track: a, At: run.at(32), LeftAt: run.at(80)},
				Presence{Store: "S1", Zone: "E", Track: a, At: run.at(87)})
		}
		got := run.sink.presences
		if len(got) != len(want) {
			t.Fatalf("exit %v: presences %+v, want %+v", exit, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("exit %v: presence %d: %+v, want %+v", exit, i, got[i], want[i])
			}
		}
	}
}

// A hidden from both cameras for 1 s keeps its floor track and is reported
// at lane 2; hidden for 3 s, longer than the hand-over window, A comes back
// as a new floor track that made no event, and nothing is reported.
func TestCheckoutSceneGap(t *testing.T) {
	det := checkoutDetector(t)
	for _, c := range []struct {
		hide   int
		tracks int
		linked bool
	}{{10, 2, true}, {30, 3, false}} {
		run := runCheckoutScene(t, det, scene.Checkout(false, c.hide), true)
		if len(run.sink.events) != 1 {
			t.Fatalf("hide %d: events %+v, want 1", c.hide, run.sink.events)
		}
		a := run.sink.events[0].Track
		if len(run.tracks) != c.tracks {
			t.Errorf("hide %d: %d floor tracks, want %d", c.hide, len(run.tracks), c.tracks)
		}
		var enters int
		for _, p := range run.sink.presences {
			if p.Track != a || p.Lane != "2" {
				t.Errorf("hide %d: presence %+v, want only A's at lane 2", c.hide, p)
			}
			if p.Kind() == "enter" {
				enters++
			}
		}
		if linked := enters == 1; linked != c.linked {
			t.Errorf("hide %d: presences %+v; A linked to lane 2: %v, want %v", c.hide, run.sink.presences, linked, c.linked)
		}
	}
}
