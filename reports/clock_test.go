package reports_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/reports"
)

// testClock is a reports.Clock that stands still until the test moves it:
// Advance wakes the sleepers whose time has come, and Sleepers lets the test
// wait until the goroutines under test have all gone to sleep on it.
type testClock struct {
	t       *testing.T
	mu      sync.Mutex
	now     time.Time
	sleeps  map[*sleep]bool
	changed chan struct{} // closed and replaced when sleeps changes
}

type sleep struct {
	until time.Time
	wake  chan struct{}
}

var _ reports.Clock = (*testClock)(nil)

func newClock(t *testing.T, start time.Time) *testClock {
	return &testClock{t: t, now: start, sleeps: map[*sleep]bool{}, changed: make(chan struct{})}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	if d <= 0 {
		c.mu.Unlock()
		return ctx.Err()
	}
	s := &sleep{until: c.now.Add(d), wake: make(chan struct{})}
	c.sleeps[s] = true
	c.signal()
	c.mu.Unlock()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.sleeps, s)
		c.signal()
		c.mu.Unlock()
		return ctx.Err()
	}
}

// signal tells Sleepers that the sleeps changed; c.mu is held.
func (c *testClock) signal() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Advance moves the clock d forward and wakes every sleep that ends by then.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for s := range c.sleeps {
		if !s.until.After(c.now) {
			delete(c.sleeps, s)
			close(s.wake)
		}
	}
	c.signal()
}

// Sleepers waits until n goroutines sleep on the clock: what the test
// started has done all it can before the clock moves. It fails the test
// after 10 s of real time, which only a bug takes.
func (c *testClock) Sleepers(n int) {
	c.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		got, changed := len(c.sleeps), c.changed
		c.mu.Unlock()
		if got == n {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			c.t.Fatalf("%d goroutines sleep on the clock, want %d", got, n)
		}
	}
}

// fires counts the runs that Run starts on the schedulers tracked with it, so
// that a test can wait for them to end.
type fires struct {
	t  *testing.T
	wg sync.WaitGroup
}

func (r *fires) track(s *reports.Scheduler) {
	reports.OnFire(s, func() func() { r.wg.Add(1); return r.wg.Done })
}

// Wait waits until every run started so far has ended, failing the test
// after 10 s of real time, which only a bug takes. Call it only while no
// run can start: when the schedulers sleep on the clock.
func (r *fires) Wait() {
	r.t.Helper()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		r.t.Fatal("runs still going after 10 s")
	}
}
