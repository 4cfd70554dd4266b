package vision

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/shrinkscope/shrinkscope/internal/onnxmodel"
)

// runtimeLib returns the ONNX Runtime library that `make test` fetches
// (scripts/onnxruntime) and names in ONNXRUNTIME_LIB, or skips.
func runtimeLib(t testing.TB) string {
	t.Helper()
	lib := os.Getenv("ONNXRUNTIME_LIB")
	if lib == "" {
		if p, err := filepath.Abs("../.onnxruntime/1.24.3/libonnxruntime.so.1"); err == nil {
			if _, err := os.Stat(p); err == nil {
				lib = p
			}
		}
	}
	if lib == "" {
		t.Skip("no ONNX Runtime library: run `make test`, or scripts/onnxruntime and set ONNXRUNTIME_LIB")
	}
	if err := InitRuntime(lib); err != nil {
		t.Fatal(err)
	}
	return lib
}

// testModel writes the generated test detector into a temporary folder.
func testModel(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "test-detector.onnx")
	if err := os.WriteFile(p, onnxmodel.TestDetector{}.Model(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Colours the test detector sees.
var (
	red     = [3]byte{255, 0, 0}
	yellow  = [3]byte{255, 255, 0} // pocket
	magenta = [3]byte{255, 0, 255} // bag
)

func blank(w, h int) *Frame { return &Frame{W: w, H: h, Pix: make([]byte, 3*w*h)} }

// paint fills the rectangle [x0,x1)×[y0,y1) of f with c.
func paint(f *Frame, x0, y0, x1, y1 int, c [3]byte) {
	for y := max(y0, 0); y < min(y1, f.H); y++ {
		for x := max(x0, 0); x < min(x1, f.W); x++ {
			copy(f.Pix[3*(y*f.W+x):], c[:])
		}
	}
}

// person paints a side×side red person at (x, y) with its top rows painted
// in patch colour over share of its area.
func person(f *Frame, x, y, side int, patch [3]byte, share float64) {
	paint(f, x, y, x+side, y+side, red)
	rows := int(float64(side)*share + 0.5)
	paint(f, x, y, x+side, y+rows, patch)
}
