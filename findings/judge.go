package findings

import (
	"fmt"
	"math"
	"sort"
)

// Config holds the method's parameters; the zero value of a field means its
// default (DefaultConfig).
type Config struct {
	// FDR is the false discovery rate of a week's findings (default 0.10):
	// the rate Benjamini–Hochberg controls over the zone and method series
	// of each family of Scope, and the selection-adjusted level of each
	// found zone's block series (Select).
	FDR float64
	// Scope is the family the false discovery control runs over (SelectIn):
	// ScopeEstate (default), every store's series together, or ScopeStore,
	// each store's series alone.
	Scope string
	// History is how many weeks before the tested window form its baseline
	// at most (default 52: a year, or all the series has, back to its
	// breakpoint); MinHistory the fewest weeks a series needs to be judged
	// at all (default 6).
	History, MinHistory int
	// Delta is the rate ratio the CUSUMs (Drift = DriftCUSUM) are tuned to
	// detect: the upper one looks for Delta×, the lower one for 1/Delta×
	// (default 1.5).
	Delta float64
	// MaxRun is the longest window the test looks back over (default 8
	// weeks): its windows are the 1 … MaxRun newest weeks, so it restarts
	// MaxRun weeks before the judged week (and at a breakpoint).
	MaxRun int
	// Level is the confidence level of the ratio's interval (default 0.95).
	Level float64
	// Drift is the statistic of the test over the windows of the 1 …
	// MaxRun newest weeks (scan.go): DriftMinP (default), the smallest of
	// the windows' own exact tails, or DriftCUSUM, the windowed Poisson
	// CUSUM tuned to Delta; either's p-value is its exact tail.
	Drift string
}

// Drift tests.
const (
	DriftCUSUM = "cusum"
	DriftMinP  = "minp"
)

// Scopes of the false discovery control.
const (
	// ScopeEstate runs the correction once over the whole estate's series:
	// about FDR of the estate's weeks have any false finding anywhere.
	ScopeEstate = "estate"
	// ScopeStore runs it within each store: about FDR of each store's weeks
	// have a false finding in that store, so an estate of N stores sees
	// about FDR·N stores with one a week.
	ScopeStore = "store"
)

// ParseScope checks a scope's name: ScopeEstate or ScopeStore.
func ParseScope(s string) (string, error) {
	if s != ScopeEstate && s != ScopeStore {
		return "", fmt.Errorf("want %s or %s, got %q", ScopeEstate, ScopeStore, s)
	}
	return s, nil
}

// DefaultConfig is the configuration the job runs with unless told.
var DefaultConfig = Config{FDR: 0.10, Scope: ScopeEstate, History: 52, MinHistory: 6, Delta: 1.5, MaxRun: 8, Level: 0.95, Drift: DriftMinP}

func (c Config) withDefaults() Config {
	d := DefaultConfig
	if c.FDR > 0 && c.FDR < 1 {
		d.FDR = c.FDR
	}
	if c.History > 0 {
		d.History = c.History
	}
	if c.MinHistory > 0 {
		d.MinHistory = c.MinHistory
	}
	if c.Delta > 1 {
		d.Delta = c.Delta
	}
	if c.MaxRun >= 2 {
		d.MaxRun = c.MaxRun
	}
	if c.Level > 0 && c.Level < 1 {
		d.Level = c.Level
	}
	if c.Drift == DriftCUSUM {
		d.Drift = c.Drift
	}
	if c.Scope == ScopeStore {
		d.Scope = c.Scope
	}
	return d
}

// Weeks is one series' weekly history, oldest first: the count of events and
// the exposure (footfall, or 1 per week where none is counted) of each week.
// From is the first week the series may be compared over: a layout change
// of the zone is a breakpoint, so the weeks before it are not its baseline.
type Weeks struct {
	Counts   []int64
	Exposure []float64
	From     int
}

// Direction says which way a series moved.
type Direction string

// Directions.
const (
	Up   Direction = "up"
	Down Direction = "down"
)

// Verdict is the judgement of one series in one week, before the estate-wide
// correction.
type Verdict struct {
	Judged bool // false when the series has too little history
	// Observed and Expected are the counts over the reported window (the
	// newest weeks, ending with this one, at which the winning direction's
	// statistic peaked; its expected count from the History weeks before
	// it); Weeks is that window's length.
	Observed int64
	Expected float64
	Weeks    int
	// Ratio is the window's rate over the baseline's; Lo and Hi its exact
	// interval, filled in for findings (Hi is +Inf when the baseline has no
	// events; call Interval for a series judged alone).
	Ratio, Lo, Hi float64
	Direction     Direction
	// P is the series' p-value: the smaller of the two directions' exact
	// scan tails (scan.go), doubled for the two directions.
	P float64
	// PUp and PDown are the two directions' own tails; PWeek the week's
	// own two-sided exact test against the History weeks before it, for
	// reading (P already covers the week: it is the scan's window of one
	// week). Running: the weeks in a row, ending with this one, whose count
	// lay on Direction's side of its expected count (at least the reported
	// window's length).
	PUp, PDown, PWeek float64
	Running           int

	n     int64   // events in the window and its baseline together
	share float64 // the window's share of their exposure
}

// Interval fills in Lo and Hi.
func (v *Verdict) Interval(cfg Config) { v.interval(cfg.withDefaults()) }

// Judge judges week t of a series against its own history.
func Judge(w Weeks, t int, cfg Config) Verdict {
	cfg = cfg.withDefaults()
	from := max(w.From, 0)
	if t < 0 || t >= len(w.Counts) || t-from < cfg.MinHistory {
		return Verdict{}
	}
	pre := newPrefix(w)
	// The scan's windows: the K newest weeks, each of whose starts leaves
	// MinHistory weeks of baseline after the breakpoint; the baseline is the
	// History weeks before the longest window.
	k := min(cfg.MaxRun, t+1-from-cfg.MinHistory)
	s0 := t + 1 - k
	hs := max(from, s0-cfg.History)
	y, x := make([]int64, k), make([]float64, k)
	for i := range k {
		y[i], x[i] = pre.y[t+1-i]-pre.y[t-i], pre.x[t+1-i]-pre.x[t-i]
	}
	// A direction's tail matters exactly only where P = 2·tail can be at
	// most FDR: no series with a larger p-value is found at either level.
	need := cfg.FDR / 2
	var up, down drift
	if cfg.Drift == DriftMinP {
		up, down = minP(y, x, pre.y[s0]-pre.y[hs], pre.x[s0]-pre.x[hs], need)
	} else {
		up, down = cusums(y, x, pre.y[s0]-pre.y[hs], pre.x[s0]-pre.x[hs], cfg.Delta, need)
	}

	week := pre.test(t, t+1, max(from, t-cfg.History), t, cfg)
	v := Verdict{Judged: true, PUp: up.p, PDown: down.p, PWeek: math.Min(1, 2*math.Min(week.pUp, week.pDown))}
	v.P = math.Min(1, 2*math.Min(up.p, down.p))
	won := up
	v.Direction = Up
	if down.p < up.p || down.p == up.p && week.pDown < week.pUp {
		won, v.Direction = down, Down
	}
	// What the finding reports: the window at which the winning direction
	// peaked, against the History weeks before that window.
	s := t + 1 - won.weeks
	best := pre.test(s, t+1, max(from, s-cfg.History), s, cfg)
	best.dir = v.Direction
	v.Observed, v.Expected, v.Weeks = best.observed, best.expected, best.end-best.start
	v.Ratio, v.n, v.share = best.ratio, best.n, best.share
	v.Running = pre.running(from, t, best)
	return v
}

// running counts the weeks ending at t, back to the window's start at
// least, whose own count lies on the finding's side of what the finding's
// baseline rate expects for them: "third week running".
func (p prefix) running(from, t int, best window) int {
	e := p.x[best.he] - p.x[best.hs]
	if !(e > 0) {
		return t + 1 - best.start
	}
	rate := float64(p.y[best.he]-p.y[best.hs]) / e
	n := 0
	for k := t; k >= from; k-- {
		y, mu := float64(p.y[k+1]-p.y[k]), rate*(p.x[k+1]-p.x[k])
		if k < best.start && (best.dir == Up && !(y > mu) || best.dir == Down && !(y < mu)) {
			break
		}
		n++
	}
	return max(n, 1)
}

// prefix holds running sums of a series' counts and exposures.
type prefix struct {
	y []int64
	x []float64
}

func newPrefix(w Weeks) prefix {
	p := prefix{y: make([]int64, len(w.Counts)+1), x: make([]float64, len(w.Counts)+1)}
	for i, c := range w.Counts {
		e := 1.0
		if i < len(w.Exposure) {
			e = w.Exposure[i]
		}
		p.y[i+1] = p.y[i] + c
		p.x[i+1] = p.x[i] + e
	}
	return p
}

// window is the conditional test of weeks [start, end) against the baseline
// weeks [hs, he).
type window struct {
	start, end int
	hs, he     int // the baseline weeks
	observed   int64
	expected   float64
	ratio      float64
	pUp, pDown float64
	dir        Direction
	n          int64
	share      float64
}

func (p prefix) test(start, end, hs, he int, cfg Config) window {
	y := p.y[end] - p.y[start]
	x := p.x[end] - p.x[start]
	s := p.y[he] - p.y[hs]
	e := p.x[he] - p.x[hs]
	w := window{start: start, end: end, hs: hs, he: he, observed: y, pUp: 1, pDown: 1, ratio: math.NaN()}
	if !(x > 0) || !(e > 0) {
		return w
	}
	w.expected = float64(s) * x / e
	n := y + s
	share := x / (x + e)
	if n == 0 {
		return w
	}
	w.pUp = BinomialUpper(y, n, share)
	w.pDown = BinomialLower(y, n, share)
	if s > 0 {
		w.ratio = float64(y) / w.expected
	} else {
		w.ratio = math.Inf(1)
	}
	w.n, w.share = n, share
	return w
}

// interval is the exact interval of the verdict's ratio at cfg.Level: the
// rate ratio R and the binomial proportion π = R·x / (R·x + e) map one to
// one, so Clopper–Pearson's interval for π gives R's. It costs some hundred
// tail sums, so Week computes it for findings only.
func (v *Verdict) interval(cfg Config) {
	v.Lo, v.Hi = 0, math.Inf(1)
	if v.n == 0 {
		return
	}
	odds := func(pi float64) float64 {
		if pi >= 1 {
			return math.Inf(1)
		}
		return pi / (1 - pi) * (1 - v.share) / v.share
	}
	lo, hi := clopperPearson(v.Observed, v.n, 1-cfg.Level)
	v.Lo, v.Hi = odds(lo), odds(hi)
	if v.Observed == v.n {
		v.Hi = math.Inf(1)
	}
}

// BH returns the Benjamini–Hochberg adjusted p-values (q-values) of ps, in
// their order: q(i) = min over j with p(j) ≥ p(i) of p(j)·m / rank(j). A
// series is a finding at false discovery rate α when its q ≤ α.
func BH(ps []float64) []float64 {
	m := len(ps)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return ps[order[a]] < ps[order[b]] })
	q := make([]float64, m)
	run := 1.0
	for r := m - 1; r >= 0; r-- {
		i := order[r]
		run = math.Min(run, ps[i]*float64(m)/float64(r+1))
		q[i] = run
	}
	return q
}
