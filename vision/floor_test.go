package vision

import (
	"regexp"
	"testing"
	"time"
)

// floorStep is one camera frame for the floor tracker: its tracks' floor
// positions, the tracks that ended, and the floor track each observation
// must get, as a label: the same label is the same id, a new label a new
// id never seen before.
type floorStep struct {
	cam  string
	at   time.Duration // after t0
	obs  []FloorObs
	gone []string
	want []string
}

func TestFloorTracker(t *testing.T) {
	t.Parallel()
	s := time.Second
	ms := time.Millisecond
	o := func(track string, x, y float64) FloorObs { return FloorObs{Track: track, X: x, Y: y} }
	cases := []struct {
		name  string
		steps []floorStep
	}{
		{"hand-over in the overlap keeps one id", []floorStep{
			{"aisle", 0, []FloorObs{o("a1", 4, 2)}, nil, []string{"A"}},
			{"aisle", 500 * ms, []FloorObs{o("a1", 5, 2)}, nil, []string{"A"}},
			{"checkout", 600 * ms, []FloorObs{o("c1", 5.3, 2.1)}, nil, []string{"A"}},
			{"aisle", 700 * ms, []FloorObs{o("a1", 5.5, 2)}, nil, []string{"A"}},
			{"aisle", 800 * ms, nil, []string{"a1"}, nil},
			{"checkout", 3 * s, []FloorObs{o("c1", 9, 2)}, nil, []string{"A"}},
		}},
		{"a gap within the hand-over window keeps one id", []floorStep{
			{"aisle", 0, []FloorObs{o("a1", 7, 2)}, nil, []string{"A"}},
			{"aisle", 100 * ms, nil, []string{"a1"}, nil},
			{"checkout", 2 * s, []FloorObs{o("c1", 7.5, 2)}, nil, []string{"A"}},
		}},
		{"a gap longer than the hand-over window makes two", []floorStep{
			{"aisle", 0, []FloorObs{o("a1", 7, 2)}, nil, []string{"A"}},
			{"aisle", 100 * ms, nil, []string{"a1"}, nil},
			{"checkout", 2*s + 1*ms, []FloorObs{o("c1", 7, 2)}, nil, []string{"B"}},
		}},
		{"at the gate distance it continues", []floorStep{
			{"aisle", 0, []FloorObs{o("a1", 5, 2)}, nil, []string{"A"}},
			{"checkout", 100 * ms, []FloorObs{o("c1", 6, 2)}, nil, []string{"A"}},
		}},
		{"just past the gate it does not", []floorStep{
			{"aisle", 0, []FloorObs{o("a1", 5, 2)}, nil, []string{"A"}},
			{"checkout", 100 * ms, []FloorObs{o("c1", 6.001, 2)}, nil, []string{"B"}},
		}},
		{"two people at once, far apart, stay two and are handed over each to its own", []floorStep{
			{"aisle", 0, []FloorObs{o("a1", 1, 1), o("a2", 5, 1)}, nil, []string{"A", "B"}},
			{"checkout", 100 * ms, []FloorObs{o("c1", 5.2, 1), o("c2", 1.1, 1)}, nil, []string{"B", "A"}},
		}},
		{"the assignment takes the shortest pair first, not the first track", []floorStep{
			// p at 3.1 is 0.1 from A; q at 3.4 is nearer A (0.4) than B (0.6):
			// taking q first would pair q–A and p–B (0.9); shortest first pairs
			// p–A, q–B.
			{"aisle", 0, []FloorObs{o("a1", 3, 1), o("a2", 4, 1)}, nil, []string{"A", "B"}},
			{"checkout", 100 * ms, []FloorObs{o("q", 3.4, 1), o("p", 3.1, 1)}, nil, []string{"B", "A"}},
		}},
		{"one camera's second track beside its first is another person", []floorStep{
			{"aisle", 0, []FloorObs{o("a1", 1, 1)}, nil, []string{"A"}},
			{"aisle", 100 * ms, []FloorObs{o("a1", 1, 1), o("a2", 1.3, 1)}, nil, []string{"A", "B"}},
		}},
		{"a track the camera lost and found again within the window continues", []floorStep{
			{"aisle", 0, []FloorObs{o("a1", 1, 1)}, nil, []string{"A"}},
			{"aisle", 500 * ms, nil, []string{"a1"}, nil},
			{"aisle", 1 * s, []FloorObs{o("a9", 1.5, 1)}, nil, []string{"A"}},
		}},
	}
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := NewFloorTracker(FloorConfig{Gate: 1, Handover: 2 * time.Second})
			runFloorSteps(t, f, t0, c.steps)
		})
	}
}

func runFloorSteps(t *testing.T, f *FloorTracker, t0 time.Time, steps []floorStep) map[string]string {
	t.Helper()
	ids := map[string]string{}    // label → id
	labels := map[string]string{} // id → label
	hexID := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for i, st := range steps {
		got, _ := f.Update(st.cam, st.obs, st.gone, t0.Add(st.at))
		if len(got) != len(st.want) {
			t.Fatalf("step %d: %d ids for %d observations", i, len(got), len(st.want))
		}
		for k, id := range got {
			if !hexID.MatchString(id) {
				t.Fatalf("step %d: id %q is not 64 random bits in hex", i, id)
			}
			label := st.want[k]
			if want, ok := ids[label]; ok && want != id {
				t.Errorf("step %d (%s %s): floor track %s, want %s's %s", i, st.cam, st.obs[k].Track, id, label, want)
			}
			if l, ok := labels[id]; ok && l != label {
				t.Errorf("step %d (%s %s): got %s's id, want a track of its own (%s)", i, st.cam, st.obs[k].Track, l, label)
			}
			ids[label], labels[id] = id, label
		}
	}
	return ids
}

// A floor track nobody sees ends after the hand-over window, reported
// with the time it was last seen; one a camera still holds does not.
func TestFloorTrackerEnds(t *testing.T) {
	t.Parallel()
	f := NewFloorTracker(FloorConfig{Gate: 1, Handover: 2 * time.Second})
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ids, _ := f.Update("aisle", []FloorObs{{Track: "a1", X: 1, Y: 1}, {Track: "a2", X: 5, Y: 1}}, nil, t0)
	if _, ended := f.Update("aisle", []FloorObs{{Track: "a2", X: 5, Y: 1}}, []string{"a1"}, t0.Add(time.Second)); len(ended) != 0 {
		t.Fatalf("ended %v within the window", ended)
	}
	_, ended := f.Update("aisle", nil, nil, t0.Add(2*time.Second+time.Millisecond))
	if len(ended) != 1 || ended[0] != (FloorEnd{ID: ids[0], At: t0}) {
		t.Fatalf("ended %+v, want %s last seen at t0", ended, ids[0])
	}
	if f.Len() != 1 {
		t.Errorf("%d live floor tracks, want 1 (a2's camera still holds it)", f.Len())
	}
	if all := f.Close(); len(all) != 1 || all[0].ID != ids[1] || all[0].At != t0.Add(time.Second) {
		t.Errorf("Close %+v, want %s last seen at t0+1s", all, ids[1])
	}
}

// Floor track ids rotate at the store's local midnight, not UTC's and
// not every 24 hours, on both daylight-saving days of Europe/London.
func TestFloorTrackerDayRotation(t *testing.T) {
	t.Parallel()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name   string
		times  []string // one camera track seen at each
		rotate []bool   // whether the id changes at this sighting
	}{
		// Clocks went forward on 2026-03-29 at 01:00 UTC; midnight of
		// 30 March (BST) is 23:00 UTC on the 29th.
		{"spring: local midnight is 23:00 UTC", []string{"2026-03-29T22:58:00Z", "2026-03-29T22:59:59Z", "2026-03-29T23:00:00Z", "2026-03-29T23:59:59Z", "2026-03-30T00:00:01Z"},
			[]bool{false, false, true, false, false}},
		// The day clocks went forward is 23 hours long: 00:00 GMT to 23:00 UTC.
		{"spring: a 23-hour day", []string{"2026-03-28T23:59:59Z", "2026-03-29T00:00:00Z", "2026-03-29T22:59:59Z"},
			[]bool{false, true, false}},
		// Clocks went back on 2026-10-25 at 01:00 UTC; that day runs from
		// 23:00 UTC on the 24th to 00:00 UTC on the 26th, 25 hours.
		{"autumn: a 25-hour day", []string{"2026-10-24T22:59:59Z", "2026-10-24T23:00:00Z", "2026-10-25T23:59:59Z", "2026-10-26T00:00:00Z"},
			[]bool{false, true, false, true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := NewFloorTracker(FloorConfig{Location: london})
			var prev string
			var prevAt time.Time
			for i, s := range c.times {
				at := utc(s)
				ids, ended := f.Update("aisle", []FloorObs{{Track: "a1", X: 1, Y: 1}}, nil, at)
				if i == 0 {
					prev, prevAt = ids[0], at
					continue
				}
				if rotated := ids[0] != prev; rotated != c.rotate[i] {
					t.Errorf("%s (%s local): id rotated %v, want %v", s, at.In(london).Format("2006-01-02 15:04:05 MST"), rotated, c.rotate[i])
				}
				if c.rotate[i] && (len(ended) != 1 || ended[0] != (FloorEnd{ID: prev, At: prevAt, Rotated: true})) {
					t.Errorf("%s: ended %+v, want the old id %s rotated, last seen %s", s, ended, prev, prevAt)
				}
				if !c.rotate[i] && len(ended) != 0 {
					t.Errorf("%s: ended %+v, want none", s, ended)
				}
				prev, prevAt = ids[0], at
			}
		})
	}
}
