package vision

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

func TestFitHomographyRecoversProjectiveMap(t *testing.T) {
	t.Parallel()
	// A camera looking obliquely at the floor: floor = H·image for this H.
	truth := Homography{0.02, 0.004, -1, -0.001, 0.03, 0.5, 0.0001, 0.0008, 1}
	var pairs []Correspondence
	for _, p := range [][2]float64{{0, 0}, {640, 0}, {640, 480}, {0, 480}, {320, 200}, {100, 400}} {
		x, y := truth.Apply(p[0], p[1])
		pairs = append(pairs, Correspondence{Image: p, Floor: [2]float64{x, y}})
	}
	h, worst, rms, err := FitHomography(pairs)
	if err != nil || worst > 1e-9 || rms > 1e-9 {
		t.Fatalf("fit: %v worst %v rms %v", err, worst, rms)
	}
	for _, p := range [][2]float64{{50, 60}, {600, 470}, {333, 111}} {
		x, y := h.Apply(p[0], p[1])
		tx, ty := truth.Apply(p[0], p[1])
		if math.Hypot(x-tx, y-ty) > 1e-9 {
			t.Errorf("at %v: %v,%v want %v,%v", p, x, y, tx, ty)
		}
	}
	// One pair wrong by 2 m: the least-squares fit cannot agree with all.
	pairs[4].Floor[0] += 2
	if _, worst, _, _ := FitHomography(pairs); worst < 0.25 {
		t.Errorf("a 2 m mistake left worst error %v", worst)
	}
	if _, _, _, err := FitHomography(pairs[:3]); err == nil {
		t.Error("three pairs accepted")
	}
	line := []Correspondence{{[2]float64{0, 0}, [2]float64{0, 0}}, {[2]float64{1, 1}, [2]float64{1, 0}}, {[2]float64{2, 2}, [2]float64{2, 0}}, {[2]float64{3, 3}, [2]float64{3, 0}}}
	if _, _, _, err := FitHomography(line); err == nil {
		t.Error("collinear points accepted")
	}
}

func TestZoneIndexAgreesWithBruteForce(t *testing.T) {
	t.Parallel()
	zones := []ss.Zone{
		{Code: "aisle", Polygon: ss.Rect(0, 0, 10, 4)},
		{Code: "promo", Polygon: ss.Rect(2, 1, 3, 2)},                                                   // inside the aisle: smaller wins
		{Code: "L", Polygon: []ss.Point{{12, 0}, {20, 0}, {20, 2}, {14, 2}, {14, 8}, {12, 8}, {12, 0}}}, // concave
		{Code: "tri", Polygon: []ss.Point{{0, 6}, {8, 6}, {4, 12}, {0, 6}}},
	}
	ix := NewZoneIndex(zones)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		x, y := rng.Float64()*24-2, rng.Float64()*16-2
		var want string
		bestArea := math.Inf(1)
		for _, z := range zones {
			if inRing(z.Polygon, x, y) && math.Abs(ss.RingArea(z.Polygon)) < bestArea {
				want, bestArea = z.Code, math.Abs(ss.RingArea(z.Polygon))
			}
		}
		var got string
		if z := ix.Lookup(x, y); z != nil {
			got = z.Code
		}
		if got != want {
			t.Fatalf("(%v, %v): %q, want %q", x, y, got, want)
		}
	}
	for _, c := range []struct {
		x, y float64
		want string
	}{{2.5, 1.5, "promo"}, {5, 3, "aisle"}, {16, 5, ""}, {13, 7, "L"}, {4, 11, "tri"}, {7.5, 11, ""}} {
		got := ""
		if z := ix.Lookup(c.x, c.y); z != nil {
			got = z.Code
		}
		if got != c.want {
			t.Errorf("(%v,%v) = %q, want %q", c.x, c.y, got, c.want)
		}
	}
}

func TestLetterbox(t *testing.T) {
	t.Parallel()
	// 4x2 into 4: scale 1, one row of padding above and below.
	f := &Frame{W: 4, H: 2, Pix: make([]byte, 24)}
	for i := range f.Pix {
		f.Pix[i] = byte(10 * i)
	}
	lb := NewLetterbox(4, 2, 4)
	dst := make([]float32, 48)
	lb.Fill(dst)
	lb.Apply(f, dst)
	if lb.PadX != 0 || lb.PadY != 1 || lb.Scale != 1 {
		t.Fatalf("pad %d,%d scale %v", lb.PadX, lb.PadY, lb.Scale)
	}
	// green plane, row 2 (second frame row), column 3: pixel 7, byte 22.
	if got := dst[16+2*4+3]; math.Abs(float64(got)-220.0/255) > 1e-6 {
		t.Errorf("green(3,1) = %v", got)
	}
	if got := dst[0]; math.Abs(float64(got)-114.0/255) > 1e-6 {
		t.Errorf("padding = %v", got)
	}
	// 4x4 into 2: each output pixel averages a 2x2 block (taps at 0.5).
	g := &Frame{W: 4, H: 4, Pix: make([]byte, 48)}
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			g.Pix[3*(4*y+x)] = byte(40*y + 10*x)
		}
	}
	lb = NewLetterbox(4, 4, 2)
	dst = make([]float32, 12)
	lb.Apply(g, dst)
	want := []float64{(0 + 10 + 40 + 50) / 4.0, (20 + 30 + 60 + 70) / 4.0, (80 + 90 + 120 + 130) / 4.0, (100 + 110 + 140 + 150) / 4.0}
	for i, w := range want {
		if math.Abs(float64(dst[i])*255-w) > 1e-3 {
			t.Errorf("red %d = %v, want %v", i, dst[i]*255, w)
		}
	}
	if x, y := lb.ToFrame(1, 1); x != 2 || y != 2 {
		t.Errorf("ToFrame(1,1) = %v,%v", x, y)
	}
}

func TestDecodeThresholdsAndClassWiseNMS(t *testing.T) {
	t.Parallel()
	// 4 candidates, 2 classes; boxes in model pixels = frame pixels.
	n := 4
	out := []float32{
		10, 11, 50, 10, // cx
		10, 10, 50, 10, // cy
		10, 10, 10, 10, // w
		10, 10, 10, 10, // h
		0.9, 0.8, 0.3, 0.7, // class 0: 0 and 1 overlap (IoU 0.82), 2 below threshold; 3 is candidate 0's twin
		0.1, 0.6, 0.9, 0.2, // class 1: 1 and 2 pass
	}
	lb := NewLetterbox(100, 100, 100)
	dets := Decode(out, n, 2, []float64{0.5, 0.5}, 0.45, lb, nil)
	if len(dets) != 3 {
		t.Fatalf("dets %+v", dets)
	}
	if dets[0].Class != 0 || dets[0].Score != float64(float32(0.9)) || dets[0].Box != (Box{5, 5, 15, 15}) {
		t.Errorf("first %+v", dets[0])
	}
	if dets[1].Class != 1 || dets[1].Box.X0 != 45 || dets[2].Class != 1 || dets[2].Box.X0 != 6 {
		t.Errorf("class 1 %+v", dets[1:])
	}
	ps := People(dets, 0, 2)
	if len(ps) != 1 || math.Abs(ps[0].Conceal[1]-0.6) > 1e-6 {
		t.Errorf("people %+v: the class-1 box on the person raises its score; the one away from it does not", ps)
	}
}

func TestConfigNamesTheBadField(t *testing.T) {
	t.Parallel()
	good := `
server: {url: "http://127.0.0.1:8080", token: "$TOKEN"}
store: S1
spool: /tmp/spool
model: {path: m.onnx, classes: [person, pocket, bag], methods: {pocket: pocket, bag: bag}}
cameras:
  - id: cam-1
    source: {kind: folder, path: /tmp/frames}
    calibration:
      - {image: [0, 0], floor: [0, 0]}
      - {image: [100, 0], floor: [5, 0]}
      - {image: [100, 100], floor: [5, 5]}
      - {image: [0, 100], floor: [0, 5]}
      - {image: [50, 50], floor: [2.5, 2.5]}
`
	env := func(k string) string { return map[string]string{"TOKEN": "sst_x"}[k] }
	c, err := ParseConfig([]byte(good), env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Token != "sst_x" || c.Rule.K != 3 || c.Rule.N != 5 || c.Delivery.Batch != 200 || c.Cameras[0].Reprojection > 1e-9 {
		t.Errorf("defaults: %+v", c)
	}
	cases := []struct{ edit, field, msg string }{
		{`store: S1`, "store", "store: ''"},
		{`methods: {pocket: pocket, bag: bag}`, "model.methods.bag", "methods: {pocket: pocket, bag: satchel}"},
		{`kind: folder`, "cameras[0].source.kind", "kind: webcam"},
		{`{image: [50, 50], floor: [2.5, 2.5]}`, "cameras[0].calibration", "{image: [50, 50], floor: [3.5, 2.5]}"},
		{`server: {url: "http://127.0.0.1:8080"`, "server.url", `server: {url: "127.0.0.1:8080"`},
		{`spool: /tmp/spool`, "config", "spool: /tmp/spool\nspeed: 11"},
	}
	for _, tc := range cases {
		_, err := ParseConfig([]byte(strings.Replace(good, tc.edit, tc.msg, 1)), env)
		e, ok := err.(*ss.Error)
		if !ok || e.Field != tc.field {
			t.Errorf("%s: err %v, want field %s", tc.msg, err, tc.field)
		}
		if tc.field == "cameras[0].calibration" && (err == nil || !strings.Contains(err.Error(), "reprojection error")) {
			t.Errorf("a bad calibration shows its error: %v", err)
		}
	}
}
