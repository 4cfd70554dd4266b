package scene

import (
	"math"
	"testing"
)

// Each camera's image-to-floor map and its inverse agree, the cameras'
// views overlap by the stretch Checkout's doc names, and every shopper's
// square lands on the rows its V names.
func TestCheckoutCameras(t *testing.T) {
	t.Parallel()
	for cam := range 2 {
		for _, p := range [][2]float64{{0, 0}, {64, 40}, {128, 96}, {7, 80}} {
			x, y := CameraFloor(cam, p[0], p[1])
			u, v := cameraImage(cam, x, y)
			if math.Abs(u-p[0]) > 1e-9 || math.Abs(v-p[1]) > 1e-9 {
				t.Errorf("camera %d: (%v, %v) → (%v, %v) m → (%v, %v)", cam, p[0], p[1], x, y, u, v)
			}
		}
	}
	// On A's row (feet at v = 40), a 16-pixel square is wholly in view for
	// feet at u in [8, 120]: 0.49–7.35 m for the aisle camera, 5.49–12.35 m
	// for the checkout camera.
	lo, _ := CameraFloor(CheckoutCam, 8, 40)
	hi, _ := CameraFloor(AisleCam, 120, 40)
	if math.Abs(lo-5.490) > 1e-3 || math.Abs(hi-7.353) > 1e-3 {
		t.Errorf("overlap on A's row %.3f–%.3f m, want 5.490–7.353", lo, hi)
	}
	sc := Checkout(false, 0)
	pix := make([]byte, 3*W*H)
	sc.Render(AisleCam, 0, pix)
	for _, row := range []int{24, 39, 64, 79} { // A's rows 24-39, B absent at frame 0
		red := 0
		for x := 0; x < W; x++ {
			if pix[3*(row*W+x)] == 255 {
				red++
			}
		}
		if want := map[int]int{24: 16, 39: 16, 64: 0, 79: 0}[row]; red != want {
			t.Errorf("frame 0, row %d: %d red pixels, want %d", row, red, want)
		}
	}
}
