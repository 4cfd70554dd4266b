package estate

import (
	"testing"
	"time"
)

// BenchmarkStream generates one store-year per iteration into a Counter.
//
//	go test -run '^$' -bench Stream -benchmem ./internal/estate
func BenchmarkStream(b *testing.B) {
	e := New(Config{Seed: 1, Stores: 12, Days: 365, End: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	var c Counter
	i := 0
	for b.Loop() {
		if err := e.Stream(i%len(e.Stores), &c); err != nil {
			b.Fatal(err)
		}
		i++
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(c.Total())/s, "facts/s")
	b.ReportMetric(float64(c.Events)/s, "events/s")
	b.ReportMetric(float64(c.Events)/float64(i*365), "events/store-day")
}

// BenchmarkNew builds a 2000-store estate (stores, zones, changes only).
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		New(Config{Stores: 2000, Days: 365, End: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	}
}
