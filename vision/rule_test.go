package vision

import (
	"testing"
	"time"
)

func TestRuleKOfNWithCooldown(t *testing.T) {
	t.Parallel()
	r := RuleConfig{Threshold: 0.5, K: 3, N: 5, Cooldown: 10 * time.Second}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		scores []float64
		fires  []int // frame indices that fire
		peak   float64
	}{
		{"never passes", []float64{0.4, 0.49, 0.3, 0.2, 0.45, 0.49}, nil, 0},
		{"two of five", []float64{0.9, 0.9, 0, 0, 0, 0.9, 0, 0}, nil, 0},
		{"three of five, spread", []float64{0.6, 0, 0.7, 0, 0.65}, []int{4}, 0.7},
		{"three in a row fires once", []float64{0.6, 0.8, 0.7, 0.9, 0.9, 0.9, 0.9}, []int{2}, 0.8},
		{"fallen out of the window", []float64{0.9, 0.9, 0, 0, 0, 0.9}, nil, 0},
	}
	for _, c := range cases {
		var st RuleState
		var fired []int
		var peak float64
		for i, s := range c.scores {
			if f, ok := r.Observe(&st, t0.Add(time.Duration(i)*time.Second), s, 1); ok {
				fired = append(fired, i)
				peak = f.Peak
			}
		}
		if len(fired) != len(c.fires) || (len(fired) > 0 && (fired[0] != c.fires[0] || peak != c.peak)) {
			t.Errorf("%s: fired at %v peak %v, want %v peak %v", c.name, fired, peak, c.fires, c.peak)
		}
	}
	// After the cooldown a new act fires again.
	var st RuleState
	n := 0
	for i := 0; i < 30; i++ {
		if _, ok := r.Observe(&st, t0.Add(time.Duration(i)*time.Second), 0.9, 2); ok {
			n++
		}
	}
	if n != 3 { // at 2 s, 12 s, 22 s
		t.Errorf("30 s of concealment with a 10 s cooldown fired %d times, want 3", n)
	}
}

func TestTrackerKeepsIdentitiesThroughCrossingAndGaps(t *testing.T) {
	t.Parallel()
	tr := NewTracker(TrackerConfig{})
	box := func(x, y float64) Person { return Person{Box: Box{x, y, x + 20, y + 40}, Score: 0.9} }
	var ids [2]string
	for i := 0; i < 30; i++ {
		// Two people walk towards each other along one line, 4 px a frame,
		// passing at frame 15; the first is missed in frames 20-22.
		a, b := box(float64(4*i), 100), box(float64(120-4*i), 104)
		var people []Person
		if i < 20 || i > 22 {
			people = append(people, a)
		}
		people = append(people, b)
		live, ended := tr.Update(people)
		if len(ended) > 0 {
			t.Fatalf("frame %d: a track ended", i)
		}
		for _, x := range live {
			if !x.Seen {
				continue
			}
			cx, _ := x.Box.Centre()
			k := 0
			if (i < 15) == (cx > 70) {
				k = 1
			}
			if i == 15 {
				continue // side by side at the crossing
			}
			if ids[k] == "" {
				ids[k] = x.ID
			} else if ids[k] != x.ID {
				t.Fatalf("frame %d: person %d changed track %s → %s", i, k, ids[k], x.ID)
			}
		}
	}
	if len(tr.Tracks()) != 2 || ids[0] == ids[1] || len(ids[0]) != 16 {
		t.Errorf("tracks %v ids %v", len(tr.Tracks()), ids)
	}
	for i := 0; i < 16; i++ {
		tr.Update(nil)
	}
	if len(tr.Tracks()) != 0 {
		t.Error("tracks unseen for more than 15 frames are ended")
	}
}

func TestFootfallHoursAreLocalAcrossDST(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no tzdata")
	}
	f := NewFootfall(loc)
	// 2026-03-29 01:00 UTC clocks go forward: 00:30 UTC is 00:30 GMT, 01:30 UTC is 02:30 BST.
	k1, _ := f.Add("A", time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC))
	k2, n := f.Add("A", time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC))
	k3, n3 := f.Add("A", time.Date(2026, 3, 29, 1, 59, 0, 0, time.UTC))
	if !k1.Hour.Equal(time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)) || !k2.Hour.Equal(time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)) || n != 1 || k3 != k2 || n3 != 2 {
		t.Errorf("%v %v %d %v %d", k1, k2, n, k3, n3)
	}
	// 2026-10-25 01:00 UTC clocks go back: 01:00-02:00 local comes twice, as
	// two hours: 00:30 UTC is 01:30 BST (hour from 00:00 UTC), 01:30 UTC is
	// 01:30 GMT (hour from 01:00 UTC).
	a, _ := f.Add("A", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC))
	b, _ := f.Add("A", time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC))
	if !a.Hour.Equal(time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC)) || !b.Hour.Equal(time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("the repeated hour: %v and %v, want 00:00 and 01:00 UTC", a.Hour, b.Hour)
	}
	// Kolkata is UTC+5:30: its hours start at :30 UTC.
	ind, _ := time.LoadLocation("Asia/Kolkata")
	g := NewFootfall(ind)
	k, _ := g.Add("", time.Date(2026, 3, 1, 10, 10, 0, 0, time.UTC))
	if !k.Hour.Equal(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("Kolkata hour %v", k.Hour)
	}
}
