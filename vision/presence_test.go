package vision

import (
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// Lanes reports only tracks with an event, at the lane they stand in, ends
// the stay once they have been out of it for LeaveAfter (not on one stray
// sighting), and reports an exit through the entrance they were last seen
// in; a rotated id is no exit.
func TestLanes(t *testing.T) {
	t.Parallel()
	aisle := &ss.Zone{Code: "A", Kind: ss.KindAisle}
	lane2 := &ss.Zone{Code: "L2", Kind: ss.KindCheckout, Lane: "2"}
	lane3 := &ss.Zone{Code: "L3", Kind: ss.KindCheckout, Lane: "3"}
	selfScan := &ss.Zone{Code: "SC", Kind: ss.KindCheckout}
	door := &ss.Zone{Code: "E", Kind: ss.KindEntrance}
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ts := func(ms int) string { return stamp(at(ms)) }

	l := NewLanes("S1", time.Second)
	var got []Presence
	seen := func(track string, z *ss.Zone, ms int) { got = append(got, l.Seen(track, z, at(ms))...) }
	seen("a", aisle, 0)
	l.Concealed("a")
	seen("b", aisle, 0)   // b concealed nothing
	seen("a", lane2, 100) // enters lane 2
	seen("b", lane3, 100)
	seen("a", aisle, 200) // one stray sighting outside
	seen("a", lane2, 300)
	seen("a", nil, 400) // leaves for good: out from 400 ms
	seen("a", nil, 900)
	seen("a", door, 1400) // 1 s after 400 ms: the stay ends at 400 ms
	seen("b", door, 1500)
	seen("c", selfScan, 0) // a checkout zone without a lane is no lane
	l.Concealed("c")
	seen("c", selfScan, 100)
	got = append(got, l.Ended(FloorEnd{ID: "a", At: at(2000)})...)
	got = append(got, l.Ended(FloorEnd{ID: "b", At: at(2000)})...)
	want := []Presence{
		{Store: "S1", Lane: "2", Track: "a", At: ts(100)},
		{Store: "S1", Lane: "2", Track: "a", At: ts(100), LeftAt: ts(400)},
		{Store: "S1", Zone: "E", Track: "a", At: ts(2000)},
	}
	if len(got) != len(want) {
		t.Fatalf("presences %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("presence %d (%s): %+v, want %+v", i, got[i].Kind(), got[i], want[i])
		}
	}
	if l.Len() != 1 {
		t.Errorf("%d tracks remembered after two ended, want 1", l.Len())
	}

	// A track that conceals while standing at a lane is reported then; its
	// stay at the lane ends with the track; a rotated id is no exit even
	// when last seen at the door.
	l = NewLanes("S1", time.Second)
	got = nil
	seen("d", lane3, 0)
	l.Concealed("d")
	seen("d", lane3, 300)
	seen("d", lane2, 500) // straight to lane 2: out of 3 from 500 ms
	seen("d", lane2, 1500)
	got = append(got, l.Ended(FloorEnd{ID: "d", At: at(1700)})...)
	seen("e", door, 0)
	l.Concealed("e")
	got = append(got, l.Ended(FloorEnd{ID: "e", At: at(100), Rotated: true})...)
	want = []Presence{
		{Store: "S1", Lane: "3", Track: "d", At: ts(300)},
		{Store: "S1", Lane: "3", Track: "d", At: ts(300), LeftAt: ts(500)},
		{Store: "S1", Lane: "2", Track: "d", At: ts(1500)},
		{Store: "S1", Lane: "2", Track: "d", At: ts(1500), LeftAt: ts(1700)},
	}
	if len(got) != len(want) {
		t.Fatalf("presences %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("presence %d (%s): %+v, want %+v", i, got[i].Kind(), got[i], want[i])
		}
	}
}
