package vision

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/internal/scene"
)

func needFFmpeg(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed (apt-get install ffmpeg)")
	}
}

func collectFrames(t *testing.T, src Source) [][]byte {
	t.Helper()
	var got [][]byte
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := src.Run(ctx, func(f *Frame) error {
		if f.W != scene.W || f.H != scene.H {
			return fmt.Errorf("frame %dx%d", f.W, f.H)
		}
		got = append(got, bytes.Clone(f.Pix))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestFFmpegAndFolderSourcesGiveTheFramesBack(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	dir := t.TempDir()
	sc := scene.Standard()
	video := filepath.Join(dir, "scene.mkv")
	if err := sc.WriteVideo(video); err != nil {
		t.Fatal(err)
	}
	if err := sc.WritePNGs(dir); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 3*scene.W*scene.H)
	log := slog.New(slog.DiscardHandler)
	for _, c := range []struct {
		name  string
		cfg   SourceConfig
		every int
	}{
		{"ffmpeg", SourceConfig{Kind: "ffmpeg", URL: video}, 1},
		{"ffmpeg at 5 of 10 fps", SourceConfig{Kind: "ffmpeg", URL: video, FPS: 5}, 2},
		{"folder", SourceConfig{Kind: "folder", Path: dir}, 1},
	} {
		got := collectFrames(t, NewSource(c.cfg, log, nil))
		if len(got) != sc.Frames/c.every {
			t.Errorf("%s: %d frames, want %d", c.name, len(got), sc.Frames/c.every)
			continue
		}
		for i, g := range got {
			sc.Render(i*c.every, want)
			if c.every == 1 && !bytes.Equal(g, want) {
				t.Errorf("%s: frame %d differs from the scene", c.name, i)
				break
			}
		}
	}
}

// An MJPEG camera that drops the connection after every 5 pictures is read
// on, reconnecting each time.
func TestMJPEGSourceReconnects(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	img := image.NewRGBA(image.Rect(0, 0, scene.W, scene.H))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	var pic bytes.Buffer
	if err := jpeg.Encode(&pic, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	cam := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conns.Add(1)
		w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=frame")
		for i := 0; i < 5; i++ {
			fmt.Fprintf(w, "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", pic.Len())
			w.Write(pic.Bytes())
			fmt.Fprint(w, "\r\n")
			w.(http.Flusher).Flush()
		}
	}))
	defer cam.Close()
	var reconnects atomic.Int32
	src := NewSource(SourceConfig{Kind: "mjpeg", URL: cam.URL}, slog.New(slog.DiscardHandler), func() { reconnects.Add(1) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := 0
	err := src.Run(ctx, func(f *Frame) error {
		if f.W != scene.W || f.Pix[0] < 190 || f.Pix[0] > 210 {
			t.Errorf("frame %dx%d pixel %d", f.W, f.H, f.Pix[0])
		}
		if n++; n == 12 {
			cancel()
		}
		return nil
	})
	if n != 12 || conns.Load() != 3 || reconnects.Load() != 2 {
		t.Errorf("frames %d connections %d reconnects %d (err %v)", n, conns.Load(), reconnects.Load(), err)
	}
}
