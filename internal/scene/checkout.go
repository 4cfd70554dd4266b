package scene

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"

	ss "github.com/shrinkscope/shrinkscope"
)

// The two-camera scene's cameras: the aisle camera sees the floor from x = 0
// as the standard scene's camera does; the checkout camera is the same view
// moved CheckoutOffset metres along x, so the two overlap on the floor plan
// between about 5.5 and 7.4 m.
const (
	AisleCam       = 0
	CheckoutCam    = 1
	CheckoutOffset = 5.0 // metres
)

// CameraFloor is the ground-truth image-to-floor map of camera cam of the
// two-camera scene.
func CameraFloor(cam int, u, v float64) (x, y float64) {
	x, y = Floor(u, v)
	if cam == CheckoutCam {
		x += CheckoutOffset
	}
	return x, y
}

// cameraImage is CameraFloor's inverse: where floor point (x, y) lies in
// camera cam's image.
func cameraImage(cam int, x, y float64) (u, v float64) {
	if cam == CheckoutCam {
		x -= CheckoutOffset
	}
	// From x = (u/16)/w, y = (v/16)/w with w = 1 + 0.0005·v.
	v = 16 * y / (1 - 0.008*y)
	return 16 * x * (1 + 0.0005*v), v
}

// CameraCalibration is camera cam's image↔floor pairs.
func CameraCalibration(cam int) [][2][2]float64 {
	out := Calibration()
	for i := range out {
		out[i][1][0], out[i][1][1] = CameraFloor(cam, out[i][0][0], out[i][0][1])
	}
	return out
}

// Key is where a shopper stands at a frame: floor x in metres.
type Key struct {
	Frame int
	X     float64
}

// Shopper is one person of the two-camera scene: walking along the row
// whose feet are at image row V (the same in both cameras, whose views
// differ only along x), through the floor positions of Keys (linear
// between them; absent before the first and after the last), painting
// Patch over Share of the square from frame From to To, and hidden from
// both cameras (behind a pillar) from HideFrom to HideTo.
type Shopper struct {
	V                int
	Keys             []Key
	Patch            [3]byte
	Share            float64
	From, To         int
	HideFrom, HideTo int
}

// FloorY is the shopper's floor y in metres.
func (s Shopper) FloorY() float64 { _, y := Floor(0, float64(s.V)); return y }

// At is the shopper's floor x at frame i; ok is false when absent.
func (s Shopper) At(i int) (x float64, ok bool) {
	if len(s.Keys) == 0 || i < s.Keys[0].Frame || i > s.Keys[len(s.Keys)-1].Frame {
		return 0, false
	}
	if s.HideTo > 0 && i >= s.HideFrom && i <= s.HideTo {
		return 0, false
	}
	for k := 1; k < len(s.Keys); k++ {
		a, b := s.Keys[k-1], s.Keys[k]
		if i <= b.Frame {
			f := float64(i-a.Frame) / float64(b.Frame-a.Frame)
			return a.X + f*(b.X-a.X), true
		}
	}
	return s.Keys[len(s.Keys)-1].X, true
}

// CheckoutScript is the two-camera scene: frames and shoppers.
type CheckoutScript struct {
	Frames   int
	Shoppers []Shopper
}

// Checkout is the aisle-to-checkout scene, at 10 frames a second:
//   - shopper 0 (A) walks along y ≈ 2.45 m from the aisle (x = 1 m) to
//     lane 2 (x = 10 m, frame 36), concealing in a pocket (share 0.75) over
//     frames 6-13 in aisle A, seen only by the aisle camera; the checkout
//     camera takes over in the overlap; A waits at lane 2 to the end;
//   - shopper 1 (B) walks along y ≈ 4.81 m from x = 2 m (frame 4) to lane 3
//     (frame 36), concealing nothing, and waits there to the end.
//
// With exit, A leaves lane 2 at frame 76 and walks out through the
// entrance E (past the checkout camera's view by frame 90); the scene
// runs on to frame 130 so the track can end. With hide > 0, A is hidden
// from both cameras for hide frames from frame 15 (x = 4.75 m, before the
// checkout camera sees A), as behind a pillar: 10 frames (1 s) and A comes
// back in the overlap, 30 frames (3 s) and A comes back at lane 2.
//
// A correct pipeline reports one event (pocket in A by the aisle camera),
// two floor tracks, A's presence at lane 2 under the event's track, and
// nothing for B; with exit, A's stay at lane 2 ends and A leaves through E.
// A hidden longer than the floor tracker's hand-over window comes back as
// a new floor track with no event, so nothing is reported at lane 2.
func Checkout(exit bool, hide int) CheckoutScript {
	a := Shopper{V: 40, Keys: []Key{{0, 1}, {36, 10}, {80, 10}}, Patch: Yellow, Share: 0.75, From: 6, To: 13}
	frames := 80
	if exit {
		a.Keys = []Key{{0, 1}, {36, 10}, {76, 10}, {94, 14.5}}
		frames = 130
	}
	if hide > 0 {
		a.HideFrom, a.HideTo = 15, 15+hide-1
	}
	b := Shopper{V: 80, Keys: []Key{{4, 2}, {36, 10}, {frames - 1, 10}}}
	return CheckoutScript{Frames: frames, Shoppers: []Shopper{a, b}}
}

// Render paints camera cam's frame i as RGB24.
func (s CheckoutScript) Render(cam, i int, pix []byte) {
	clear(pix)
	for _, p := range s.Shoppers {
		x, ok := p.At(i)
		if !ok {
			continue
		}
		u, v := cameraImage(cam, x, p.FloorY())
		x0 := 2 * int(math.Round((u-Side/2)/2)) // whole model pixels
		y0 := int(math.Round(v)) - Side
		paint(pix, x0, y0, x0+Side, y0+Side, Red)
		if i >= p.From && i <= p.To {
			paint(pix, x0, y0, x0+Side, y0+int(float64(Side)*p.Share+0.5), p.Patch)
		}
	}
}

// CheckoutZones is the floor plan of the two-camera scene: aisle A, lanes
// 2 and 3 (checkout zones with their lane), and the entrance E.
func CheckoutZones() []ss.Zone {
	return []ss.Zone{
		{Code: "A", Name: "Aisle A", Kind: ss.KindAisle, Category: "cosmetics", UnitValue: 12.5, Polygon: ss.Rect(-1, -1, 5, 7)},
		{Code: "L2", Name: "Lane 2", Kind: ss.KindCheckout, Lane: "2", Category: "checkout", Polygon: ss.Rect(9, -1, 11, 3.6)},
		{Code: "L3", Name: "Lane 3", Kind: ss.KindCheckout, Lane: "3", Category: "checkout", Polygon: ss.Rect(9, 3.6, 11, 7)},
		{Code: "E", Name: "Entrance", Kind: ss.KindEntrance, Category: "entrance", Polygon: ss.Rect(11, -1, 15, 7)},
	}
}

// WritePNGs writes camera cam's frames as a folder of PNG files.
func (s CheckoutScript) WritePNGs(cam int, dir string) error {
	pix := make([]byte, 3*W*H)
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	for i := 0; i < s.Frames; i++ {
		s.Render(cam, i, pix)
		for p := 0; p < W*H; p++ {
			copy(img.Pix[4*p:], pix[3*p:3*p+3])
			img.Pix[4*p+3] = 255
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("frame-%04d.png", i)), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
