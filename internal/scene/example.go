package scene

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/onnxmodel"
)

// Example files docs/VISION.md's walk-through uses, written by
// `go run ./cmd/visionexample`.
const (
	ExampleModel  = "detector.onnx"
	ExampleFrames = "frames"
	ExampleStore  = "store.json"
	ExampleZones  = "zones.geojson"
)

// WriteExample writes, under dir, everything the walk-through needs besides
// ONNX Runtime and a server: the generated test detector (classes person,
// pocket, bag), the standard scene as PNG frames, and the store and zones
// to PUT on the server.
func WriteExample(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, ExampleFrames), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ExampleModel), onnxmodel.TestDetector{}.Model(), 0o644); err != nil {
		return err
	}
	if err := Standard().WritePNGs(filepath.Join(dir, ExampleFrames)); err != nil {
		return err
	}
	store := `{"name":"Example store","timezone":"Europe/London","opening_hours":{"mon":[["08:00","20:00"]],"tue":[["08:00","20:00"]],"wed":[["08:00","20:00"]],"thu":[["08:00","20:00"]],"fri":[["08:00","20:00"]],"sat":[["08:00","20:00"]],"sun":[["10:00","16:00"]]},"profile":{"urban_density":1,"theft_index":1,"staffing_capacity":1},"operating_model":"detection","currency":"GBP"}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, ExampleStore), []byte(store), 0o644); err != nil {
		return err
	}
	zones, err := json.MarshalIndent(ss.GeoJSON(Zones()), "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ExampleZones), append(zones, '\n'), 0o644); err != nil {
		return fmt.Errorf("scene: %w", err)
	}
	return nil
}
