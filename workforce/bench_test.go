package workforce

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkSolveStoreWeek solves one store-week: 7 days of 16 open hours,
// requirements 1–4 staff, shifts of 4–8 hours, full cover.
func BenchmarkSolveStoreWeek(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	ds := make([]Demand, 7)
	for d := range ds {
		ds[d].Req = make([]int, 16)
		for h := range ds[d].Req {
			ds[d].Req[h] = 1 + rng.IntN(4)
		}
	}
	for b.Loop() {
		planSpans(b, ds, Rules{4, 8}, -1)
	}
}

// BenchmarkSolveStoreWeekBudget is the same week with a budget of two thirds
// of the full cover's paid hours.
func BenchmarkSolveStoreWeekBudget(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	ds := make([]Demand, 7)
	full := 0
	for d := range ds {
		ds[d] = Demand{Req: make([]int, 16), Weight: make([]float64, 16)}
		for h := range ds[d].Req {
			ds[d].Req[h] = 1 + rng.IntN(4)
			ds[d].Weight[h] = 1 + rng.Float64()*20
		}
		full += CoverSpan(ds[d].Req, Rules{4, 8}).Paid
	}
	for b.Loop() {
		planSpans(b, ds, Rules{4, 8}, full*2/3)
	}
}

// boundRequest is a what-if at Solve's bounds: 31 days open round the
// clock, every hour's requirement drawn from [lo, hi], the given shift
// rules and budget (nil: none).
func boundRequest(seed uint64, lo, hi int, r Rules, budget *int) *SolveRequest {
	return monthRequest(seed, maxSolveDays, lo, hi, r, budget)
}

// monthRequest is boundRequest over the given number of days.
func monthRequest(seed uint64, days, lo, hi int, r Rules, budget *int) *SolveRequest {
	rng := rand.New(rand.NewPCG(seed, 9))
	q := &SolveRequest{OpeningHours: map[string][]string{}, ShiftRules: r, BudgetHours: budget}
	day := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	for d := range days {
		date := day.AddDate(0, 0, d).Format(time.DateOnly)
		q.OpeningHours[date] = []string{"00:00", "00:00"}
		for h := range 24 {
			q.Requirements = append(q.Requirements, Requirement{date, h, lo + rng.IntN(hi-lo+1)})
		}
	}
	return q
}

// BenchmarkSolveBound solves what-ifs at the bounds of SolveRequest: a month
// round the clock with the largest requirements and budget, the widest
// shift rules, and a month of days each nearly as large as the exact
// program takes (a third of the full cover's hours as the budget).
func BenchmarkSolveBound(b *testing.B) {
	half, most := maxSolveBudget/2, maxSolveBudget
	for _, bc := range []struct {
		name string
		q    *SolveRequest
	}{
		{"full-cover", boundRequest(1, 0, maxSolveRequired, Rules{1, 24}, nil)},
		{"budget-50000", boundRequest(1, 900, maxSolveRequired, Rules{1, 24}, &half)},
		{"budget-100000", boundRequest(1, 0, maxSolveRequired, Rules{1, 24}, &most)},
		{"budget-100000-rules-4-8", boundRequest(2, 0, maxSolveRequired, Rules{4, 8}, &most)},
		{"exact-days", boundRequest(3, 0, 9, Rules{4, 8}, ptr(1400))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.q.Solve(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func ptr(n int) *int { return &n }
