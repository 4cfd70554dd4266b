package workforce

import (
	"math/rand/v2"
	"testing"
)

// bruteCover finds the fewest paid hours covering req by exhaustive search:
// at the first hour still short, some shift must cover it, so branch on
// every allowed shift that does. Hours no shift fits are skipped.
func bruteCover(req []int, r Rules) int {
	n := len(req)
	cov := make([]int, n)
	best := 1 << 30
	var dfs func(cost int)
	dfs = func(cost int) {
		// Each missing staff-hour needs at least one more paid hour.
		h, bound := -1, cost
		for i := range req {
			if cov[i] < req[i] && n >= r.MinHours {
				if h < 0 {
					h = i
				}
				bound += req[i] - cov[i]
			}
		}
		if bound >= best {
			return
		}
		if h < 0 {
			best = cost
			return
		}
		for s := max(0, h-r.MaxHours+1); s <= h; s++ {
			for l := r.MinHours; l <= r.MaxHours && s+l <= n; l++ {
				if s+l <= h {
					continue
				}
				for i := s; i < s+l; i++ {
					cov[i]++
				}
				dfs(cost + l)
				for i := s; i < s+l; i++ {
					cov[i]--
				}
			}
		}
	}
	dfs(0)
	return best
}

// checkCover fails unless c is a valid plan (checkPlan) leaving no hour
// short where a shift fits.
func checkCover(t *testing.T, req []int, r Rules, c Cover) {
	t.Helper()
	checkPlan(t, req, r, c)
	for h := range req {
		if len(req) >= r.MinHours && c.Short[h] != 0 {
			t.Fatalf("req %v rules %+v: hour %d left short though coverable", req, r, h)
		}
	}
}

func TestCoverSpanByHand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		req  []int
		r    Rules
		paid int
	}{
		// One staffer all day in two 4–8 hour shifts: 14 hours is 8 + 6 or 7 + 7.
		{"flat 14h", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, Rules{4, 8}, 14},
		// A two-hour peak in 10 hours: two 6-hour shifts overlapping on it
		// ([0, 6) and [4, 10)) beat 10 hours plus a 4-hour extra shift.
		{"peak", []int{1, 1, 1, 1, 2, 2, 1, 1, 1, 1}, Rules{4, 8}, 12},
		// 6 hours with shifts of exactly 4: two overlapping shifts, 8 hours.
		{"overlap forced", []int{1, 1, 1, 1, 1, 1}, Rules{4, 4}, 8},
		// Nothing required, nothing paid.
		{"empty", []int{0, 0, 0}, Rules{1, 3}, 0},
		// Shorter than any shift: nothing can be scheduled.
		{"too short", []int{2, 2}, Rules{4, 8}, 0},
	} {
		c := CoverSpan(tc.req, tc.r)
		checkCover(t, tc.req, tc.r, c)
		if c.Paid != tc.paid {
			t.Errorf("%s: paid %d, want %d (shifts %+v)", tc.name, c.Paid, tc.paid, c.Shifts)
		}
	}
	if c := CoverSpan([]int{2, 2}, Rules{4, 8}); c.Short[0] != 2 || c.Short[1] != 2 {
		t.Errorf("a span no shift fits must be reported short, got %v", c.Short)
	}
}

// Hundreds of small random instances: the flow's paid hours equal the
// exhaustive optimum, and its shifts are a valid cover.
func TestCoverSpanMatchesBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(12, 1))
	for i := 0; i < 600; i++ {
		n := 1 + rng.IntN(9)
		mn := 1 + rng.IntN(4)
		r := Rules{mn, mn + rng.IntN(4)}
		req := make([]int, n)
		for h := range req {
			req[h] = rng.IntN(4)
		}
		c := CoverSpan(req, r)
		checkCover(t, req, r, c)
		if want := bruteCover(req, r); c.Paid != want && n >= r.MinHours {
			t.Fatalf("req %v rules %+v: paid %d, brute force %d (shifts %+v)", req, r, c.Paid, want, c.Shifts)
		}
	}
}
