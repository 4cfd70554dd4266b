package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/internal/scene"
)

// sceneFrames writes the standard scene as a folder of PNG frames.
func sceneFrames(t *testing.T, v *visionSetup) string {
	t.Helper()
	frames := filepath.Join(v.dir, "frames")
	if err := mkdir(frames); err != nil {
		t.Fatal(err)
	}
	if err := scene.Standard().WritePNGs(frames); err != nil {
		t.Fatal(err)
	}
	return frames
}

func rewrite(t *testing.T, path, old, new string) {
	t.Helper()
	text := readFile(t, path)
	if !strings.Contains(text, old) {
		t.Fatalf("%s lacks %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(text, old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Footfall goes out an hour at a time: the scene's three zone-hours (A, B
// and the store) arrive in one request, not one request per visitor.
func TestVisionBatchesFootfallByHour(t *testing.T) {
	v := newVisionSetup(t)
	frames := sceneFrames(t, v)
	cfg := v.config(t, "http://"+v.srv.addr, "  - id: cam-door\n    entrance: true\n    source: {kind: folder, path: "+frames+"}\n")
	rewrite(t, cfg, "batch: 1,", "batch: 200,")
	var logs syncBuffer
	start := time.Now()
	if err := run(context.Background(), []string{"vision", "--config", cfg},
		envOf(map[string]string{"VISION_TOKEN": v.ingest}), strings.NewReader(""), &logs, &logs); err != nil {
		t.Fatalf("vision: %v\n%s", err, logs.String())
	}
	hours := 1
	if time.Now().Truncate(time.Hour) != start.Truncate(time.Hour) {
		hours = 2 // the run crossed an hour: that hour's totals went out when it closed
	}
	if n := strings.Count(logs.String(), `"msg":"delivered","kind":"footfall"`); n < 1 || n > hours {
		t.Errorf("%d footfall requests, want %d:\n%s", n, hours, logs.String())
	}
	if ff := v.footfall(t); ff["A"] != 2 || ff["B"] != 2 || ff[""] != 2 || len(ff) != 3 {
		t.Errorf("footfall %v, want A 2, B 2, store 2", ff)
	}
	if got := v.events(t); len(got) != 2 {
		t.Errorf("events %+v, want two", got)
	}
}

// --dry-run runs the whole pipeline on the scene and logs its two events
// and its footfall, but stores nothing on the server and spools nothing.
func TestVisionDryRun(t *testing.T) {
	v := newVisionSetup(t)
	frames := sceneFrames(t, v)
	cfg := v.config(t, "http://"+v.srv.addr, "  - id: cam-door\n    entrance: true\n    source: {kind: folder, path: "+frames+"}\n")
	var logs syncBuffer
	if err := run(context.Background(), []string{"vision", "--config", cfg, "--dry-run"},
		envOf(map[string]string{"VISION_TOKEN": v.ingest}), strings.NewReader(""), &logs, &logs); err != nil {
		t.Fatalf("vision --dry-run: %v\n%s", err, logs.String())
	}
	out := logs.String()
	for _, want := range []string{
		`"msg":"dry run: concealment event (not sent)","camera":"cam-door","zone":"A"`,
		`"msg":"dry run: concealment event (not sent)","camera":"cam-door","zone":"B"`,
		`"msg":"dry run: footfall (not sent)","zone":"","hour"`,
		`"msg":"dry run ended; nothing was sent","events":2,"footfall_rows":3,"visitors":6`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
	if strings.Count(out, "dry run: concealment event") != 2 {
		t.Errorf("want two events logged:\n%s", out)
	}
	if got := v.events(t); len(got) != 0 {
		t.Errorf("a dry run stored events %+v", got)
	}
	if ff := v.footfall(t); len(ff) != 0 {
		t.Errorf("a dry run stored footfall %v", ff)
	}
	if _, err := os.Stat(filepath.Join(v.dir, "spool")); !os.IsNotExist(err) {
		t.Errorf("a dry run made the spool (%v)", err)
	}
}

// A calibration point outside the frame (measured on another image size)
// stops the camera with an error naming the camera, the point and the
// frame size: at start when the source gives its size, else at the first
// frame.
func TestVisionCalibrationOutsideFrame(t *testing.T) {
	v := newVisionSetup(t)
	frames := sceneFrames(t, v)
	cfg := v.config(t, "http://"+v.srv.addr, "  - id: cam-door\n    source: {kind: folder, path: "+frames+"}\n")
	// The scene is 128×96; the third point is moved to (1180, 700) with the
	// floor point the scene's true map gives it, so the fit is still exact
	// and only the frame check can refuse it.
	fx, fy := scene.Floor(1180, 700)
	text := readFile(t, cfg)
	lines := strings.Split(text, "\n")
	n := 0
	for i, l := range lines {
		if strings.Contains(l, "{image: [") {
			if n == 2 {
				lines[i] = fmt.Sprintf("      - {image: [1180, 700], floor: [%.12g, %.12g]}", fx, fy)
			}
			n++
		}
	}
	if err := os.WriteFile(cfg, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	err := run(context.Background(), []string{"vision", "--config", cfg, "--dry-run"},
		envOf(map[string]string{"VISION_TOKEN": v.ingest}), strings.NewReader(""), &logs, &logs)
	if err == nil || !strings.Contains(err.Error(), "camera cam-door: calibration point 2 (1180, 700) lies outside its 128×96 frame") {
		t.Fatalf("err %v, want the camera, the point and the frame named\n%s", err, logs.String())
	}
}
