package vision

import (
	"fmt"
	"sync"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// Totals spooled in one SetFootfall are seen by the sender all together or
// not at all, however a listing falls against the writes: a flush of an
// hour's zones goes out in one request, never part ahead of the rest.
func TestSpoolFootfallFlushIsWhole(t *testing.T) {
	sp, err := OpenSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const zones = 12
	hour := time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	seen := map[int]int{}
	var mu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			items, err := sp.pending(spoolFootfall, 1000)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			seen[len(items)]++
			mu.Unlock()
		}
	}()
	for round := range 40 {
		h := hour.Add(time.Duration(round) * time.Hour).Format(time.RFC3339)
		fs := make([]ss.FootfallInput, zones)
		for z := range fs {
			v := int64(z + 1)
			fs[z] = ss.FootfallInput{Store: "S1", Zone: fmt.Sprintf("Z%02d", z), Hour: h, Visitors: &v}
		}
		if err := sp.SetFootfall(fs...); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	for n, times := range seen {
		if n%zones != 0 {
			t.Errorf("a listing saw %d footfall items (%d times): part of a flush of %d", n, times, zones)
		}
	}
	if got := sp.Depth(spoolFootfall); got != 40*zones {
		t.Errorf("depth %d, want %d", got, 40*zones)
	}
}
