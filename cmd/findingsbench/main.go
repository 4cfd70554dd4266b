// Command findingsbench measures the findings method on synthetic estates:
// its false-alarm rate on estates where nothing changes, and its power to
// find a planted change, as docs/BENCHMARKS.md quotes. It needs no
// database: the estates' facts are summed into weekly series in memory.
//
//	go run ./cmd/findingsbench -stores 200 -weeks 32 -seeds 3 -trials 300
//	go run ./cmd/findingsbench -fdr-scope both -level1 -seeds 10 -trials 300
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/findings"
	"github.com/shrinkscope/shrinkscope/internal/estate"
)

func main() {
	stores := flag.Int("stores", 200, "stores per estate")
	weeks := flag.Int("weeks", 32, "weeks of history per estate (the last weeks−MinHistory are judged)")
	seeds := flag.Int("seeds", 3, "estates generated with no change, seeds 1…N")
	trials := flag.Int("trials", 300, "planted changes per point of the power curve")
	fdr := flag.Float64("fdr", findings.DefaultConfig.FDR, "false discovery rate")
	judgedWeeks := flag.Int("judged", 0, "judge only the last N weeks (0: every week with history enough)")
	drift := flag.String("drift", findings.DefaultConfig.Drift, "drift test: minp or cusum")
	history := flag.Int("history", findings.DefaultConfig.History, "weeks of baseline before the tested windows")
	maxRun := flag.Int("maxrun", findings.DefaultConfig.MaxRun, "longest window of the drift test, in weeks")
	level1 := flag.Bool("level1", false, "no-change run over the level-1 series only: level 2 tests only inside level-1 findings, so the estate-weeks with any finding are the same, at a fraction of the time")
	planted := flag.Int("planted", 0, "instead of the no-change run: plant a step in this many zones of each estate (mixed run)")
	scope := flag.String("fdr-scope", findings.ScopeEstate, "scope of the false discovery control: estate, store, or both (every measurement under each, from the same verdicts and draws)")
	stepFrom := flag.Int("step-from", 0, "earliest week a planted step of the power curve starts in (0: MinHistory+8, so 7 weeks of baseline or more before the windows; History+MaxRun gives every trial its full baseline)")
	chi2 := flag.Bool("chi2", false, "instead: the χ² test of every zone series' weekly counts against footfall-proportional rates, on no-change estates (seeds 1…N), beside Poisson series drawn at those rates")
	flag.Parse()
	scopes := scopesOf(*scope)
	cfg := findings.DefaultConfig
	cfg.FDR, cfg.Drift, cfg.MaxRun, cfg.History = *fdr, *drift, *maxRun, *history
	if *chi2 {
		chiSquare(*stores, *weeks, *seeds)
		return
	}
	if *planted > 0 {
		mixed(cfg, scopes, *stores, *weeks, *seeds, *planted)
		return
	}
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC) // a Monday
	fmt.Printf("findingsbench: %d stores × %d weeks, FDR %.2f over %v, history %d weeks (min %d), drift test %s (δ %.2f), windows ≤ %d weeks\n",
		*stores, *weeks, cfg.FDR, scopes, cfg.History, cfg.MinHistory, cfg.Drift, cfg.Delta, cfg.MaxRun)

	var firstEstate *built
	tallies := make([]*tally, len(scopes))
	for i, sc := range scopes {
		tallies[i] = &tally{scope: sc}
	}
	var judgedSum, estateWeeks int
	for seed := 1; seed <= *seeds; seed++ {
		t0 := time.Now()
		b := build(estate.Config{Seed: int64(seed), Stores: *stores, Days: *weeks * 7, End: end, NoChanges: true})
		if firstEstate == nil {
			firstEstate = b
		}
		series := b.series
		if *level1 {
			series = nil
			for _, s := range b.series {
				if s.Block < 0 {
					series = append(series, s)
				}
			}
		}
		first := cfg.MinHistory
		if *judgedWeeks > 0 {
			first = max(first, *weeks-*judgedWeeks)
		}
		for _, ta := range tallies {
			ta.startSeed()
		}
		var weekTime time.Duration
		for t := first; t < *weeks; t++ {
			w0 := time.Now()
			jw := judgeWeek(series, t, cfg)
			weekTime += time.Since(w0)
			estateWeeks++
			judgedSum += len(jw.keys)
			for _, ta := range tallies {
				ta.week(jw.selectWeek(cfg.FDR, ta.scope), *stores)
			}
		}
		for _, ta := range tallies {
			ta.endSeed(len(b.exposure), *weeks-first)
		}
		fmt.Printf("seed %d: %d series, built in %s, judged %d weeks in %s (%.0f ms a week to judge);", seed, len(series),
			b.took.Round(time.Millisecond), *weeks-first, time.Since(t0).Round(time.Millisecond),
			float64(weekTime.Milliseconds())/float64(*weeks-first))
		for _, ta := range tallies {
			fmt.Printf(" %s scope: %d estate-weeks with a finding, %d store-weeks", ta.scope, ta.seedAny, ta.seedStoreAny)
		}
		fmt.Println()
	}
	fmt.Printf("\nNo change at all: %d estate-weeks, %d series judged a week on average\n", estateWeeks, judgedSum/estateWeeks)
	for _, ta := range tallies {
		ta.print()
	}

	if firstEstate != nil {
		dispersion(firstEstate.series)
	}
	if *trials > 0 {
		power(firstEstate, cfg, scopes, *weeks, *trials, *stepFrom)
	}
}

// dispersion prints the Pearson dispersion of the first estate's zone and
// method series about their footfall-proportional expectation, Σ (y − μ)²/μ
// over the weeks / (weeks − 1), μ = the series' total × the week's share of
// its footfall: 1 for Poisson counts, above 1 where the counts are
// overdispersed (a negative-binomial baseline would then be wanted).
func dispersion(series []findings.Series) {
	var phis []float64
	for _, s := range series {
		if s.Block >= 0 {
			continue
		}
		var n int64
		var x float64
		for i, c := range s.Counts {
			n += c
			x += s.Exposure[i]
		}
		if n < 100 || !(x > 0) {
			continue
		}
		chi := 0.0
		for i, c := range s.Counts {
			mu := float64(n) * s.Exposure[i] / x
			chi += (float64(c) - mu) * (float64(c) - mu) / mu
		}
		phis = append(phis, chi/float64(len(s.Counts)-1))
	}
	if len(phis) == 0 {
		return
	}
	slices.Sort(phis)
	mean := 0.0
	for _, v := range phis {
		mean += v
	}
	mean /= float64(len(phis))
	at := func(q float64) float64 { return phis[int(q*float64(len(phis)-1))] }
	fmt.Printf("\nDispersion of the %d zone and method series with ≥ 100 events (Pearson χ²/df about footfall; Poisson: 1): mean %.3f, median %.3f, 90th percentile %.3f, 99th %.3f\n",
		len(phis), mean, at(0.5), at(0.9), at(0.99))
}

// built is one estate's series.
type built struct {
	series []findings.Series
	// exposure is each store's weekly footfall, by store index.
	exposure [][]float64
	took     time.Duration
}

// build streams every store of the estate into weekly series: store × zone,
// store × zone × block, store × method, each with the store's footfall of
// the week (or of the block) as exposure.
func build(cfg estate.Config) *built {
	t0 := time.Now()
	e := estate.New(cfg)
	per := make([][]findings.Series, len(e.Stores))
	exp := make([][]float64, len(e.Stores))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				per[i], exp[i] = storeSeries(e, i, cfg.Days/7)
			}
		})
	}
	for i := range e.Stores {
		next <- i
	}
	close(next)
	wg.Wait()
	b := &built{exposure: exp}
	for _, s := range per {
		b.series = append(b.series, s...)
	}
	b.took = time.Since(t0)
	return b
}

type agg struct {
	loc     *time.Location
	start   time.Time // the first local day, as a UTC date
	weeks   int
	zones   map[string]int
	zoneN   [][]int64   // zone × week
	blockN  [][]int64   // (zone·Blocks + block) × week
	methodN [][]int64   // method × week
	foot    []float64   // week
	footB   [][]float64 // block × week
}

func (a *agg) at(t time.Time) (week, block int) {
	lt := t.In(a.loc)
	y, m, d := lt.Date()
	day := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(a.start).Hours() / 24)
	wd := (int(lt.Weekday()) + 6) % 7
	return day / 7, findings.BlockOf(wd, lt.Hour())
}

func (a *agg) Footfall(f ss.Footfall) error {
	if f.Zone != "" {
		return nil
	}
	w, b := a.at(f.Hour)
	if w < a.weeks {
		a.foot[w] += float64(f.Visitors)
		a.footB[b][w] += float64(f.Visitors)
	}
	return nil
}

func (a *agg) Event(ev ss.Event) error {
	w, b := a.at(ev.OccurredAt)
	if w >= a.weeks {
		return nil
	}
	z := a.zones[ev.Zone]
	a.zoneN[z][w]++
	a.blockN[z*findings.Blocks+b][w]++
	a.methodN[slices.Index(ss.Methods, ev.Method)][w]++
	return nil
}

func (a *agg) Outcome(ss.Outcome) error { return nil }
func (a *agg) Sale(ss.Sale) error       { return nil }

func grid[T any](rows, cols int) [][]T {
	g := make([][]T, rows)
	for i := range g {
		g[i] = make([]T, cols)
	}
	return g
}

func storeSeries(e *estate.Estate, i, weeks int) ([]findings.Series, []float64) {
	s := &e.Stores[i]
	from, _ := e.Window(i)
	lf := from.In(s.Loc())
	a := &agg{
		loc: s.Loc(), start: time.Date(lf.Year(), lf.Month(), lf.Day(), 0, 0, 0, 0, time.UTC), weeks: weeks,
		zones: map[string]int{}, zoneN: grid[int64](len(s.Zones), weeks), blockN: grid[int64](len(s.Zones)*findings.Blocks, weeks),
		methodN: grid[int64](len(ss.Methods), weeks), foot: make([]float64, weeks), footB: grid[float64](findings.Blocks, weeks),
	}
	for z, zone := range s.Zones {
		a.zones[zone.Code] = z
	}
	if err := e.Stream(i, a); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var out []findings.Series
	for z, zone := range s.Zones {
		out = append(out, findings.Series{Key: findings.Key{Store: s.Code, Zone: zone.Code, Block: -1}, Weeks: findings.Weeks{Counts: a.zoneN[z], Exposure: a.foot}})
		for b := range findings.Blocks {
			if slices.Max(a.footB[b]) == 0 {
				continue // closed in this block every week
			}
			out = append(out, findings.Series{Key: findings.Key{Store: s.Code, Zone: zone.Code, Block: b}, Weeks: findings.Weeks{Counts: a.blockN[z*findings.Blocks+b], Exposure: a.footB[b]}})
		}
	}
	for m, method := range ss.Methods {
		out = append(out, findings.Series{Key: findings.Key{Store: s.Code, Block: -1, Method: string(method)}, Weeks: findings.Weeks{Counts: a.methodN[m], Exposure: a.foot}})
	}
	return out, a.foot
}

// wilson is the Wilson score 95% interval of k successes in n.
func wilson(k, n int) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	const z = 1.959963984540054
	p, fn := float64(k)/float64(n), float64(n)
	c := (p + z*z/(2*fn)) / (1 + z*z/fn)
	h := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn)) / (1 + z*z/fn)
	return math.Max(0, c-h), math.Min(1, c+h)
}
