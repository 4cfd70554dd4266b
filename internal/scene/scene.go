package scene

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"

	ss "github.com/shrinkscope/shrinkscope"
)

// Frame size of the scene, and the person's side, in pixels.
const (
	W, H = 128, 96
	Side = 16
)

// Colours the test detector sees.
var (
	Red     = [3]byte{255, 0, 0}
	Yellow  = [3]byte{255, 255, 0}
	Magenta = [3]byte{255, 0, 255}
)

// Walker is one person: from (X, Y) moving DX pixels a frame (even numbers
// keep the square on whole model pixels), painting Patch over Share of the
// square from frame From to frame To inclusive.
type Walker struct {
	X, Y, DX int
	Patch    [3]byte
	Share    float64
	From, To int
}

// Script is a scene: frames and walkers.
type Script struct {
	Frames  int
	Walkers []Walker
}

// Standard is the scene the tests use, 40 frames:
//   - walker 0 walks right along the top, through zone A into B, and
//     conceals in a pocket (share 0.75) over frames 10-17 while in A;
//   - walker 1 walks left along the bottom, from B into A, and conceals in a
//     bag (share 1) over frames 4-11 while in B, then (as the same person,
//     entry 2) shows only a weak score (0.25) over frames 24-30.
//
// A correct pipeline reports two events — pocket in A, bag in B — and
// footfall A 2, B 2, and 2 store visitors from an entrance camera.
func Standard() Script {
	return Script{Frames: 40, Walkers: []Walker{
		{X: 8, Y: 24, DX: 2, Patch: Yellow, Share: 0.75, From: 10, To: 17},
		{X: 100, Y: 64, DX: -2, Patch: Magenta, Share: 1, From: 4, To: 11},
		{X: 100, Y: 64, DX: -2, Patch: Magenta, Share: 0.25, From: 24, To: 30},
	}}
}

// Render paints frame i as RGB24.
func (s Script) Render(i int, pix []byte) {
	clear(pix)
	drawn := map[[2]int]bool{}
	for _, w := range s.Walkers {
		x, y := w.X+w.DX*i, w.Y
		if !drawn[[2]int{x, y}] {
			paint(pix, x, y, x+Side, y+Side, Red)
			drawn[[2]int{x, y}] = true
		}
		if i >= w.From && i <= w.To {
			paint(pix, x, y, x+Side, y+int(float64(Side)*w.Share+0.5), w.Patch)
		}
	}
}

func paint(pix []byte, x0, y0, x1, y1 int, c [3]byte) {
	for y := max(y0, 0); y < min(y1, H); y++ {
		for x := max(x0, 0); x < min(x1, W); x++ {
			copy(pix[3*(y*W+x):], c[:])
		}
	}
}

// Calibration is the camera's image↔floor pairs: a top-down view where 16
// pixels are one metre, seen through a slight tilt so the fit is a true
// homography; Floor maps pixels the same way.
func Calibration() [][2][2]float64 {
	img := [][2]float64{{0, 0}, {128, 0}, {128, 96}, {0, 96}, {64, 48}, {32, 80}}
	out := make([][2][2]float64, len(img))
	for i, p := range img {
		x, y := Floor(p[0], p[1])
		out[i] = [2][2]float64{p, {x, y}}
	}
	return out
}

// Floor is the ground-truth image-to-floor map of the scene's camera.
func Floor(u, v float64) (x, y float64) {
	w := 1 + 0.0005*v
	return (u / 16) / w, (v / 16) / w
}

// Zones is the store's floor plan: A the left half, B the right half.
func Zones() []ss.Zone {
	x1, _ := Floor(64, 0)
	x2, _ := Floor(128, 0)
	_, y3 := Floor(0, 96)
	return []ss.Zone{
		{Code: "A", Name: "Aisle A", Kind: ss.KindAisle, Category: "cosmetics", UnitValue: 12.5, Polygon: ss.Rect(-1, -1, x1, y3+1)},
		{Code: "B", Name: "Aisle B", Kind: ss.KindAisle, Category: "spirits", UnitValue: 30, Polygon: ss.Rect(x1, -1, x2+1, y3+1)},
	}
}

// WritePNGs writes the frames as a folder of PNG files.
func (s Script) WritePNGs(dir string) error { return s.WritePNGsRepeated(dir, 1) }

// WritePNGsRepeated writes the scene reps times over: each time the people
// start again where they began, as new people (their tracks jump).
func (s Script) WritePNGsRepeated(dir string, reps int) error {
	pix := make([]byte, 3*W*H)
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	for i := 0; i < reps*s.Frames; i++ {
		s.Render(i%s.Frames, pix)
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

// WriteVideo encodes the frames with ffmpeg into a lossless FFV1 video at
// path (a .mkv), 10 frames a second.
func (s Script) WriteVideo(path string) error {
	var raw bytes.Buffer
	pix := make([]byte, 3*W*H)
	for i := 0; i < s.Frames; i++ {
		s.Render(i, pix)
		raw.Write(pix)
	}
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
		"-s", fmt.Sprintf("%dx%d", W, H), "-r", "10", "-i", "pipe:0", "-c:v", "ffv1", path)
	cmd.Stdin = &raw
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ffmpeg: %v: %s", err, out)
	}
	return nil
}
