package vision

import "math"

// Frame is one RGB24 picture from a camera: 3 bytes per pixel, rows top to
// bottom.
type Frame struct {
	W, H int
	Pix  []byte
}

// Letterbox scales frames of one size into the model's square input, keeping
// the aspect ratio and padding with grey (114, as YOLO models are trained),
// and writes them normalised to [0, 1] in NCHW float32. Sampling tables are
// built once per frame size.
type Letterbox struct {
	W, H, S    int     // frame size, model side
	Scale      float64 // model pixels per frame pixel
	PadX, PadY int     // model pixels of padding left and top
	nw, nh     int
	x0, x1     []int32 // per output column: source columns, premultiplied by 3
	wx         []float32
	y0, y1     []int32
	wy         []float32
}

// padValue is YOLO's letterbox grey.
const padValue = 114.0 / 255

var byteToUnit = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return
}()

// NewLetterbox prepares the mapping of w×h frames into an s×s input.
func NewLetterbox(w, h, s int) *Letterbox {
	lb := &Letterbox{W: w, H: h, S: s}
	lb.Scale = math.Min(float64(s)/float64(w), float64(s)/float64(h))
	lb.nw = min(s, int(math.Round(float64(w)*lb.Scale)))
	lb.nh = min(s, int(math.Round(float64(h)*lb.Scale)))
	lb.PadX, lb.PadY = (s-lb.nw)/2, (s-lb.nh)/2
	lb.x0, lb.x1, lb.wx = taps(lb.nw, w, lb.Scale, 3)
	lb.y0, lb.y1, lb.wy = taps(lb.nh, h, lb.Scale, 3*w)
	return lb
}

// taps are bilinear sampling positions with half-pixel centres.
func taps(n, src int, scale float64, stride int) (a, b []int32, w []float32) {
	a, b, w = make([]int32, n), make([]int32, n), make([]float32, n)
	for i := 0; i < n; i++ {
		f := (float64(i)+0.5)/scale - 0.5
		f = math.Max(0, math.Min(f, float64(src-1)))
		i0 := int(f)
		i1 := min(i0+1, src-1)
		a[i], b[i], w[i] = int32(i0*stride), int32(i1*stride), float32(f-float64(i0))
	}
	return
}

// Fill writes the padding of dst (length 3·S·S); Apply leaves it untouched.
func (lb *Letterbox) Fill(dst []float32) {
	for i := range dst {
		dst[i] = padValue
	}
}

// Apply writes f into dst's picture area.
func (lb *Letterbox) Apply(f *Frame, dst []float32) {
	plane := lb.S * lb.S
	pix := f.Pix
	if lb.nw == f.W && lb.nh == f.H { // scale 1: a copy
		for y := 0; y < f.H; y++ {
			row := pix[y*3*f.W : (y+1)*3*f.W]
			o := (y+lb.PadY)*lb.S + lb.PadX
			r, g, b := dst[o:o+f.W], dst[plane+o:plane+o+f.W], dst[2*plane+o:2*plane+o+f.W]
			for x := range r {
				r[x], g[x], b[x] = byteToUnit[row[3*x]], byteToUnit[row[3*x+1]], byteToUnit[row[3*x+2]]
			}
		}
		return
	}
	for y := 0; y < lb.nh; y++ {
		ra, rb, wy := pix[lb.y0[y]:], pix[lb.y1[y]:], lb.wy[y]
		o := (y+lb.PadY)*lb.S + lb.PadX
		for x := 0; x < lb.nw; x++ {
			a, b, wx := lb.x0[x], lb.x1[x], lb.wx[x]
			for c := int32(0); c < 3; c++ {
				top := float32(ra[a+c]) + wx*(float32(ra[b+c])-float32(ra[a+c]))
				bot := float32(rb[a+c]) + wx*(float32(rb[b+c])-float32(rb[a+c]))
				dst[int(c)*plane+o+x] = (top + wy*(bot-top)) / 255
			}
		}
	}
}

// ToFrame maps a model-input point back to frame pixels.
func (lb *Letterbox) ToFrame(x, y float64) (float64, float64) {
	return (x - float64(lb.PadX)) / lb.Scale, (y - float64(lb.PadY)) / lb.Scale
}
