package reports

import (
	"testing"
	"time"
)

// RFC 4231, test case 2.
func TestSignRFC4231(t *testing.T) {
	t.Parallel()
	got := Sign("Jefe", []byte("what do ya want for nothing?"))
	if want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    int
		want time.Duration
	}{
		{1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second},
		{9, 2560 * time.Second}, {10, time.Hour}, {100, time.Hour},
	} {
		if got := retryDelay(10*time.Second, time.Hour, c.n); got != c.want {
			t.Errorf("after attempt %d: %s, want %s", c.n, got, c.want)
		}
	}
}
