package workforce

import (
	"context"
	"errors"
	"testing"
	"time"
)

// countdown is a context that is live for its first n checks of Err and
// cancelled from then on; it counts the checks. Deadline, Done and Value
// are the background context's: the solver is to ask Err.
type countdown struct {
	context.Context
	n, checks int
}

func (c *countdown) Err() error {
	c.checks++
	if c.checks > c.n {
		return context.Canceled
	}
	return nil
}

// A solve stops at the first check of its context after the context ends,
// wherever that falls: in the flows, the exact program, the price sweep,
// the knapsack or fill. Cancelling at each check point of a whole run
// returns context.Canceled with no check after it, and a context already
// cancelled or past its deadline stops a month at the bounds before any
// work.
func TestSolveStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	for _, q := range []*SolveRequest{
		monthRequest(1, 1, 900, 1000, Rules{1, 24}, ptr(20_000)), // price sweep, knapsack stretches, fill
		monthRequest(3, 1, 0, 5, Rules{11, 21}, ptr(60)),         // the exact program
	} {
		// Each instance takes the path it is here for.
		req := make([]int, 24)
		for _, x := range q.Requirements {
			req[x.Hour] = x.Required
		}
		staff, ok := staffCap(req, q.ShiftRules)
		exact := ok && exactWork(24, staff, q.ShiftRules, *q.BudgetHours) <= maxExactWork
		if exact != (q.ShiftRules.MinHours == 4) {
			t.Fatalf("rules %+v: exact program %v", q.ShiftRules, exact)
		}
		whole := &countdown{Context: context.Background(), n: 1 << 30}
		if _, err := q.Solve(whole); err != nil {
			t.Fatal(err)
		}
		if whole.checks < 40 {
			t.Fatalf("checked its context %d times", whole.checks)
		}
		for n := 0; n < whole.checks; n++ {
			ctx := &countdown{Context: context.Background(), n: n}
			if _, err := q.Solve(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled at check %d of %d: err %v", n, whole.checks, err)
			}
			if ctx.checks != n+1 {
				t.Fatalf("cancelled at check %d: went on to check %d", n, ctx.checks)
			}
		}
	}
	half := maxSolveBudget / 2
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := boundRequest(1, 900, maxSolveRequired, Rules{1, 24}, &half).Solve(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled context: err %v", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := boundRequest(1, 900, maxSolveRequired, Rules{1, 24}, &half).Solve(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a context past its deadline: err %v", err)
	}
}
