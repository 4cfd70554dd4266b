package vision

import (
	"fmt"
	"math"
)

// Homography maps image pixels to floor metres: [x y w]ᵀ = H·[u v 1]ᵀ.
type Homography [9]float64

// Apply maps image point (u, v) to the floor.
func (h *Homography) Apply(u, v float64) (x, y float64) {
	w := h[6]*u + h[7]*v + h[8]
	return (h[0]*u + h[1]*v + h[2]) / w, (h[3]*u + h[4]*v + h[5]) / w
}

// Correspondence pairs an image point (pixels) with its floor point (metres).
type Correspondence struct {
	Image [2]float64
	Floor [2]float64
}

// FitHomography estimates H from four or more correspondences by the
// normalised direct linear transform (Hartley & Zisserman, Multiple View
// Geometry, 2nd ed., algorithm 4.2), solved as linear least squares with
// h₃₃ = 1 in normalised coordinates (where the centroid maps to a finite
// point, so h₃₃ ≠ 0). It returns H and the largest and RMS reprojection
// errors on the floor, in metres.
func FitHomography(pairs []Correspondence) (h Homography, maxErr, rmsErr float64, err error) {
	if len(pairs) < 4 {
		return h, 0, 0, fmt.Errorf("need at least 4 point pairs, got %d", len(pairs))
	}
	img := make([][2]float64, len(pairs))
	flr := make([][2]float64, len(pairs))
	for i, p := range pairs {
		img[i], flr[i] = p.Image, p.Floor
	}
	t1, ok1 := normaliser(img)
	t2, ok2 := normaliser(flr)
	if !ok1 || !ok2 {
		return h, 0, 0, fmt.Errorf("calibration points coincide")
	}
	// Normal equations AᵀA·h = Aᵀb of the 2n×8 system.
	var ata [8][8]float64
	var atb [8]float64
	for i := range pairs {
		u, v := t1.apply(img[i])
		x, y := t2.apply(flr[i])
		rows := [2][8]float64{
			{u, v, 1, 0, 0, 0, -u * x, -v * x},
			{0, 0, 0, u, v, 1, -u * y, -v * y},
		}
		rhs := [2]float64{x, y}
		for r := range rows {
			for a := 0; a < 8; a++ {
				atb[a] += rows[r][a] * rhs[r]
				for b := 0; b < 8; b++ {
					ata[a][b] += rows[r][a] * rows[r][b]
				}
			}
		}
	}
	sol, ok := solve8(ata, atb)
	if !ok {
		return h, 0, 0, fmt.Errorf("calibration points are degenerate (three or more on one line?)")
	}
	hn := [9]float64{sol[0], sol[1], sol[2], sol[3], sol[4], sol[5], sol[6], sol[7], 1}
	// H = T2⁻¹ · Hn · T1
	m := mul3(t2.inverse(), mul3(hn, t1.matrix()))
	if m[8] == 0 {
		return h, 0, 0, fmt.Errorf("calibration is degenerate")
	}
	for i := range m {
		h[i] = m[i] / m[8]
	}
	var sq float64
	for _, p := range pairs {
		x, y := h.Apply(p.Image[0], p.Image[1])
		e := math.Hypot(x-p.Floor[0], y-p.Floor[1])
		if math.IsNaN(e) {
			return h, 0, 0, fmt.Errorf("calibration maps a point to infinity")
		}
		maxErr = math.Max(maxErr, e)
		sq += e * e
	}
	return h, maxErr, math.Sqrt(sq / float64(len(pairs))), nil
}

// similarity is x' = s·(x − c).
type similarity struct{ s, cx, cy float64 }

func normaliser(pts [][2]float64) (similarity, bool) {
	var cx, cy float64
	for _, p := range pts {
		cx += p[0]
		cy += p[1]
	}
	cx /= float64(len(pts))
	cy /= float64(len(pts))
	var d float64
	for _, p := range pts {
		d += math.Hypot(p[0]-cx, p[1]-cy)
	}
	d /= float64(len(pts))
	if d == 0 {
		return similarity{}, false
	}
	return similarity{math.Sqrt2 / d, cx, cy}, true
}

func (t similarity) apply(p [2]float64) (float64, float64) {
	return t.s * (p[0] - t.cx), t.s * (p[1] - t.cy)
}

func (t similarity) matrix() [9]float64 {
	return [9]float64{t.s, 0, -t.s * t.cx, 0, t.s, -t.s * t.cy, 0, 0, 1}
}

func (t similarity) inverse() [9]float64 {
	return [9]float64{1 / t.s, 0, t.cx, 0, 1 / t.s, t.cy, 0, 0, 1}
}

func mul3(a, b [9]float64) [9]float64 {
	var c [9]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				c[3*i+j] += a[3*i+k] * b[3*k+j]
			}
		}
	}
	return c
}

// solve8 solves a·x = b by Gaussian elimination with partial pivoting.
func solve8(a [8][8]float64, b [8]float64) ([8]float64, bool) {
	var scale float64
	for i := range a {
		for j := range a[i] {
			scale = math.Max(scale, math.Abs(a[i][j]))
		}
	}
	for col := 0; col < 8; col++ {
		piv := col
		for r := col + 1; r < 8; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[piv][col]) {
				piv = r
			}
		}
		if math.Abs(a[piv][col]) <= 1e-12*scale {
			return b, false
		}
		a[col], a[piv] = a[piv], a[col]
		b[col], b[piv] = b[piv], b[col]
		for r := col + 1; r < 8; r++ {
			f := a[r][col] / a[col][col]
			for c := col; c < 8; c++ {
				a[r][c] -= f * a[col][c]
			}
			b[r] -= f * b[col]
		}
	}
	var x [8]float64
	for r := 7; r >= 0; r-- {
		s := b[r]
		for c := r + 1; c < 8; c++ {
			s -= a[r][c] * x[c]
		}
		x[r] = s / a[r][r]
	}
	return x, true
}

// Inverse is the floor-to-image map H⁻¹ (the adjugate over the
// determinant); ok is false for a singular H.
func (h *Homography) Inverse() (inv Homography, ok bool) {
	a, b, c, d, e, f, g, k, l := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
	det := a*(e*l-f*k) - b*(d*l-f*g) + c*(d*k-e*g)
	if det == 0 || math.IsNaN(det) {
		return inv, false
	}
	inv = Homography{e*l - f*k, c*k - b*l, b*f - c*e, f*g - d*l, a*l - c*g, c*d - a*f, d*k - e*g, b*g - a*k, a*e - b*d}
	for i := range inv {
		inv[i] /= det
	}
	return inv, true
}
