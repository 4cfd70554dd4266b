package vision

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

func errField(err error) string {
	var e *ss.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

const baseConfig = `server: {url: "http://127.0.0.1:8080", token: t}
store: S1
spool: /tmp/spool
model: {path: m.onnx, classes: [person, pocket], methods: {pocket: pocket}}
cameras:
  - id: aisle-3
    source: {kind: ffmpeg, url: "rtsp://10.0.0.21/stream1", width: 640, height: 480}
    calibration:
      - {image: [0, 480], floor: [0, 0]}
      - {image: [640, 480], floor: [6, 0]}
      - {image: [%s], floor: [6, 9]}
      - {image: [0, 0], floor: [0, 9]}
`

// A calibration point outside the size the source is scaled to is refused
// at start, naming the camera, the point and the frame; on the frame's
// edge it is inside.
func TestConfigCalibrationInsideFrame(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		point string
		bad   bool
	}{{"640, 0", false}, {"640.5, 0", true}, {"1180, 700", true}, {"320, -1", true}} {
		_, err := ParseConfig([]byte(strings.Replace(baseConfig, "%s", c.point, 1)), func(string) string { return "" })
		if !c.bad {
			if err != nil {
				t.Errorf("point %s: %v", c.point, err)
			}
			continue
		}
		if err == nil || errField(err) != "cameras.aisle-3.calibration[2].image" ||
			!strings.Contains(err.Error(), "camera aisle-3: calibration point 2") || !strings.Contains(err.Error(), "640×480 frame") {
			t.Errorf("point %s: err %v (field %q), want the camera, point 2 and the 640×480 frame named", c.point, err, errField(err))
		}
	}
}

// delivery.on_refusal is stop by default and refuses other words.
func TestConfigOnRefusal(t *testing.T) {
	t.Parallel()
	cfg := strings.Replace(baseConfig, "%s", "640, 0", 1)
	c, err := ParseConfig([]byte(cfg), func(string) string { return "" })
	if err != nil || c.Delivery.OnRefusal != "stop" {
		t.Fatalf("default on_refusal %q (%v), want stop", c.Delivery.OnRefusal, err)
	}
	_, err = ParseConfig([]byte(cfg+"delivery: {on_refusal: forever}\n"), func(string) string { return "" })
	if errField(err) != "delivery.on_refusal" {
		t.Errorf("on_refusal forever: %v, want refused naming delivery.on_refusal", err)
	}
}

// The floor tracker's settings default to a 1 m gate, a 2 s hand-over
// window and 1 s to leave a lane; a value out of range is refused naming
// its field.
func TestConfigFloor(t *testing.T) {
	t.Parallel()
	cfg := strings.Replace(baseConfig, "%s", "640, 0", 1)
	c, err := ParseConfig([]byte(cfg), func(string) string { return "" })
	if err != nil || c.Floor.Gate != 1 || c.Floor.Handover != 2*time.Second || c.Floor.LeaveAfter != time.Second {
		t.Fatalf("floor defaults %+v (%v), want gate 1 m, hand-over 2s, lane_leave 1s", c.Floor, err)
	}
	c, err = ParseConfig([]byte(cfg+"floor: {gate_m: 0.6, handover: 3500ms, lane_leave: 2s}\n"), func(string) string { return "" })
	if err != nil || c.Floor.Gate != 0.6 || c.Floor.Handover != 3500*time.Millisecond || c.Floor.LeaveAfter != 2*time.Second {
		t.Fatalf("floor %+v (%v), want the values given", c.Floor, err)
	}
	for _, c := range []struct{ yaml, field string }{
		{"floor: {gate_m: -1}", "floor.gate_m"},
		{"floor: {gate_m: 10.5}", "floor.gate_m"},
		{"floor: {handover: -1s}", "floor.handover"},
		{"floor: {handover: 2m}", "floor.handover"},
		{"floor: {lane_leave: -1s}", "floor.lane_leave"},
		{"floor: {gate: 1}", "config"},
	} {
		if _, err := ParseConfig([]byte(cfg+c.yaml+"\n"), func(string) string { return "" }); errField(err) != c.field {
			t.Errorf("%s: %v (field %q), want refused naming %s", c.yaml, err, errField(err), c.field)
		}
	}
}

// vision check fails a gate that does not exceed the two largest
// calibration errors together, and lists the lanes and the checkout zones
// without one.
func TestCheckFloor(t *testing.T) {
	t.Parallel()
	cfg := &Config{Cameras: []CameraConfig{{Reprojection: 0.1}, {Reprojection: 0.3}, {Reprojection: 0.25}}}
	cfg.Floor.Handover, cfg.Floor.LeaveAfter = 2*time.Second, time.Second
	zones := NewZoneIndex([]ss.Zone{
		{Code: "L7", Kind: ss.KindCheckout, Lane: "7", Polygon: ss.Rect(0, 0, 1, 1)},
		{Code: "SC", Kind: ss.KindCheckout, Polygon: ss.Rect(1, 0, 2, 1)},
	})
	for _, c := range []struct {
		gate float64
		fail bool
	}{{0.54, true}, {0.56, false}} {
		cfg.Floor.Gate = c.gate
		var out strings.Builder
		var failed []string
		checkFloor(cfg, zones, &out, func(f string, a ...any) { failed = append(failed, fmt.Sprintf(f, a...)) })
		if (len(failed) > 0) != c.fail {
			t.Errorf("gate %.2f against errors 0.30 + 0.25: failures %q, want failed %v", c.gate, failed, c.fail)
		}
		if !strings.Contains(out.String(), "lanes: 7 (zone L7)") || !strings.Contains(out.String(), "without a lane, where nothing is reported: SC") {
			t.Errorf("report:\n%s", out.String())
		}
	}
}
