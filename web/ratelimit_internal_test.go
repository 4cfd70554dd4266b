package web

import (
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// The bucket refills at its rate: 10/s admits 10 at once, then one per
// 100 ms, and never holds more than 10.
func TestBucketRefills(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(map[ss.Role]Rate{ss.RoleIngest: {N: 10, Per: time.Second}}, func() time.Time { return now })
	p := &ss.Principal{TokenID: 1, Role: ss.RoleIngest}
	for i := range 10 {
		if ok, _ := l.take(p); !ok {
			t.Fatalf("request %d of a full bucket refused", i+1)
		}
	}
	if ok, wait := l.take(p); ok || wait != 100*time.Millisecond {
		t.Errorf("11th request: ok %v, wait %s; want refused, 100 ms", ok, wait)
	}
	now = now.Add(250 * time.Millisecond) // 2.5 requests' worth
	for i := range 2 {
		if ok, _ := l.take(p); !ok {
			t.Errorf("refilled request %d refused", i+1)
		}
	}
	if ok, wait := l.take(p); ok || wait != 50*time.Millisecond {
		t.Errorf("after 2 of 2.5: ok %v, wait %s; want refused, 50 ms", ok, wait)
	}
	now = now.Add(time.Hour)
	n := 0
	for ok := true; ok; n++ {
		ok, _ = l.take(p)
	}
	if n-1 != 10 {
		t.Errorf("after an hour idle the bucket held %d, want 10", n-1)
	}
	if ok, _ := l.take(&ss.Principal{TokenID: 2, Role: ss.RoleOps}); !ok {
		t.Errorf("a role without a limit was refused")
	}
}
