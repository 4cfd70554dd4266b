package findings

import (
	"math"
	"testing"
)

func flat(n int, c int64) Weeks {
	w := Weeks{}
	for range n {
		w.Counts = append(w.Counts, c)
		w.Exposure = append(w.Exposure, 1)
	}
	return w
}

func TestCUSUMPath(t *testing.T) {
	// Six weeks of 10 (rate 10 per week), then 15, 15, 5, with δ = 1.5.
	// Upper k = 0.5/ln 1.5 = 1.2331517…, so each week adds y − 12.3315:
	// 15 → 2.668 (run 1), 15 → 5.337 (run 2), 5 → 0 (reset).
	// Lower k' = (1 − 2/3)/ln 1.5 = 0.8221…; it stays at 0 until week 8,
	// whose reference is re-read then (it was at zero): 90 events over 8
	// weeks = 11.25, so it adds 0.8221·11.25 − 5 = 4.249 > 0 (run 1).
	w := flat(6, 10)
	w.Counts = append(w.Counts, 15, 15, 5)
	w.Exposure = append(w.Exposure, 1, 1, 1)
	p := newPrefix(w)
	cfg := DefaultConfig
	for _, c := range []struct{ t, up, down int }{{6, 1, 0}, {7, 2, 0}, {8, 0, 1}} {
		up, down := p.cusum(0, c.t, cfg)
		if up != c.up || down != c.down {
			t.Errorf("week %d: runs up %d down %d, want %d %d", c.t, up, down, c.up, c.down)
		}
	}
	// A breakpoint at week 3 leaves too little history for week 8's CUSUMs
	// to start before week 9: nothing runs.
	up, down := p.cusum(3, 8, cfg)
	if up != 0 || down != 0 {
		t.Errorf("after a breakpoint: runs %d %d, want 0 0", up, down)
	}
}

func TestJudgeOneWeek(t *testing.T) {
	// Six weeks of 10, then 30 with equal exposure: given 90 in all, the
	// week's count is Binomial(90, 1/7) under no change. Expected 10, ratio 3.
	w := flat(6, 10)
	w.Counts = append(w.Counts, 30)
	w.Exposure = append(w.Exposure, 1)
	v := Judge(w, 6, Config{})
	if !v.Judged || v.Direction != Up || v.Observed != 30 || v.Weeks != 1 || v.Running != 1 {
		t.Fatalf("verdict %+v", v)
	}
	near(t, "expected", v.Expected, 10, 1e-12)
	near(t, "ratio", v.Ratio, 3, 1e-12)
	pUp := binomialExact(30, 90, 1, 7)
	near(t, "PWeek", v.PWeek, 2*pUp, 1e-9)
	near(t, "P", v.P, 4*pUp, 1e-9)
	v.Interval(Config{})
	if !(v.Lo < 3 && 3 < v.Hi && v.Lo > 1) {
		t.Errorf("interval %g–%g should hold 3 and exclude 1", v.Lo, v.Hi)
	}
	// Twice the exposure halves the rate: 30 against 20 expected.
	w.Exposure[6] = 2
	v = Judge(w, 6, Config{})
	near(t, "expected at double footfall", v.Expected, 20, 1e-12)
	near(t, "PWeek at double footfall", v.PWeek, 2*binomialExact(30, 90, 2, 8), 1e-9)
	// Too little history: not judged.
	if v := Judge(flat(5, 10), 4, Config{MinHistory: 6}); v.Judged {
		t.Errorf("judged with 4 weeks of history: %+v", v)
	}
	// A decrease is a finding too.
	w = flat(10, 20)
	w.Counts = append(w.Counts, 3)
	w.Exposure = append(w.Exposure, 1)
	v = Judge(w, 10, Config{})
	if v.Direction != Down || v.Ratio >= 0.2 {
		t.Errorf("decrease: %+v", v)
	}
	near(t, "PWeek down", v.PWeek, 2*(1-binomialExact(4, 203, 1, 11)), 1e-9)
}

func TestJudgeDrift(t *testing.T) {
	// Twelve weeks of 20, then four of 30 (1.5×): each week alone is weak,
	// the four weeks of the upper CUSUM's run together are not.
	w := flat(12, 20)
	for range 4 {
		w.Counts = append(w.Counts, 30)
		w.Exposure = append(w.Exposure, 1)
	}
	v := Judge(w, 15, Config{})
	if v.Direction != Up || v.Weeks != 4 || v.Running != 4 || v.Observed != 120 {
		t.Fatalf("drift verdict %+v", v)
	}
	near(t, "expected", v.Expected, 80, 1e-12)
	// The window 12–15 against weeks 0–11: 120 of 360, share 4/16, corrected
	// by 2·(MaxRun − 1) = 14 windows, then 2 tests.
	pWin := binomialExact(120, 360, 1, 4)
	near(t, "PDrift", v.PDrift, 14*pWin, 1e-9)
	near(t, "P", v.P, 28*pWin, 1e-9)
	if v.PDrift >= v.PWeek {
		t.Errorf("drift p %g should beat the week's %g", v.PDrift, v.PWeek)
	}
	// The breakpoint moves the baseline: with From = 12, weeks 12–15 are
	// the only history, so week 15 is not judged.
	w.From = 12
	if v := Judge(w, 15, Config{}); v.Judged {
		t.Errorf("judged across a breakpoint: %+v", v)
	}
}

func TestJudgeEmptyBaseline(t *testing.T) {
	// Nothing in eight weeks, then 3: expected 0, the ratio unbounded, and
	// P(all 3 fall in the week | 3 in all) = (1/9)^3.
	w := flat(8, 0)
	w.Counts = append(w.Counts, 3)
	w.Exposure = append(w.Exposure, 1)
	v := Judge(w, 8, Config{})
	v.Interval(Config{})
	if !math.IsInf(v.Ratio, 1) || !math.IsInf(v.Hi, 1) || v.Expected != 0 {
		t.Errorf("empty baseline: %+v", v)
	}
	near(t, "PWeek", v.PWeek, 2*math.Pow(1.0/9, 3), 1e-12)
	// No events anywhere: nothing to say, p = 1.
	v = Judge(flat(9, 0), 8, Config{})
	if v.P != 1 {
		t.Errorf("all zero: p %g, want 1", v.P)
	}
}

func TestRunningWeeks(t *testing.T) {
	// Ten weeks of 10, then 13, 14 and 30: the last two weeks before the
	// spike were above the baseline too (whichever test wins, its baseline
	// rate is at most 10.6), the one before them was not: third week running.
	w := flat(10, 10)
	w.Counts = append(w.Counts, 13, 14, 30)
	w.Exposure = append(w.Exposure, 1, 1, 1)
	v := Judge(w, 12, Config{})
	if v.Direction != Up || v.Running != 3 {
		t.Fatalf("verdict %+v, want up, 3 weeks running", v)
	}
	ratio := 3.0
	f := Stored{Series: Series0{Store: "S001", Zone: "Z07"}, ZoneName: "Spirits", BlockLabel: BlockLabel(BlockOf(4, 18)),
		Direction: "up", Observed: 14, Expected: 4.1, Weeks: 1, Running: v.Running, Ratio: &ratio}
	if got, want := Sentence(f), "Z07 Spirits, Friday 18–21 h: 14 events against 4.1 expected (3×), third week running."; got != want {
		t.Errorf("sentence %q, want %q", got, want)
	}
	f.Direction, f.Observed, f.Expected, f.Weeks, f.Running, ratio = "down", 2, 1234.6, 4, 1, 0.0016
	if got, want := Sentence(f), "Z07 Spirits, Friday 18–21 h: 2 events in the last 4 weeks against 1,235 expected (0.0016×): fewer than usual."; got != want {
		t.Errorf("sentence %q, want %q", got, want)
	}
}
