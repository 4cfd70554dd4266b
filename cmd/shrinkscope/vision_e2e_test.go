package main

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/internal/scene"
)

// The scene on two cameras — a folder of PNG frames (the entrance camera)
// and an FFV1 video through ffmpeg — through `shrinkscope vision` to a real
// server that is restarted while frames are still being read: every event
// is stored once with the right zone, camera, method, category and value,
// and footfall is counted right.
func TestVisionEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed (apt-get install ffmpeg)")
	}
	v := newVisionSetup(t)
	frames := filepath.Join(v.dir, "frames")
	video := filepath.Join(v.dir, "scene.mkv")
	sc := scene.Standard()
	if err := mkdir(frames); err != nil {
		t.Fatal(err)
	}
	if err := sc.WritePNGs(frames); err != nil {
		t.Fatal(err)
	}
	if err := sc.WriteVideo(video); err != nil {
		t.Fatal(err)
	}
	cfg := v.config(t, "http://"+v.srv.addr,
		"  - id: cam-door\n    entrance: true\n    source: {kind: folder, path: "+frames+", fps: 10}\n",
		"  - id: cam-video\n    source: {kind: ffmpeg, url: "+video+", realtime: true}\n")
	metricsAddr := regexp.MustCompile(`metrics_addr: (\S+)`).FindStringSubmatch(readFile(t, cfg))[1]

	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"vision", "--config", cfg},
			envOf(map[string]string{"VISION_TOKEN": v.ingest}), strings.NewReader(""), io.Discard, &logs)
	}()
	// Once the first event is in, stop the server while the cameras run on,
	// and start it again after the sender has found it down.
	deadline := time.Now().Add(30 * time.Second)
	for len(v.events(t)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no event arrived:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	res, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, m := range []string{`shrinkscope_vision_frames_total{camera="cam-door"}`, `shrinkscope_vision_inference_seconds_count`, `shrinkscope_vision_spool_depth{kind="events"}`, `shrinkscope_vision_last_delivery_timestamp_seconds`} {
		if !strings.Contains(string(body), m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	// The server stays down until the sender has met it down — while the
	// cameras run, or in the final drain once they end — so the restart is
	// tested however fast the frames go.
	v.srv.stop()
	for down := time.Now().Add(30 * time.Second); !strings.Contains(logs.String(), "delivery failed; will retry"); {
		if time.Now().After(down) {
			t.Fatalf("the sender never met the stopped server:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	v.srv.start()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("vision: %v\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("vision did not finish:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "delivery failed; will retry") {
		t.Errorf("the restart was not seen by the sender; the test did not test it:\n%s", logs.String())
	}

	got := v.events(t)
	want := []storedEvent{
		{Camera: "cam-door", Zone: "A", Method: "pocket", Category: "cosmetics", Value: 12.5},
		{Camera: "cam-door", Zone: "B", Method: "bag", Category: "spirits", Value: 30},
		{Camera: "cam-video", Zone: "A", Method: "pocket", Category: "cosmetics", Value: 12.5},
		{Camera: "cam-video", Zone: "B", Method: "bag", Category: "spirits", Value: 30},
	}
	if len(got) != len(want) {
		t.Fatalf("stored events %+v, want %+v", got, want)
	}
	for i := range want {
		want[i].ID = got[i].ID
		if got[i] != want[i] {
			t.Errorf("event %d: %+v, want %+v", i, got[i], want[i])
		}
		if got[i].ID[14] != '7' {
			t.Errorf("event id %s is not a UUIDv7", got[i].ID)
		}
	}
	// Each camera sees both people enter A and B; only the door counts the store.
	ff := v.footfall(t)
	if ff["A"] != 4 || ff["B"] != 4 || ff[""] != 2 || len(ff) != 3 {
		t.Errorf("footfall %v, want A 4, B 4, store 2", ff)
	}
}
