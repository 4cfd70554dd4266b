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
	// Six weeks of 10, then 15, 15, 5 (y newest first: 5, 15, 15), δ = 1.5.
	// Pooled rate λ = 95/9; κ = 0.5/ln 1.5 = 1.2331517, so κλ = 13.01660:
	// U over the newest 1, 2, 3 weeks is 5 − 13.017 = −8.017, 20 − 26.033 =
	// −6.033, 35 − 39.050 = −4.050, so it peaks over all three weeks, and
	// the windows cross at ⌈−4.050 + 13.017k⌉ = 9, 22, 35. κ' = (1 −
	// 2/3)/ln 1.5 = 0.8221012, κ'λ = 8.67774: L is 3.678, −2.645, −8.967,
	// peaking at the newest week alone; crossings at ⌊8.678k − 3.678⌋ = 5,
	// 13, 22.
	y, x := []int64{5, 15, 15}, []float64{1, 1, 1}
	up, down := cusums(y, x, 60, 6, 1.5, 2)
	if up.weeks != 3 || down.weeks != 1 {
		t.Errorf("peaks at %d and %d weeks, want 3 and 1", up.weeks, down.weeks)
	}
	near(t, "upper tail", up.p, brute(95, x, 6, []int64{9, 22, 35}, true), 1e-10)
	near(t, "lower tail", down.p, brute(95, x, 6, []int64{5, 13, 22}, false), 1e-10)
	// Above exactBelow the tail is the sum of the windows' own tails.
	up2, _ := cusums(y, x, 60, 6, 1.5, 0)
	bonf := BinomialUpper(9, 95, 1.0/9) + BinomialUpper(22, 95, 2.0/9) + BinomialUpper(35, 95, 3.0/9)
	near(t, "bound", up2.p, math.Min(1, bonf), 1e-12)
	if !(up.p <= up2.p) {
		t.Errorf("exact tail %g above its bound %g", up.p, up2.p)
	}
	// No events at all: nothing to test.
	if up, down := cusums([]int64{0, 0}, []float64{1, 1}, 0, 6, 1.5, 2); up.p != 1 || down.p != 1 {
		t.Errorf("no events: %v %v", up, down)
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
	// Six weeks of history leave the scan one window, the week itself, so
	// P is the week's test, by either statistic (the CUSUM crosses at
	// ⌈(30 − κλ) + κλ⌉ = 30).
	near(t, "P", v.P, 2*pUp, 1e-9)
	near(t, "P by the CUSUM", Judge(w, 6, Config{Drift: DriftCUSUM}).P, 2*pUp, 1e-9)
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
	// the four weeks together are not. First the windowed CUSUM.
	w := flat(12, 20)
	for range 4 {
		w.Counts = append(w.Counts, 30)
		w.Exposure = append(w.Exposure, 1)
	}
	v := Judge(w, 15, Config{Drift: DriftCUSUM})
	if v.Direction != Up || v.Weeks != 4 || v.Running != 4 || v.Observed != 120 {
		t.Fatalf("drift verdict %+v", v)
	}
	near(t, "expected", v.Expected, 80, 1e-12)
	// The CUSUM's windows are the 8 newest weeks (30, 30, 30, 30, 20, 20,
	// 20, 20, newest first) against weeks 0–7 (160): n = 360 in 16 weeks,
	// λ = 22.5, κλ = 27.746; U = 30k − 27.746k peaks at k = 4 (9.015), and
	// window k crosses at ⌈9.015 + 27.746k⌉ = 37, 65, 93, 120, 148, 176,
	// 204, 231 events. The exact tail lies between the largest of those
	// windows' own tails, Binomial(360, k/16), and their sum.
	crossAt := []int64{37, 65, 93, 120, 148, 176, 204, 231}
	var most, sum float64
	for k, c := range crossAt {
		tk := BinomialUpper(c, 360, float64(k+1)/16)
		most, sum = math.Max(most, tk), sum+tk
	}
	if !(v.PUp >= most && v.PUp < sum) {
		t.Errorf("PUp %g, want between %g and %g", v.PUp, most, sum)
	}
	// The short windows dominate the CUSUM's tail (37 events in the newest
	// week against 22.5 has a tail of 1e-3); the scan by the windows' own
	// tails weighs them alike: its tail is about 5 times the four-week
	// window's own (120 of 360 at share 4/16), where Bonferroni over the 8
	// windows would pay 8.
	// (The default.)
	pWin := binomialExact(120, 360, 1, 4)
	m := Judge(w, 15, Config{})
	if m.Weeks != 4 || m.Observed != 120 || !(m.PUp >= pWin && m.PUp < 6*pWin) {
		t.Errorf("min-p scan: %d weeks, PUp %g, want 4 weeks and between %g and 6×", m.Weeks, m.PUp, pWin)
	}
	near(t, "P", m.P, 2*m.PUp, 1e-12)
	if m.P >= m.PWeek || v.P >= v.PWeek {
		t.Errorf("drift p %g (CUSUM %g) should beat the week's %g", m.P, v.P, m.PWeek)
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
