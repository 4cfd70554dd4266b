package vision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os/exec"
	"strings"
	"time"
)

// ffmpegSource decodes a file or stream with Debian's ffmpeg, reading raw
// RGB24 frames from its standard output.
type ffmpegSource struct{ cfg SourceConfig }

func (s *ffmpegSource) size(ctx context.Context) (int, int, error) {
	if s.cfg.Width > 0 {
		return s.cfg.Width, s.cfg.Height, nil
	}
	out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=width,height", "-of", "csv=p=0:s=x", s.cfg.URL).Output()
	if err != nil {
		return 0, 0, fmt.Errorf("ffprobe %s: %w", s.cfg.URL, err)
	}
	var w, h int
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "%dx%d", &w, &h); err != nil || w <= 0 || h <= 0 {
		return 0, 0, fmt.Errorf("ffprobe %s: no video size in %q", s.cfg.URL, out)
	}
	return w, h, nil
}

func (s *ffmpegSource) Run(ctx context.Context, yield func(*Frame) error) error {
	w, h, err := s.size(ctx)
	if err != nil {
		return err
	}
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin"}
	if s.cfg.Realtime {
		args = append(args, "-re")
	}
	if s.cfg.Loop && !isStream(s.cfg.URL) {
		args = append(args, "-stream_loop", "-1")
	}
	if strings.HasPrefix(s.cfg.URL, "rtsp") {
		args = append(args, "-rtsp_transport", "tcp")
	}
	args = append(args, "-i", s.cfg.URL)
	var filters []string
	if s.cfg.FPS > 0 {
		filters = append(filters, fmt.Sprintf("fps=%g", s.cfg.FPS))
	}
	filters = append(filters, fmt.Sprintf("scale=%d:%d", w, h))
	args = append(args, "-vf", strings.Join(filters, ","), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1")
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(cctx, "ffmpeg", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start ffmpeg: %w", err)
	}
	f := Frame{W: w, H: h, Pix: make([]byte, 3*w*h)}
	var rerr error
	for {
		if _, rerr = io.ReadFull(out, f.Pix); rerr != nil {
			break
		}
		if err := yield(&f); err != nil {
			rerr = stopError{err}
			break
		}
	}
	if !errors.Is(rerr, io.EOF) {
		cancel() // stop ffmpeg; at the end of the input it has exited by itself
	}
	werr := cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(rerr, new(stopError)):
		return rerr
	case errors.Is(rerr, io.EOF) && werr == nil:
		if isStream(s.cfg.URL) {
			return fmt.Errorf("ffmpeg: stream %s ended", s.cfg.URL)
		}
		return nil
	default:
		return fmt.Errorf("ffmpeg %s: %v %s", s.cfg.URL, werr, strings.TrimSpace(stderr.String()))
	}
}

// mjpegSource reads a multipart/x-mixed-replace stream of JPEG pictures, as
// IP cameras serve over HTTP.
type mjpegSource struct{ cfg SourceConfig }

func (s *mjpegSource) Run(ctx context.Context, yield func(*Frame) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.URL, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("mjpeg %s: %s", s.cfg.URL, res.Status)
	}
	mt, params, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return fmt.Errorf("mjpeg %s: Content-Type %q is not multipart with a boundary", s.cfg.URL, res.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(res.Body, params["boundary"])
	th := newThrottle(s.cfg.FPS)
	var f Frame
	for {
		part, err := mr.NextPart()
		if err != nil {
			return fmt.Errorf("mjpeg %s: %w", s.cfg.URL, err)
		}
		if ctx.Err() != nil {
			part.Close()
			return ctx.Err()
		}
		if !th.keep(time.Now()) {
			part.Close()
			continue
		}
		img, err := jpeg.Decode(part)
		part.Close()
		if err != nil {
			return fmt.Errorf("mjpeg %s: %w", s.cfg.URL, err)
		}
		toFrame(img, &f)
		if err := yield(&f); err != nil {
			return stopError{err}
		}
	}
}
