package vision

import (
	"fmt"
	"testing"
	"time"
)

// benchPeople is n people walking right, 2 m apart, as a camera's boxes
// and as floor positions (16 pixels a metre) at frame i.
func benchPeople(n, i int) ([]Person, []FloorObs) {
	people := make([]Person, n)
	obs := make([]FloorObs, n)
	for k := range people {
		x, y := float64(k%5)*32+float64(i)*2, float64(k/5)*32
		people[k] = Person{Box: Box{x, y, x + 16, y + 16}, Score: 0.9}
		obs[k] = FloorObs{Track: fmt.Sprint(k), X: (x + 8) / 16, Y: (y + 16) / 16}
	}
	return people, obs
}

// The floor tracker's cost per camera frame of 20 people, next to the
// camera's own tracker on the same people (the baseline): go test
// ./vision -run '^$' -bench 'FrameOf20' -count 5.
func BenchmarkFrameOf20(b *testing.B) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	b.Run("camera-tracker", func(b *testing.B) {
		tr := NewTracker(TrackerConfig{})
		for i := 0; b.Loop(); i++ {
			people, _ := benchPeople(20, i%100)
			tr.Update(people)
		}
	})
	b.Run("floor-tracker", func(b *testing.B) {
		f := NewFloorTracker(FloorConfig{})
		for i := 0; b.Loop(); i++ {
			_, obs := benchPeople(20, i%100)
			f.Update("aisle", obs, nil, t0.Add(time.Duration(i)*100*time.Millisecond))
		}
	})
}
