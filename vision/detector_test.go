package vision

import (
	"math"
	"testing"
)

func TestDetectorOnTestModel(t *testing.T) {
	runtimeLib(t)
	d, err := NewDetector(testModel(t), 3, RuntimeOptions{IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Size != 64 || d.Candidates != 49 {
		t.Fatalf("size %d candidates %d, want 64 and 7x7", d.Size, d.Candidates)
	}
	// A 128x96 frame: scale 1/2, 8 rows of padding above. The person's 16x16
	// square at (40, 30) is 8x8 at (20, 23) in the model, its top half yellow.
	f := blank(128, 96)
	person(f, 40, 30, 16, yellow, 0.5)
	person(f, 90, 60, 16, magenta, 0.25)
	lb := NewLetterbox(f.W, f.H, d.Size)
	lb.Fill(d.Input())
	lb.Apply(f, d.Input())
	if err := d.Run(); err != nil {
		t.Fatal(err)
	}
	dets := Decode(d.Output(), d.Candidates, 3, []float64{0.5, 0.1, 0.1}, 0.45, lb, nil)
	ps := People(dets, 0, 3)
	if len(ps) != 2 {
		t.Fatalf("people %+v from %+v", ps, dets)
	}
	want := []struct {
		box     Box
		conceal [3]float64
	}{
		{Box{40, 30, 56, 46}, [3]float64{0, 0.5, 0}},
		{Box{90, 60, 106, 76}, [3]float64{0, 0, 0.25}},
	}
	for i, w := range want {
		p := ps[i]
		if p.Box.X0 > 60 != (i == 1) {
			p = ps[1-i]
		}
		if math.Abs(p.Score-1) > 1e-4 || !near(p.Box, w.box, 1e-3) {
			t.Errorf("person %d: %+v, want box %+v score 1", i, p, w.box)
		}
		for c := 1; c < 3; c++ {
			if math.Abs(p.Conceal[c]-w.conceal[c]) > 1e-4 {
				t.Errorf("person %d class %d: score %v, want %v", i, c, p.Conceal[c], w.conceal[c])
			}
		}
	}
}

func near(a, b Box, eps float64) bool {
	return math.Abs(a.X0-b.X0) < eps && math.Abs(a.Y0-b.Y0) < eps && math.Abs(a.X1-b.X1) < eps && math.Abs(a.Y1-b.Y1) < eps
}
