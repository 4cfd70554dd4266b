package vision

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // folder and MJPEG frames
	_ "image/png"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Source delivers frames to yield until it ends or ctx is done. The frame
// is reused after yield returns.
type Source interface {
	Run(ctx context.Context, yield func(*Frame) error) error
}

// NewSource builds the source a camera's config describes.
func NewSource(cfg SourceConfig, log *slog.Logger, reconnected func()) Source {
	switch cfg.Kind {
	case "ffmpeg":
		return &reconnecting{inner: &ffmpegSource{cfg: cfg}, live: isStream(cfg.URL), log: log, reconnected: reconnected}
	case "mjpeg":
		return &reconnecting{inner: &mjpegSource{cfg: cfg}, live: true, log: log, reconnected: reconnected}
	default:
		return &folderSource{cfg: cfg}
	}
}

func isStream(u string) bool {
	for _, p := range []string{"rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://"} {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}

// reconnecting opens a live stream again, with exponential back-off, when
// it drops; a file source ends at its end.
type reconnecting struct {
	inner       Source
	live        bool
	log         *slog.Logger
	reconnected func()
}

func (r *reconnecting) Run(ctx context.Context, yield func(*Frame) error) error {
	backoff := 500 * time.Millisecond
	for {
		start := time.Now()
		err := r.inner.Run(ctx, yield)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !r.live {
			return err
		}
		if _, stop := err.(stopError); stop {
			return err
		}
		if time.Since(start) > time.Minute {
			backoff = 500 * time.Millisecond
		}
		r.log.Warn("stream dropped; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
		if r.reconnected != nil {
			r.reconnected()
		}
	}
}

// stopError is an error from yield: the consumer, not the stream, failed.
type stopError struct{ error }

// throttle keeps at most fps frames a second (all when fps is 0).
type throttle struct {
	every time.Duration
	next  time.Time
}

func newThrottle(fps float64) throttle {
	if fps <= 0 {
		return throttle{}
	}
	return throttle{every: time.Duration(float64(time.Second) / fps)}
}

func (t *throttle) keep(now time.Time) bool {
	if t.every == 0 {
		return true
	}
	if now.Before(t.next) {
		return false
	}
	t.next = now.Add(t.every)
	if t.next.Before(now) {
		t.next = now
	}
	return true
}

// toFrame converts a decoded image into f, reusing its buffer.
func toFrame(img image.Image, f *Frame) {
	b := img.Bounds()
	f.W, f.H = b.Dx(), b.Dy()
	if cap(f.Pix) < 3*f.W*f.H {
		f.Pix = make([]byte, 3*f.W*f.H)
	}
	f.Pix = f.Pix[:3*f.W*f.H]
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(image.Rect(0, 0, f.W, f.H))
		draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
	}
	for y := 0; y < f.H; y++ {
		src := rgba.Pix[y*rgba.Stride:]
		dst := f.Pix[3*y*f.W:]
		for x := 0; x < f.W; x++ {
			dst[3*x], dst[3*x+1], dst[3*x+2] = src[4*x], src[4*x+1], src[4*x+2]
		}
	}
}

// folderSource reads the .jpg and .png files of a folder in name order; fps
// paces them as a camera would.
type folderSource struct{ cfg SourceConfig }

func (s *folderSource) Run(ctx context.Context, yield func(*Frame) error) error {
	var f Frame
	for {
		ents, err := os.ReadDir(s.cfg.Path)
		if err != nil {
			return fmt.Errorf("folder source: %w", err)
		}
		var names []string
		for _, e := range ents {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".jpg", ".jpeg", ".png":
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		var tick *time.Ticker
		if s.cfg.FPS > 0 {
			tick = time.NewTicker(time.Duration(float64(time.Second) / s.cfg.FPS))
		}
		for _, name := range names {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := s.readOne(filepath.Join(s.cfg.Path, name), &f); err != nil {
				return err
			}
			if err := yield(&f); err != nil {
				return err
			}
			if tick != nil {
				select {
				case <-ctx.Done():
				case <-tick.C:
				}
			}
		}
		if tick != nil {
			tick.Stop()
		}
		if !s.cfg.Loop || len(names) == 0 {
			return nil
		}
	}
}

func (s *folderSource) readOne(path string, f *Frame) error {
	r, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("folder source: %w", err)
	}
	defer r.Close()
	img, _, err := image.Decode(r)
	if err != nil {
		return fmt.Errorf("folder source: %s: %w", path, err)
	}
	toFrame(img, f)
	return nil
}
