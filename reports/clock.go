package reports

import (
	"context"
	"time"
)

// Clock is the scheduler's time: it tells the time the scheduler names
// ticks and stamps its history with, and it waits for the next tick and
// between retries. Tests pass one that they move forward themselves.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// Sleep returns nil once d has passed (at once when d <= 0), or
	// ctx.Err() if ctx ends first.
	Sleep(ctx context.Context, d time.Duration) error
}

// systemClock is the Clock of the operating system.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
