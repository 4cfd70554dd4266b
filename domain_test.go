package shrinkscope

import (
	"testing"
	"time"
)

func TestValidCode(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]bool{
		"S001": true, "store-12.b_3": true, "a": true, "": false, "-S1": false, "S 1": false,
		"Ü1": false, "S1/2": false, string(make([]byte, 65)): false,
	} {
		if got := ValidCode(code); got != want {
			t.Errorf("ValidCode(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestOpeningHours(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		h    OpeningHours
		ok   bool
	}{
		{"day", OpeningHours{"mon": {{"08:00", "22:00"}}}, true},
		{"split", OpeningHours{"sat": {{"08:00", "13:00"}, {"14:00", "24:00"}}}, true},
		{"empty", OpeningHours{}, false},
		{"reversed", OpeningHours{"mon": {{"22:00", "08:00"}}}, false},
		{"overlap", OpeningHours{"mon": {{"08:00", "13:00"}, {"12:00", "18:00"}}}, false},
		{"bad clock", OpeningHours{"mon": {{"8:00", "22:00"}}}, false},
		{"past midnight", OpeningHours{"mon": {{"08:00", "24:30"}}}, false},
		{"bad day", OpeningHours{"funday": {{"08:00", "22:00"}}}, false},
	}
	for _, c := range cases {
		if err := c.h.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", c.name, err, c.ok)
		}
	}
	h := OpeningHours{"sat": {{"08:00", "13:00"}, {"14:00", "24:00"}}}
	for _, c := range []struct {
		minute int
		open   bool
	}{{7*60 + 59, false}, {8 * 60, true}, {13 * 60, false}, {14 * 60, true}, {23*60 + 59, true}} {
		if got := h.OpenAt(time.Saturday, c.minute); got != c.open {
			t.Errorf("OpenAt(sat, %d) = %v, want %v", c.minute, got, c.open)
		}
	}
	if h.OpenAt(time.Sunday, 600) {
		t.Errorf("open on a day without hours")
	}
}

func TestOnLocalHour(t *testing.T) {
	t.Parallel()
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	london, _ := time.LoadLocation("Europe/London")
	utc := time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC) // 02:00 BST, just after the spring change
	if !OnLocalHour(utc, london) || OnLocalHour(utc, kolkata) || !OnLocalHour(utc.Add(30*time.Minute), kolkata) {
		t.Errorf("local hour detection wrong around %v", utc)
	}
}

func TestEventParse(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	score := 0.9
	in := EventInput{ID: "0190a5d2-0c3e-7b3a-9d3e-2f1c5b7a9e01", Store: "S1", Zone: "Z1", OccurredAt: "2026-06-01T13:00:00+02:00", Score: &score}
	var be BatchError
	ev, ok := in.Parse(0, now, &be)
	if !ok || ev.Method != MethodUnknown || ev.EstValue != -1 || !ev.OccurredAt.Equal(time.Date(2026, 6, 1, 11, 0, 0, 0, time.UTC)) {
		t.Fatalf("parse: ok=%v %+v %v", ok, ev, be.Items)
	}
	in.OccurredAt = "2026-06-01T12:16:00Z" // 16 minutes ahead of the server clock
	if _, ok := in.Parse(0, now, &be); ok || be.Items[0].Field != "occurred_at" {
		t.Errorf("future event accepted: %v", be.Items)
	}
	in.OccurredAt = "2026-06-01T12:14:00Z" // within the allowed clock skew
	if _, ok := in.Parse(1, now, &be); !ok {
		t.Errorf("event within clock skew refused: %v", be.Items)
	}
}

func TestOutcomeClasses(t *testing.T) {
	t.Parallel()
	want := map[OutcomeKind]OutcomeClass{
		OutcomePaid: ClassRecovered, OutcomeNudgedPaid: ClassRecovered, OutcomeBlockedRecovered: ClassRecovered,
		OutcomeIntervenedRecovered: ClassRecovered, OutcomeWalkedOut: ClassLost, OutcomeConfirmed: ClassConfirmed, OutcomeFalsePositive: ClassFalse,
		OutcomeUnresolved: ClassOpen, "": ClassOpen,
	}
	for k, c := range want {
		if k.Class() != c {
			t.Errorf("%q in class %s, want %s", k, k.Class(), c)
		}
	}
	for _, k := range []OutcomeKind{OutcomeNudgedPaid, OutcomeBlockedRecovered, OutcomeIntervenedRecovered} {
		if !k.Intervention() {
			t.Errorf("%s is an intervention", k)
		}
	}
	if OutcomePaid.Intervention() {
		t.Errorf("paid without a nudge is not an intervention")
	}
}

func TestSelfIntersection(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		ring []Point
		bad  bool
	}{
		{"rectangle", Rect(0, 0, 4, 3), false},
		{"triangle", []Point{{0, 0}, {4, 0}, {2, 3}, {0, 0}}, false},
		{"concave L", []Point{{0, 0}, {4, 0}, {4, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}, false},
		{"repeated position", []Point{{0, 0}, {4, 0}, {4, 0}, {4, 3}, {0, 3}, {0, 0}}, false},
		{"bow tie", []Point{{0, 0}, {4, 3}, {4, 0}, {0, 3}, {0, 0}}, true},
		{"touching vertex", []Point{{0, 0}, {4, 0}, {2, 2}, {4, 4}, {0, 4}, {2, 2}, {0, 0}}, true},
		{"spike folding back", []Point{{0, 0}, {4, 0}, {6, 0}, {4, 0}, {4, 3}, {0, 3}, {0, 0}}, true},
		{"collinear overlap", []Point{{0, 0}, {4, 0}, {4, 2}, {2, 2}, {2, 0}, {1, 0}, {1, 3}, {0, 3}, {0, 0}}, true},
	} {
		if _, _, got := SelfIntersection(c.ring); got != c.bad {
			t.Errorf("%s: self-intersecting %v, want %v", c.name, got, c.bad)
		}
	}
}
