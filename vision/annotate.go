package vision

import (
	"image"
	"image/color"
	"math"
	"strings"

	ss "github.com/shrinkscope/shrinkscope"
)

// Annotation draws what the pipeline saw onto a copy of a frame: zones
// projected back from the floor, person boxes with their track and score,
// concealment boxes with their class and score. Plain lines and a 3×5
// bitmap font, so `vision check` needs no font files.
type Annotation struct {
	img   *image.RGBA
	scale int // font pixel size
}

// Colours of the annotations.
var (
	zoneColour    = color.RGBA{0, 200, 255, 255}
	personColour  = color.RGBA{0, 255, 0, 255}
	concealColour = color.RGBA{255, 160, 0, 255}
	calibColour   = color.RGBA{255, 255, 255, 255}
)

// NewAnnotation copies f into an image to draw on.
func NewAnnotation(f *Frame) *Annotation {
	img := image.NewRGBA(image.Rect(0, 0, f.W, f.H))
	for i := 0; i < f.W*f.H; i++ {
		copy(img.Pix[4*i:], f.Pix[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	return &Annotation{img: img, scale: max(1, f.W/400)}
}

// Image is the annotated picture.
func (a *Annotation) Image() *image.RGBA { return a.img }

// Line draws a segment (Bresenham), clipped to the image.
func (a *Annotation) Line(x0, y0, x1, y1 float64, c color.RGBA) {
	if math.IsNaN(x0+y0+x1+y1) || math.IsInf(x0+y0+x1+y1, 0) {
		return
	}
	const far = 1e5 // a point near the horizon maps far away: keep the loop short
	x0, y0, x1, y1 = clampF(x0, far), clampF(y0, far), clampF(x1, far), clampF(y1, far)
	n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))) + 1
	if n > 4*(a.img.Rect.Dx()+a.img.Rect.Dy()) {
		// Walk only the part that can meet the image.
		n = 4 * (a.img.Rect.Dx() + a.img.Rect.Dy())
	}
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		a.dot(int(math.Round(x0+(x1-x0)*t)), int(math.Round(y0+(y1-y0)*t)), c)
	}
}

func clampF(v, lim float64) float64 { return math.Max(-lim, math.Min(lim, v)) }

func (a *Annotation) dot(x, y int, c color.RGBA) {
	if image.Pt(x, y).In(a.img.Rect) {
		a.img.SetRGBA(x, y, c)
	}
}

// Box draws a rectangle and a label above it (inside, at the top edge).
func (a *Annotation) Box(b Box, c color.RGBA, label string) {
	a.Line(b.X0, b.Y0, b.X1, b.Y0, c)
	a.Line(b.X1, b.Y0, b.X1, b.Y1, c)
	a.Line(b.X1, b.Y1, b.X0, b.Y1, c)
	a.Line(b.X0, b.Y1, b.X0, b.Y0, c)
	y := int(b.Y0) - 6*a.scale
	if y < 0 {
		y = int(b.Y0) + 2
	}
	a.Text(int(b.X0), y, label, c)
}

// Zone draws a floor polygon through inv (floor to image) and its code at
// its first vertex; edges whose ends lie behind the camera are left out.
func (a *Annotation) Zone(ring []ss.Point, inv *Homography, code string) {
	var pts [][2]float64
	front := make([]bool, len(ring))
	for i, p := range ring {
		w := inv[6]*p[0] + inv[7]*p[1] + inv[8]
		front[i] = w > 0
		u, v := inv.Apply(p[0], p[1])
		pts = append(pts, [2]float64{u, v})
	}
	for i := 0; i+1 < len(pts); i++ {
		if front[i] && front[i+1] {
			a.Line(pts[i][0], pts[i][1], pts[i+1][0], pts[i+1][1], zoneColour)
		}
	}
	// The label goes at the vertex nearest the image centre.
	cx, cy := float64(a.img.Rect.Dx())/2, float64(a.img.Rect.Dy())/2
	best, bd := -1, math.Inf(1)
	for i, p := range pts {
		if d := math.Hypot(p[0]-cx, p[1]-cy); front[i] && d < bd {
			best, bd = i, d
		}
	}
	if best >= 0 {
		x := min(max(int(pts[best][0]), 1), a.img.Rect.Dx()-4*a.scale*len(code)-1)
		y := min(max(int(pts[best][1]), 1), a.img.Rect.Dy()-6*a.scale)
		a.Text(x, y, code, zoneColour)
	}
}

// Cross marks a calibration point.
func (a *Annotation) Cross(u, v float64) {
	r := float64(3 * a.scale)
	a.Line(u-r, v, u+r, v, calibColour)
	a.Line(u, v-r, u, v+r, calibColour)
}

// Text writes s in the 3×5 font; letters are drawn as capitals and
// characters it lacks as blanks.
func (a *Annotation) Text(x, y int, s string, c color.RGBA) {
	for _, r := range strings.ToUpper(s) {
		g := font[r]
		for row := 0; row < 5; row++ {
			for col := 0; col < 3; col++ {
				if g[row]&(4>>col) != 0 {
					for dy := 0; dy < a.scale; dy++ {
						for dx := 0; dx < a.scale; dx++ {
							a.dot(x+col*a.scale+dx, y+row*a.scale+dy, c)
						}
					}
				}
			}
		}
		x += 4 * a.scale
	}
}

// font is a 3×5 bitmap font: per glyph five rows, bit 2 the left column.
var font = map[rune][5]byte{
	'0': {7, 5, 5, 5, 7}, '1': {2, 6, 2, 2, 7}, '2': {7, 1, 7, 4, 7}, '3': {7, 1, 3, 1, 7},
	'4': {5, 5, 7, 1, 1}, '5': {7, 4, 7, 1, 7}, '6': {7, 4, 7, 5, 7}, '7': {7, 1, 1, 2, 2},
	'8': {7, 5, 7, 5, 7}, '9': {7, 5, 7, 1, 7},
	'A': {2, 5, 7, 5, 5}, 'B': {6, 5, 6, 5, 6}, 'C': {3, 4, 4, 4, 3}, 'D': {6, 5, 5, 5, 6},
	'E': {7, 4, 6, 4, 7}, 'F': {7, 4, 6, 4, 4}, 'G': {3, 4, 5, 5, 3}, 'H': {5, 5, 7, 5, 5},
	'I': {7, 2, 2, 2, 7}, 'J': {1, 1, 1, 5, 2}, 'K': {5, 5, 6, 5, 5}, 'L': {4, 4, 4, 4, 7},
	'M': {5, 7, 7, 5, 5}, 'N': {6, 5, 5, 5, 5}, 'O': {2, 5, 5, 5, 2}, 'P': {6, 5, 6, 4, 4},
	'Q': {2, 5, 5, 6, 3}, 'R': {6, 5, 6, 5, 5}, 'S': {3, 4, 2, 1, 6}, 'T': {7, 2, 2, 2, 2},
	'U': {5, 5, 5, 5, 7}, 'V': {5, 5, 5, 5, 2}, 'W': {5, 5, 7, 7, 5}, 'X': {5, 5, 2, 5, 5},
	'Y': {5, 5, 2, 2, 2}, 'Z': {7, 1, 2, 4, 7},
	'.': {0, 0, 0, 0, 2}, '-': {0, 0, 7, 0, 0}, '_': {0, 0, 0, 0, 7}, ':': {0, 2, 0, 2, 0},
	'#': {5, 7, 5, 7, 5}, ' ': {},
}
