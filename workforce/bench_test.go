package workforce

import (
	"math/rand/v2"
	"testing"
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
		PlanSpans(ds, Rules{4, 8}, -1)
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
		PlanSpans(ds, Rules{4, 8}, full*2/3)
	}
}
