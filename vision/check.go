package vision

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	ort "github.com/yalue/onnxruntime_go"

	ss "github.com/shrinkscope/shrinkscope"
)

// CheckOptions tune `vision check`.
type CheckOptions struct {
	Frames int    // frames read per camera (5)
	Out    string // folder for the annotated PNG frames (required)
}

// errEnough stops a source once check has read its frames.
var errEnough = errors.New("enough frames")

// Check tries a configuration without sending anything: it loads ONNX
// Runtime and the model and says whether the model fits the contract
// (input [1, 3, S, S], output [1, 4+classes, candidates]), checks every
// camera's calibration (reprojection error, points inside the frame),
// reads a few frames of each camera through the detector and tracker, and
// writes them to opt.Out annotated with boxes, scores, track ids and the
// zones projected back onto the image. The zones come from the server (a
// GET) or the spool's copy. It reports on w and returns an error naming
// every problem found.
func Check(ctx context.Context, cfg *Config, opt CheckOptions, w io.Writer, log *slog.Logger) error {
	if opt.Frames <= 0 {
		opt.Frames = 5
	}
	if opt.Out == "" {
		return invalid("out", "--out names the folder for the annotated frames")
	}
	if err := os.MkdirAll(opt.Out, 0o755); err != nil {
		return fmt.Errorf("vision check: %w", err)
	}
	var problems []string
	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		problems = append(problems, msg)
		fmt.Fprintln(w, "  FAIL "+msg)
	}

	fmt.Fprintf(w, "ONNX Runtime: %s\n", cfg.Runtime.Library)
	if err := InitRuntime(cfg.Runtime.Library); err != nil {
		fmt.Fprintln(w, "  FAIL", err)
		return fmt.Errorf("vision check: %w (see docs/VISION.md, \"Getting ONNX Runtime\")", err)
	}
	fmt.Fprintf(w, "  ok   version %s\n", ort.GetVersion())

	fmt.Fprintf(w, "model: %s\n", cfg.Model.Path)
	det, err := describeModel(cfg, w)
	if err != nil {
		fmt.Fprintln(w, "  FAIL", err)
		return fmt.Errorf("vision check: %w (see docs/VISION.md, \"The model contract\")", err)
	}
	defer det.Close()

	fmt.Fprintf(w, "zones of store %s:\n", cfg.Store)
	zones := checkZones(ctx, cfg, w)
	checkFloor(cfg, zones, w, fail)

	person := slices.Index(cfg.Model.Classes, cfg.Model.Person)
	thresholds := make([]float64, len(cfg.Model.Classes))
	for i := range thresholds {
		thresholds[i] = cfg.Thresholds.Conceal
	}
	thresholds[person] = cfg.Thresholds.Person
	for i := range cfg.Cameras {
		cc := &cfg.Cameras[i]
		fmt.Fprintf(w, "camera %s (%s):\n", cc.ID, cc.Source.Kind)
		fmt.Fprintf(w, "  ok   calibration: %d points, largest reprojection error %.3f m (limit %.3f m)\n",
			len(cc.Calibration), cc.Reprojection, cfg.Thresholds.MaxReprojection)
		inv, ok := cc.Homography.Inverse()
		if !ok {
			fail("camera %s: the calibration's homography cannot be inverted", cc.ID)
		}
		tracker := NewTracker(TrackerConfig{IoU: cfg.Thresholds.Match})
		var lb *Letterbox
		var dets []Detection
		n := 0
		src := NewSource(cc.Source, log.With("camera", cc.ID), nil)
		err := src.Run(ctx, func(f *Frame) error {
			if lb == nil {
				if err := cc.CheckFrame(f.W, f.H); err != nil {
					fail("%s", strings.TrimPrefix(err.Error(), "invalid: "))
				} else {
					fmt.Fprintf(w, "  ok   frame %d×%d; every calibration point lies inside it\n", f.W, f.H)
				}
			}
			if lb == nil || lb.W != f.W || lb.H != f.H {
				lb = NewLetterbox(f.W, f.H, det.Size)
			}
			lb.Fill(det.Input())
			lb.Apply(f, det.Input())
			if err := det.Run(); err != nil {
				return fmt.Errorf("run model: %w", err)
			}
			dets = Decode(det.Output(), det.Candidates, det.Classes, thresholds, cfg.Thresholds.NMSIoU, lb, dets)
			live, _ := tracker.Update(People(dets, person, len(cfg.Model.Classes)))
			path := filepath.Join(opt.Out, fmt.Sprintf("%s-%03d.png", cc.ID, n))
			line, err := annotate(f, dets, live, zones, cc, &inv, cfg, path)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "  frame %d: %s → %s\n", n, line, path)
			n++
			if n == opt.Frames {
				return errEnough
			}
			return nil
		})
		switch {
		case errors.Is(err, errEnough) || (err == nil && n > 0):
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			fail("camera %s: reading frames: %v", cc.ID, err)
		default:
			fail("camera %s: the source gave no frames", cc.ID)
		}
	}
	if len(problems) > 0 {
		fmt.Fprintf(w, "%d problem(s); nothing was sent\n", len(problems))
		return fmt.Errorf("vision check: %s", strings.Join(problems, "; "))
	}
	fmt.Fprintf(w, "every check passed; nothing was sent\n")
	return nil
}

// describeModel prints the model's input and output and opens it when they
// fit the contract.
func describeModel(cfg *Config, w io.Writer) (*Detector, error) {
	ins, outs, err := ort.GetInputOutputInfo(cfg.Model.Path)
	if err != nil {
		return nil, fmt.Errorf("read model %s: %w", cfg.Model.Path, err)
	}
	for _, in := range ins {
		fmt.Fprintf(w, "  input  %s %v %s\n", in.Name, in.Dimensions, in.DataType)
	}
	for _, out := range outs {
		fmt.Fprintf(w, "  output %s %v %s\n", out.Name, out.Dimensions, out.DataType)
	}
	want := 4 + len(cfg.Model.Classes)
	fmt.Fprintf(w, "  contract: input [1 3 S S] float32, RGB in [0, 1]; output [1 %d N]: rows 0-3 box centre x, centre y, width, height in input pixels, then one score per class:\n", want)
	for i, c := range cfg.Model.Classes {
		role := "ignored"
		switch {
		case c == cfg.Model.Person:
			role = "person"
		case cfg.Model.Methods[c] != "":
			role = "concealment → method " + cfg.Model.Methods[c]
		}
		fmt.Fprintf(w, "    row %d: %s (%s)\n", 4+i, c, role)
	}
	det, err := NewDetector(cfg.Model.Path, len(cfg.Model.Classes), RuntimeOptions{
		IntraOpThreads: cfg.Runtime.IntraOpThreads, InterOpThreads: cfg.Runtime.InterOpThreads, CUDA: cfg.Runtime.CUDA})
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "vision: "))
	}
	fmt.Fprintf(w, "  ok   fits the contract: input %d×%d, %d classes, %d candidates\n", det.Size, det.Size, det.Classes, det.Candidates)
	return det, nil
}

// checkZones reads the zones (the server's, else the spool's copy),
// saying where they came from; nil when neither is at hand.
func checkZones(ctx context.Context, cfg *Config, w io.Writer) *ZoneIndex {
	c := &Client{URL: cfg.Server.URL, Token: cfg.Server.Token, HTTP: &http.Client{Timeout: cfg.Delivery.Timeout}}
	data, err := c.Zones(ctx, cfg.Store)
	from := "the server"
	if err != nil {
		fmt.Fprintf(w, "  warn the server's zones: %v\n", err)
		data, err = (&Spool{dir: cfg.Spool}).LoadZones()
		from = "the spool's copy"
	}
	if err != nil {
		fmt.Fprintln(w, "  warn no zones at hand: frames are drawn without them")
		return nil
	}
	zs, err := ParseZones(data)
	if err != nil {
		fmt.Fprintf(w, "  warn zones from %s: %v\n", from, err)
		return nil
	}
	codes := make([]string, len(zs))
	for i, z := range zs {
		codes[i] = z.Code
	}
	slices.Sort(codes)
	fmt.Fprintf(w, "  ok   %d zones from %s: %s\n", len(zs), from, strings.Join(codes, ", "))
	return NewZoneIndex(zs)
}

// checkFloor reports the floor tracker's settings against the cameras'
// calibration errors, and the lanes the zones name.
func checkFloor(cfg *Config, zones *ZoneIndex, w io.Writer, fail func(string, ...any)) {
	fmt.Fprintf(w, "floor tracker: gate %.2f m, hand-over %s, lane_leave %s\n", cfg.Floor.Gate, cfg.Floor.Handover, cfg.Floor.LeaveAfter)
	if len(cfg.Cameras) > 1 {
		// Two cameras place one person apart by up to the sum of their
		// calibration errors; the gate has to cover that.
		errs := make([]float64, len(cfg.Cameras))
		for i := range cfg.Cameras {
			errs[i] = cfg.Cameras[i].Reprojection
		}
		slices.Sort(errs)
		if worst := errs[len(errs)-1] + errs[len(errs)-2]; worst >= cfg.Floor.Gate {
			fail("floor.gate_m %.2f m does not exceed the two largest calibration errors together (%.3f m): one shopper seen by two cameras would become two floor tracks", cfg.Floor.Gate, worst)
		} else {
			fmt.Fprintf(w, "  ok   the gate exceeds the two largest calibration errors together (%.3f m)\n", worst)
		}
	}
	if zones == nil {
		return
	}
	var lanes, bare []string
	for _, z := range zones.Zones() {
		switch {
		case z.Kind == ss.KindCheckout && z.Lane != "":
			lanes = append(lanes, fmt.Sprintf("%s (zone %s)", z.Lane, z.Code))
		case z.Kind == ss.KindCheckout:
			bare = append(bare, z.Code)
		}
	}
	slices.Sort(lanes)
	slices.Sort(bare)
	if len(lanes) > 0 {
		fmt.Fprintf(w, "  ok   lanes: %s; a floor track with an event is reported at them\n", strings.Join(lanes, ", "))
	} else {
		fmt.Fprintln(w, "  info no checkout zone has a lane: no lane presence is reported")
	}
	if len(bare) > 0 {
		fmt.Fprintf(w, "  info checkout zones without a lane, where nothing is reported: %s\n", strings.Join(bare, ", "))
	}
}

// annotate writes the frame with what was seen to path and returns a line
// saying it.
func annotate(f *Frame, dets []Detection, live []*Track, zones *ZoneIndex, cc *CameraConfig, inv *Homography, cfg *Config, path string) (string, error) {
	a := NewAnnotation(f)
	if zones != nil {
		for _, z := range zones.Zones() {
			a.Zone(z.Polygon, inv, z.Code)
		}
	}
	for _, p := range cc.Calibration {
		a.Cross(p.Image[0], p.Image[1])
	}
	person := cfg.Model.Classes[slices.Index(cfg.Model.Classes, cfg.Model.Person)]
	var parts []string
	for _, d := range dets {
		if cfg.Model.Classes[d.Class] == person {
			continue
		}
		name := cfg.Model.Classes[d.Class]
		a.Box(d.Box, concealColour, fmt.Sprintf("%s %.2f", name, d.Score))
		parts = append(parts, fmt.Sprintf("%s %.2f", name, d.Score))
	}
	people := 0
	for _, tr := range live {
		if !tr.Seen {
			continue
		}
		people++
		x, y := (tr.Box.X0+tr.Box.X1)/2, tr.Box.Y1
		fx, fy := cc.Homography.Apply(x, y)
		zone := "-"
		if zones != nil {
			if z := zones.Lookup(fx, fy); z != nil {
				zone = z.Code
			}
		}
		a.Box(tr.Box, personColour, fmt.Sprintf("#%s %.2f", tr.ID[:4], tr.Person.Score))
		a.Cross(x, y)
		parts = append(parts, fmt.Sprintf("person #%s %.2f at (%.2f, %.2f) m in zone %s", tr.ID[:4], tr.Person.Score, fx, fy, zone))
	}
	out, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("vision check: %w", err)
	}
	if err := png.Encode(out, a.Image()); err != nil {
		out.Close()
		return "", fmt.Errorf("vision check: write %s: %w", path, err)
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	line := fmt.Sprintf("%d people", people)
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, "; ")
	}
	return line, nil
}
