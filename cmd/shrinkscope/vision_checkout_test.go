package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/scene"
	"github.com/shrinkscope/shrinkscope/vision"
)

// call makes an API request with token and returns the status and body.
func (v *visionSetup) call(t *testing.T, method, path, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+v.srv.addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// laneAnswer is GET /api/v1/checkout/lanes/{store}/{lane}.
type laneAnswer struct {
	Flagged bool    `json:"flagged"`
	Track   *string `json:"track"`
	Items   []struct {
		Category string  `json:"category"`
		EstValue float64 `json:"est_value"`
		Method   string  `json:"method"`
		Zone     string  `json:"zone"`
	} `json:"items"`
	Action string `json:"action"`
}

func (v *visionSetup) lane(t *testing.T, token, lane string) (laneAnswer, int, string) {
	t.Helper()
	st, body := v.call(t, "GET", "/api/v1/checkout/lanes/S1/"+lane, token, "")
	var a laneAnswer
	if st == 200 {
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatalf("lane %s: %v: %s", lane, err, body)
		}
	}
	return a, st, string(body)
}

// checkoutConfig writes a vision config with the two-camera scene's
// aisle and checkout cameras, each with its calibration, reading frames at
// fps.
func (v *visionSetup) checkoutConfig(t *testing.T, dirs [2]string, fps int) string {
	var cams strings.Builder
	for cam, id := range []string{"aisle", "checkout"} {
		fmt.Fprintf(&cams, "  - id: %s\n    source: {kind: folder, path: %s, fps: %d}\n    calibration:\n", id, dirs[cam], fps)
		for _, p := range scene.CameraCalibration(cam) {
			fmt.Fprintf(&cams, "      - {image: [%g, %g], floor: [%.12g, %.12g]}\n", p[0][0], p[0][1], p[1][0], p[1][1])
		}
	}
	cfg := fmt.Sprintf(`server: {url: "http://%s", token: "$VISION_TOKEN"}
store: S1
spool: %s
metrics_addr: %s
model: {path: %s, classes: [person, pocket, bag], methods: {pocket: pocket, bag: bag}}
onnxruntime: {library: %s, intra_op_threads: 1}
delivery: {batch: 50, interval: 20ms, retry_min: 20ms, retry_max: 200ms, timeout: 2s}
cameras:
%s`, v.srv.addr, filepath.Join(v.dir, "spool"), freeAddr(t), v.model, v.lib, cams.String())
	p := filepath.Join(v.dir, "vision.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The aisle-to-checkout hand-off end to end: the two-camera scene through
// `shrinkscope vision` (the real ONNX pipeline on both cameras and the
// floor tracker) to a real server. Shopper A conceals in the aisle before
// the aisle camera and walks, handed over to the checkout camera, to lane
// 2: the till at lane 2 is told flagged, with A's floor track, the pocket
// of cosmetics and the store policy's action (block: the item is worth the
// block_min_value). B, who concealed nothing, stands at lane 3, which is
// never flagged. The server is stopped while A walks out through the
// entrance: A's leaving lane 2 and exit through E are kept in the spool
// and arrive once it is back, and lane 2 is no longer flagged. Without
// -short, the test then waits out a one-minute visit window: A, never
// resolved at the till, walked out.
func TestVisionCheckoutHandOff(t *testing.T) {
	v := newVisionSetup(t)
	v.put(t, "/api/v1/stores/S1", `{"name":"s","timezone":"UTC","opening_hours":{"mon":[["08:00","20:00"]]},"profile":{"urban_density":1,"theft_index":1,"staffing_capacity":1},"operating_model":"checkout","currency":"GBP"}`)
	zones, _ := json.Marshal(ss.GeoJSON(scene.CheckoutZones()))
	v.put(t, "/api/v1/stores/S1/zones", string(zones))
	v.put(t, "/api/v1/stores/S1/checkout-policy", `{"block_min_value": 12.5}`)
	till, _, err := sh(t, v.srv.vars, "token", "create", "--role", "checkout", "--name", "till", "--stores", "S1")
	if err != nil {
		t.Fatal(err)
	}
	till = strings.TrimSpace(till)

	sc := scene.Checkout(true, 0)
	var dirs [2]string
	for cam, name := range []string{"aisle", "checkout"} {
		dirs[cam] = filepath.Join(v.dir, name)
		if err := mkdir(dirs[cam]); err != nil {
			t.Fatal(err)
		}
		if err := sc.WritePNGs(cam, dirs[cam]); err != nil {
			t.Fatal(err)
		}
	}
	cfg := v.checkoutConfig(t, dirs, 10)
	env := envOf(map[string]string{"VISION_TOKEN": v.ingest})

	var report syncBuffer
	if err := run(context.Background(), []string{"vision", "check", "--config", cfg, "--frames", "1", "--out", filepath.Join(v.dir, "check")},
		env, strings.NewReader(""), &report, io.Discard); err != nil {
		t.Fatalf("vision check: %v\n%s", err, report.String())
	}
	for _, want := range []string{"floor tracker: gate 1.00 m, hand-over 2s, lane_leave 1s",
		"ok   the gate exceeds the two largest calibration errors together", "ok   lanes: 2 (zone L2), 3 (zone L3)"} {
		if !strings.Contains(report.String(), want) {
			t.Errorf("vision check lacks %q:\n%s", want, report.String())
		}
	}

	metricsAddr := regexp.MustCompile(`metrics_addr: (\S+)`).FindStringSubmatch(readFile(t, cfg))[1]
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"vision", "--config", cfg}, env, strings.NewReader(""), io.Discard, &logs)
	}()
	// A reaches lane 2 at frame 32 and waits there to frame 80: ask as a till would.
	var flagged laneAnswer
	deadline := time.Now().Add(40 * time.Second)
	for !flagged.Flagged {
		if time.Now().After(deadline) {
			t.Fatalf("lane 2 was never flagged:\n%s", logs.String())
		}
		a, st, body := v.lane(t, till, "2")
		if st != 200 {
			t.Fatalf("GET lane 2: %d %s", st, body)
		}
		flagged = a
		if b, st, body := v.lane(t, till, "3"); st != 200 || b.Flagged {
			t.Fatalf("lane 3 (B, who concealed nothing): %d %s", st, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if flagged.Track == nil || len(flagged.Items) != 1 || flagged.Action != "block" {
		t.Fatalf("lane 2: %+v, want A's track, one item and block", flagged)
	}
	if it := flagged.Items[0]; it.Category != "cosmetics" || it.EstValue != 12.5 || it.Method != "pocket" || it.Zone != "A" {
		t.Errorf("lane 2 item %+v, want the pocket of cosmetics worth 12.5 in A", it)
	}
	res, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(metrics), `shrinkscope_vision_presences_total{kind="enter"} 1`) {
		t.Errorf("/metrics lacks one enter presence:\n%s", metrics)
	}

	// A walks out while the server is away; the sender meets it down when
	// A's track ends, and keeps what it could not send.
	v.srv.stop()
	for down := time.Now().Add(40 * time.Second); !strings.Contains(logs.String(), "delivery failed; will retry"); {
		if time.Now().After(down) {
			t.Fatalf("the sender never met the stopped server:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Back with visits closed every second, so that A's walk-out is
	// recorded a visit window (1 minute) after the concealment.
	v.srv.vars["SHRINKSCOPE_CHECKOUT_VISITS_EVERY"] = "1s"
	v.srv.start()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("vision: %v\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("vision did not finish:\n%s", logs.String())
	}

	events := v.events(t)
	var track string
	if err := v.pool.QueryRow(context.Background(), `SELECT track FROM events`).Scan(&track); err != nil || len(events) != 1 {
		t.Fatalf("events %+v (%v), want one", events, err)
	}
	if e := events[0]; e.Camera != "aisle" || e.Zone != "A" || e.Method != "pocket" || track != *flagged.Track {
		t.Errorf("event %+v track %s, want the aisle camera's pocket in A under the lane's track %s", e, track, *flagged.Track)
	}
	var lanes, left, exits int
	if err := v.pool.QueryRow(context.Background(), `
SELECT (SELECT count(*) FROM checkout_presence WHERE track = $1 AND lane = '2'),
       (SELECT count(*) FROM checkout_presence WHERE track = $1 AND lane = '2' AND left_at > at),
       (SELECT count(*) FROM checkout_exits WHERE track = $1 AND zone = 'E')`, track).Scan(&lanes, &left, &exits); err != nil {
		t.Fatal(err)
	}
	if lanes != 1 || left != 1 || exits != 1 {
		t.Errorf("stored: %d presences of A at lane 2, %d left, %d exits through E; want 1, 1, 1", lanes, left, exits)
	}
	var others int
	if err := v.pool.QueryRow(context.Background(), `SELECT count(*) FROM checkout_presence WHERE track <> $1`, track).Scan(&others); err != nil || others != 0 {
		t.Errorf("%d presences of other tracks (%v), want none: B concealed nothing", others, err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		a, st, body := v.lane(t, till, "2")
		if st == 200 && !a.Flagged {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lane 2 after A left: %d %s", st, body)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Nobody resolved A at the till, and A left through E: once the visit
	// window has passed, the concealment is walked_out.
	if testing.Short() {
		return
	}
	var id string
	if err := v.pool.QueryRow(context.Background(), `SELECT id::text FROM events`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	v.put(t, "/api/v1/stores/S1/checkout-policy", `{"visit_minutes": 1}`)
	for deadline := time.Now().Add(100 * time.Second); ; {
		var outcome string
		err := v.pool.QueryRow(context.Background(), `SELECT outcome FROM outcomes WHERE event_id = $1`, id).Scan(&outcome)
		if err == nil && outcome == "walked_out" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("A's concealment is %q (%v) a visit window after A left, want walked_out", outcome, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// put PUTs body to path as the admin, failing the test on an error status.
func (v *visionSetup) put(t *testing.T, path, body string) {
	t.Helper()
	if st, b := v.call(t, "PUT", path, v.admin, body); st >= 300 {
		t.Fatalf("PUT %s: %d %s", path, st, b)
	}
}

// Presences go through the spool like events: --drain delivers them, and
// one the server refuses as invalid (a lane the store does not have) is
// set aside in rejected/ with its reason while the others are stored.
func TestVisionDrainPresence(t *testing.T) {
	v := newVisionSetup(t)
	v.put(t, "/api/v1/stores/S1", `{"name":"s","timezone":"UTC","opening_hours":{"mon":[["08:00","20:00"]]},"profile":{"urban_density":1,"theft_index":1,"staffing_capacity":1},"operating_model":"checkout","currency":"GBP"}`)
	zones, _ := json.Marshal(ss.GeoJSON(scene.CheckoutZones()))
	v.put(t, "/api/v1/stores/S1/zones", string(zones))
	cfg := v.config(t, "http://"+v.srv.addr, "  - id: cam-1\n    source: {kind: folder, path: "+v.dir+"}\n")
	sp, err := vision.OpenSpool(filepath.Join(v.dir, "spool"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Minute).UTC()
	for _, p := range []vision.Presence{
		{Store: "S1", Lane: "2", Track: "0123456789abcdef", At: at.Format(time.RFC3339Nano)},
		{Store: "S1", Lane: "9", Track: "0123456789abcdef", At: at.Format(time.RFC3339Nano)},
		{Store: "S1", Lane: "2", Track: "0123456789abcdef", At: at.Format(time.RFC3339Nano), LeftAt: at.Add(time.Second).Format(time.RFC3339Nano)},
		{Store: "S1", Zone: "E", Track: "0123456789abcdef", At: at.Add(2 * time.Second).Format(time.RFC3339Nano)},
	} {
		if err := sp.AddPresence(p); err != nil {
			t.Fatal(err)
		}
	}
	var logs syncBuffer
	if err := run(context.Background(), []string{"vision", "--config", cfg, "--drain"},
		envOf(map[string]string{"VISION_TOKEN": v.ingest}), strings.NewReader(""), io.Discard, &logs); err != nil {
		t.Fatalf("drain: %v\n%s", err, logs.String())
	}
	var lanes, left, exits int
	if err := v.pool.QueryRow(context.Background(), `
SELECT (SELECT count(*) FROM checkout_presence WHERE lane = '2'),
       (SELECT count(*) FROM checkout_presence WHERE lane = '2' AND left_at = at + interval '1 second'),
       (SELECT count(*) FROM checkout_exits WHERE zone = 'E')`).Scan(&lanes, &left, &exits); err != nil {
		t.Fatal(err)
	}
	if lanes != 1 || left != 1 || exits != 1 {
		t.Errorf("stored %d presences at lane 2 (%d left a second later), %d exits; want 1 (1), 1\n%s", lanes, left, exits, logs.String())
	}
	reasons, _ := filepath.Glob(filepath.Join(v.dir, "spool", "rejected", "presence-*.reason"))
	if len(reasons) != 1 {
		t.Fatalf("rejected reasons %v, want one\n%s", reasons, logs.String())
	}
	if r := readFile(t, reasons[0]); !strings.Contains(r, "422") || !strings.Contains(r, `"field":"lane"`) || !strings.Contains(r, `\"9\"`) {
		t.Errorf("reason %q does not name the field and value", r)
	}
	if left, _ := filepath.Glob(filepath.Join(v.dir, "spool", "presence", "*.json")); len(left) != 0 {
		t.Errorf("spool keeps %v after the drain", left)
	}
}

// --dry-run on the two-camera scene logs A's presence at lane 2, its
// leaving and its exit through E, and nothing for B, sending nothing.
func TestVisionCheckoutDryRun(t *testing.T) {
	v := newVisionSetup(t)
	sc := scene.Checkout(true, 0)
	var dirs [2]string
	for cam, name := range []string{"aisle", "checkout"} {
		dirs[cam] = filepath.Join(v.dir, name)
		if err := mkdir(dirs[cam]); err != nil {
			t.Fatal(err)
		}
		if err := sc.WritePNGs(cam, dirs[cam]); err != nil {
			t.Fatal(err)
		}
	}
	// The dry run reads the zones from the server: give it the scene's.
	zones, _ := json.Marshal(ss.GeoJSON(scene.CheckoutZones()))
	v.put(t, "/api/v1/stores/S1/zones", string(zones))
	cfg := v.checkoutConfig(t, dirs, 20)
	var logs syncBuffer
	if err := run(context.Background(), []string{"vision", "--config", cfg, "--dry-run"},
		envOf(map[string]string{"VISION_TOKEN": v.ingest}), strings.NewReader(""), &logs, &logs); err != nil {
		t.Fatalf("vision --dry-run: %v\n%s", err, logs.String())
	}
	out := logs.String()
	for _, want := range []string{
		`"msg":"dry run: lane presence (not sent)","kind":"enter","lane":"2"`,
		`"msg":"dry run: lane presence (not sent)","kind":"leave","lane":"2"`,
		`"msg":"dry run: lane presence (not sent)","kind":"exit","lane":"","zone":"E"`,
		`"events":1,`, `"presences":3}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `"lane":"3"`) {
		t.Errorf("B, who concealed nothing, was reported at lane 3:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(v.dir, "spool")); !os.IsNotExist(err) {
		t.Errorf("a dry run made the spool (%v)", err)
	}
}
