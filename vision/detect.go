package vision

import (
	"math"
	"sort"
)

// Box is an axis-aligned box in frame pixels.
type Box struct{ X0, Y0, X1, Y1 float64 }

// IoU is the boxes' intersection over union.
func IoU(a, b Box) float64 {
	inter := intersect(a, b)
	u := a.area() + b.area() - inter
	if u <= 0 {
		return 0
	}
	return inter / u
}

func intersect(a, b Box) float64 {
	w := math.Min(a.X1, b.X1) - math.Max(a.X0, b.X0)
	h := math.Min(a.Y1, b.Y1) - math.Max(a.Y0, b.Y0)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

func (b Box) area() float64 { return math.Max(0, b.X1-b.X0) * math.Max(0, b.Y1-b.Y0) }

// Centre is the box's centre.
func (b Box) Centre() (float64, float64) { return (b.X0 + b.X1) / 2, (b.Y0 + b.Y1) / 2 }

// Detection is one box of one class.
type Detection struct {
	Box   Box
	Class int
	Score float64
}

// Decode reads a YOLO-format output [1, 4+classes, n] (cx, cy, w, h in model
// input pixels, then one score per class) and returns, in frame pixels, every
// (candidate, class) whose score reaches that class's threshold — several
// classes may fire on one candidate — after class-wise non-maximum
// suppression at IoU nms. dst is reused.
func Decode(out []float32, n, classes int, thresholds []float64, nms float64, lb *Letterbox, dst []Detection) []Detection {
	dst = dst[:0]
	for c := 0; c < classes; c++ {
		row := out[(4+c)*n : (5+c)*n]
		thr := float32(thresholds[c])
		start := len(dst)
		for i, s := range row {
			if s < thr {
				continue
			}
			cx, cy, w, h := float64(out[i]), float64(out[n+i]), float64(out[2*n+i]), float64(out[3*n+i])
			x0, y0 := lb.ToFrame(cx-w/2, cy-h/2)
			x1, y1 := lb.ToFrame(cx+w/2, cy+h/2)
			dst = append(dst, Detection{Box{x0, y0, x1, y1}, c, math.Min(float64(s), 1)})
		}
		dst = append(dst[:start], nmsInPlace(dst[start:], nms)...)
	}
	return dst
}

// nmsInPlace keeps the highest-scoring box of every group overlapping by more
// than thr (greedy NMS), in descending score order, within d's storage.
func nmsInPlace(d []Detection, thr float64) []Detection {
	sort.Slice(d, func(i, j int) bool { return d[i].Score > d[j].Score })
	kept := d[:0]
	for _, x := range d {
		ok := true
		for _, k := range kept {
			if IoU(x.Box, k.Box) > thr {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, x)
		}
	}
	return kept
}

// Person is a person detection with the concealment scores found on it.
type Person struct {
	Box     Box
	Score   float64
	Conceal []float64 // per class; 0 for the person class
}

// People joins detections into people: each concealment detection goes to
// the person box that holds most of it (at least half), raising that
// person's score for its class.
func People(dets []Detection, person, classes int) []Person {
	var ps []Person
	for _, d := range dets {
		if d.Class == person {
			ps = append(ps, Person{Box: d.Box, Score: d.Score, Conceal: make([]float64, classes)})
		}
	}
	for _, d := range dets {
		if d.Class == person {
			continue
		}
		best, bestIoA := -1, 0.5
		for i := range ps {
			if a := d.Box.area(); a > 0 {
				if ioa := intersect(d.Box, ps[i].Box) / a; ioa >= bestIoA {
					best, bestIoA = i, ioa
				}
			}
		}
		if best >= 0 && d.Score > ps[best].Conceal[d.Class] {
			ps[best].Conceal[d.Class] = d.Score
		}
	}
	return ps
}
