package main

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shrinkscope/shrinkscope/internal/scene"
)

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// countColour counts the pixels of exactly c.
func countColour(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) == c {
				n++
			}
		}
	}
	return n
}

var (
	zoneBlue    = color.RGBA{0, 200, 255, 255}
	personGreen = color.RGBA{0, 255, 0, 255}
	bagOrange   = color.RGBA{255, 160, 0, 255}
)

// `vision check` on the scene: it names the model's input and output and
// their fit, the zones, the calibration's error and the frame size, and
// writes annotated frames — the zones' border where the scene's true
// floor map puts it, person boxes on every frame, a bag box on the frames
// where walker 1 conceals (4 onwards) and none before — sending nothing.
func TestVisionCheck(t *testing.T) {
	v := newVisionSetup(t)
	frames := sceneFrames(t, v)
	cfg := v.config(t, "http://"+v.srv.addr, "  - id: cam-door\n    source: {kind: folder, path: "+frames+"}\n")
	out := filepath.Join(v.dir, "check")
	var stdout, stderr syncBuffer
	if err := run(context.Background(), []string{"vision", "check", "--config", cfg, "--frames", "6", "--out", out},
		envOf(map[string]string{"VISION_TOKEN": v.ingest}), strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("vision check: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	report := stdout.String()
	for _, want := range []string{
		"input  images [1 3 64 64]", "output output0 [1 7 ",
		"row 4: person (person)", "row 5: pocket (concealment → method pocket)", "row 6: bag (concealment → method bag)",
		"ok   fits the contract: input 64×64, 3 classes",
		"ok   2 zones from the server: A, B",
		"floor tracker: gate 1.00 m, hand-over 2s, lane_leave 1s", "info no checkout zone has a lane",
		"ok   frame 128×96; every calibration point lies inside it",
		"frame 5: ", "bag 1.00", "in zone B", "every check passed; nothing was sent",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	pngs, _ := filepath.Glob(filepath.Join(out, "cam-door-*.png"))
	if len(pngs) != 6 {
		t.Fatalf("%d annotated frames, want 6", len(pngs))
	}
	first, fifth := readPNG(t, pngs[0]), readPNG(t, pngs[5])
	if b := first.Bounds(); b.Dx() != 128 || b.Dy() != 96 {
		t.Errorf("frame size %v", b)
	}
	// The A|B border is floor x = 4 m; the scene's map x = (u/16)/(1+0.0005v)
	// puts it at u = 64·(1 + 0.0005·56) ≈ 65.8 on row 56.
	hit := false
	for u := 65; u <= 67; u++ {
		if color.RGBAModel.Convert(first.At(u, 56)).(color.RGBA) == zoneBlue {
			hit = true
		}
	}
	if !hit {
		t.Errorf("the zone border is not drawn near (66, 56)")
	}
	if countColour(first, personGreen) == 0 || countColour(fifth, personGreen) == 0 {
		t.Errorf("person boxes missing")
	}
	if countColour(first, bagOrange) != 0 || countColour(fifth, bagOrange) == 0 {
		t.Errorf("bag box: %d orange pixels on frame 0 (want 0), %d on frame 5 (want some)", countColour(first, bagOrange), countColour(fifth, bagOrange))
	}
	if got := v.events(t); len(got) != 0 {
		t.Errorf("check stored events %v", got)
	}
}

// A model that does not fit the classes the config names, and a
// calibration measured on another frame size, are each reported and fail
// the check.
func TestVisionCheckFindsProblems(t *testing.T) {
	v := newVisionSetup(t)
	frames := sceneFrames(t, v)
	cfg := v.config(t, "http://"+v.srv.addr, "  - id: cam-door\n    source: {kind: folder, path: "+frames+"}\n")
	rewrite(t, cfg, "classes: [person, pocket, bag]", "classes: [person, pocket, bag, sleeve]")
	var stdout syncBuffer
	err := run(context.Background(), []string{"vision", "check", "--config", cfg, "--out", filepath.Join(v.dir, "c1")},
		envOf(map[string]string{"VISION_TOKEN": v.ingest}), strings.NewReader(""), &stdout, &stdout)
	if err == nil || !strings.Contains(err.Error(), "want [1, 4+4 classes, candidates]") || !strings.Contains(stdout.String(), "row 7: sleeve (ignored)") {
		t.Errorf("a model of 3 classes under 4 configured: err %v\n%s", err, stdout.String())
	}

	rewrite(t, cfg, "classes: [person, pocket, bag, sleeve]", "classes: [person, pocket, bag]")
	rewrite(t, cfg, "{image: [128, 96],", "{image: [1280, 960],")
	text := readFile(t, cfg)
	// The floor point of (1280, 960) on the scene's true map, so the fit
	// stays exact and only the frame check can refuse the point.
	fx, fy := scene.Floor(1280, 960)
	text = strings.Replace(text, "{image: [1280, 960], floor: [", fmt.Sprintf("{image: [1280, 960], floor: [%.12g, %.12g]} #", fx, fy), 1)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout2 syncBuffer
	err = run(context.Background(), []string{"vision", "check", "--config", cfg, "--frames", "2", "--out", filepath.Join(v.dir, "c2")},
		envOf(map[string]string{"VISION_TOKEN": v.ingest}), strings.NewReader(""), &stdout2, &stdout2)
	if err == nil || !strings.Contains(stdout2.String(), "FAIL camera cam-door: calibration point 2 (1280, 960) lies outside its 128×96 frame") ||
		!strings.Contains(stdout2.String(), "1 problem(s); nothing was sent") {
		t.Errorf("calibration outside the frame: err %v\n%s", err, stdout2.String())
	}
}
