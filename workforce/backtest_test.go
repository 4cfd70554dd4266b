package workforce

import (
	"math"
	"sort"
	"sync"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// hourSink sums a store's streamed facts by local hour, as the rollups do:
// events not false, every detection, the loss of lost and open events and
// entrance visitors.
type hourSink struct {
	loc   *time.Location
	hours map[int64]*HourFact // by the hour's Unix second
	last  struct {
		hour  *HourFact
		value float64
	}
}

func (s *hourSink) at(t time.Time) *HourFact {
	k := kpi.LocalHour(t, s.loc)
	h := s.hours[k.Unix()]
	if h == nil {
		h = &HourFact{Start: k}
		s.hours[k.Unix()] = h
	}
	return h
}

func (s *hourSink) Footfall(f ss.Footfall) error {
	if f.Zone == "" {
		s.at(f.Hour).Visitors += float64(f.Visitors)
	}
	return nil
}

func (s *hourSink) Event(e ss.Event) error {
	h := s.at(e.OccurredAt)
	h.Events++
	h.Detections++
	h.Loss += e.EstValue
	s.last.hour, s.last.value = h, e.EstValue
	return nil
}

func (s *hourSink) Outcome(o ss.Outcome) error {
	switch o.Kind.Class() {
	case ss.ClassFalse:
		s.last.hour.Events--
		s.last.hour.Loss -= s.last.value
	case ss.ClassRecovered:
		s.last.hour.Loss -= s.last.value
	}
	return nil
}

func (s *hourSink) Sale(ss.Sale) error { return nil }

// The backtest: on the synthetic estate (6 stores, 120 days), forecast each
// of the last six full local weeks of every store from the weeks before it,
// and compare the mean absolute error per open hour with the naive forecast
// "the same local hour one week earlier".
func TestForecastBacktestBeatsNaive(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	e := estate.New(estate.Config{Seed: 7, Stores: 6, Days: 120, End: end})
	sinks := make([]*hourSink, len(e.Stores))
	var wg sync.WaitGroup
	errs := make([]error, len(e.Stores))
	for i := range e.Stores {
		sinks[i] = &hourSink{loc: e.Stores[i].Loc(), hours: map[int64]*HourFact{}}
		wg.Go(func() { errs[i] = e.Stream(i, sinks[i]) })
	}
	wg.Wait()
	var sumF, sumN, sumLF, sumLN float64
	n := 0
	for i, s := range sinks {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		st := e.Stores[i]
		from, _ := e.Window(i)
		facts := make([]HourFact, 0, len(s.hours))
		for _, h := range s.hours {
			facts = append(facts, *h)
		}
		sort.Slice(facts, func(a, b int) bool { return facts[a].Start.Before(facts[b].Start) })
		last := WeekStart(end.In(s.loc).AddDate(0, 0, -7), s.loc)
		for w := 0; w < 6; w++ {
			start := last.AddDate(0, 0, -7*w)
			var hist History
			hist.Since = from
			for _, f := range facts {
				if f.Start.Before(start) {
					hist.Facts = append(hist.Facts, f)
				}
			}
			for _, f := range Forecast(hist, s.loc, st.OpeningHours, start, nil, ForecastConfig{}) {
				if !f.Open {
					continue
				}
				var actual, naive HourFact
				if a := s.hours[f.Start.Unix()]; a != nil {
					actual = *a
				}
				lt := f.Start.In(s.loc)
				prev := time.Date(lt.Year(), lt.Month(), lt.Day()-7, lt.Hour(), 0, 0, 0, s.loc)
				if p := s.hours[prev.Unix()]; p != nil {
					naive = *p
				}
				sumF += math.Abs(f.Events - actual.Events)
				sumN += math.Abs(naive.Events - actual.Events)
				sumLF += math.Abs(f.Loss - actual.Loss)
				sumLN += math.Abs(naive.Loss - actual.Loss)
				n++
			}
		}
	}
	maeF, maeN := sumF/float64(n), sumN/float64(n)
	t.Logf("backtest over %d open store-hours: MAE events/hour forecast %.4f, naive %.4f (ratio %.3f); MAE loss/hour forecast %.2f, naive %.2f",
		n, maeF, maeN, maeF/maeN, sumLF/float64(n), sumLN/float64(n))
	if !(maeF < maeN) || !(sumLF < sumLN) {
		t.Fatalf("the forecast does not beat the naive one: events %.4f vs %.4f, loss %.2f vs %.2f", maeF, maeN, sumLF/float64(n), sumLN/float64(n))
	}
}
