package onnxmodel

import (
	"math"
	"math/rand/v2"
)

// Class indices of both generated detectors.
const (
	ClassPerson = 0
	ClassPocket = 1
	ClassBag    = 2
	Classes     = 3
)

// TestDetector describes the hand-built test model. It reads RGB in [0, 1]
// and sees three colours: a person is a square of red (1,0,0); the part of
// it painted yellow (1,1,0) is a pocket concealment and magenta (1,0,1) a bag
// one; black and grey (the letterbox) are nothing. Candidates are windows of
// 2·Stride pixels every Stride pixels; each reports the centroid of the
// person pixels in its window, a box of Person×Person pixels, and per class
// the share of a Person×Person square the class's pixels fill (clipped to 1).
// A person square of side Person lies wholly inside some window, whose
// candidate then has the exact centre and person score 1, and pocket or bag
// score equal to the painted share of the square.
type TestDetector struct {
	Size   int // input side in pixels (default 64)
	Stride int // window step, and the person side (default 8)
}

// Grid is the number of windows per side.
func (d TestDetector) Grid() int { return (d.Size-2*d.Stride)/d.Stride + 1 }

func (d *TestDetector) defaults() {
	if d.Size == 0 {
		d.Size = 64
	}
	if d.Stride == 0 {
		d.Stride = 8
	}
}

// Model returns the ONNX model: input "images" [1,3,Size,Size], output
// "output0" [1, 4+3, Grid²] (cx, cy, w, h in input pixels, then class scores).
func (d TestDetector) Model() []byte {
	d.defaults()
	S, s, k, G := int64(d.Size), int64(d.Stride), int64(2*d.Stride), int64(d.Grid())
	g := &Graph{}
	img := g.Input("images", 1, 3, S, S)
	w1 := g.init("w1", []int64{3, 3, 1, 1}, []float32{1, -1, 0, 0, 1, -1, 0, -1, 1})
	r := g.node("Relu", []string{g.node("Conv", []string{img, w1})})
	w2 := g.init("w2", []int64{3, 3, 1, 1}, []float32{1, 1, 0, 0, 1, 0, 0, 0, 1})
	masks := g.node("Conv", []string{r, w2})
	wp := g.init("wp", []int64{1, 3, 1, 1}, []float32{1, 1, 0})
	p := g.node("Conv", []string{r, wp})
	xs := make([]float32, S*S)
	ys := make([]float32, S*S)
	for y := int64(0); y < S; y++ {
		for x := int64(0); x < S; x++ {
			xs[y*S+x] = float32(x) + 0.5
			ys[y*S+x] = float32(y) + 0.5
		}
	}
	mx := g.node("Mul", []string{p, g.init("xs", []int64{1, 1, S, S}, xs)})
	my := g.node("Mul", []string{p, g.init("ys", []int64{1, 1, S, S}, ys)})
	cat := g.node("Concat", []string{masks, mx, my}, intAttr("axis", 1))
	pool := g.node("AveragePool", []string{cat}, ints("kernel_shape", k, k), ints("strides", s, s))
	parts := []string{g.name("p0"), g.name("q0"), g.name("b0"), g.name("mx"), g.name("my")}
	g.nodeOut("Split", []string{pool}, parts, intAttr("axis", 1))
	den := g.node("Add", []string{parts[0], g.init("eps", []int64{1}, []float32{1e-6})})
	cx := g.node("Div", []string{parts[3], den})
	cy := g.node("Div", []string{parts[4], den})
	wh := make([]float32, 2*G*G)
	for i := range wh {
		wh[i] = float32(s)
	}
	box := g.init("wh", []int64{1, 2, G, G}, wh)
	scores := g.node("Concat", []string{parts[0], parts[1], parts[2]}, intAttr("axis", 1))
	scores = g.node("Mul", []string{scores, g.init("scale", []int64{1}, []float32{4})})
	scores = g.node("Max", []string{scores, g.init("zero", []int64{1}, []float32{0})})
	scores = g.node("Min", []string{scores, g.init("one", []int64{1}, []float32{1})})
	out := g.node("Concat", []string{cx, cy, box, scores}, intAttr("axis", 1))
	out = g.node("Reshape", []string{out, g.initInt64("shape", 1, 4+Classes, G*G)})
	g.Output(out, "output0", 1, 4+Classes, G*G)
	return g.Model("shrinkscope-test-detector")
}

// BenchDetector returns a detector with the input size and compute of a small
// real one (a YOLO-nano-like backbone at 640×640 with three heads, 8400
// candidates), random weights from seed, and its cost in floating-point
// operations (multiply and add counted apart). Score logits are biased low so
// that, as with a trained model on an ordinary frame, few candidates pass.
func BenchDetector(seed uint64) (model []byte, flops int64) {
	const size = 640
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	g := &Graph{}
	x := g.Input("images", 1, 3, size, size)
	conv := func(in string, cin, cout, k, stride, hw int64) string {
		n := cout * cin * k * k
		w := make([]float32, n)
		sd := float32(math.Sqrt(2 / float64(cin*k*k))) // He et al. 2015: activations keep their scale through ReLUs
		for i := range w {
			w[i] = float32(rng.NormFloat64()) * sd
		}
		b := make([]float32, cout)
		flops += 2 * hw * hw * n
		return g.node("Conv", []string{in, g.init("w", []int64{cout, cin, k, k}, w), g.init("b", []int64{cout}, b)},
			ints("kernel_shape", k, k), ints("strides", stride, stride), ints("pads", k/2, k/2, k/2, k/2))
	}
	relu := func(in string) string { return g.node("Relu", []string{in}) }
	x = relu(conv(x, 3, 16, 3, 2, size/2))
	cin, hw := int64(16), int64(size/2)
	var heads []string
	for stage, cout := range []int64{32, 64, 128, 256} {
		hw /= 2
		x = relu(conv(x, cin, cout, 3, 2, hw))
		x = relu(conv(x, cout, cout, 3, 1, hw))
		x = relu(conv(x, cout, cout, 3, 1, hw))
		cin = cout
		if stage >= 1 { // heads at strides 8, 16, 32: 80², 40², 20²
			h := conv(x, cout, 4+Classes, 1, 1, hw)
			box := g.node("Slice", []string{h, g.initInt64("s", 0), g.initInt64("e", 4), g.initInt64("a", 1)})
			// Boxes inside the picture, at most a quarter of its side, as a trained head's would be.
			box = g.node("Mul", []string{g.node("Sigmoid", []string{box}), g.init("px", []int64{1, 4, 1, 1}, []float32{size, size, size / 4, size / 4})})
			logit := g.node("Slice", []string{h, g.initInt64("s", 4), g.initInt64("e", 4+Classes), g.initInt64("a", 1)})
			bias := g.init("bias", []int64{1}, []float32{-1.8})
			score := g.node("Sigmoid", []string{g.node("Add", []string{logit, bias})})
			h = g.node("Concat", []string{box, score}, intAttr("axis", 1))
			heads = append(heads, g.node("Reshape", []string{h, g.initInt64("shape", 1, 4+Classes, hw*hw)}))
		}
	}
	out := g.node("Concat", heads, intAttr("axis", 2))
	g.Output(out, "output0", 1, 4+Classes, 8400)
	return g.Model("shrinkscope-bench-detector"), flops
}
