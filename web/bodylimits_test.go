package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/web"
)

// rawPost sends a request over a real socket: the header, then the body
// as send writes it (at its own pace), while reading the answer. It returns
// the answer's status and body and how long the answer took.
func rawPost(t *testing.T, base, path string, header map[string]string, length int64, send func(w io.Writer) error) (int, string, time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var h strings.Builder
	fmt.Fprintf(&h, "POST %s HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n", path, length)
	for k, v := range header {
		fmt.Fprintf(&h, "%s: %s\r\n", k, v)
	}
	h.WriteString("\r\n")
	start := time.Now()
	if _, err := io.WriteString(conn, h.String()); err != nil {
		t.Fatal(err)
	}
	go func() { _ = send(conn) }() // stops at the first write error, once the server hangs up
	_ = conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer after %s: %v", time.Since(start), err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), time.Since(start)
}

// zeros is an endless body of 'a's that counts what was read of it.
type zeros struct{ n *atomic.Int64 }

func (z zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	z.n.Add(int64(len(p)))
	return len(p), nil
}

// A 100 MB multipart body to /login, before anyone is known, gets 413 after
// the server has read at most its 64 KiB and a little: it once parsed the
// whole of it (32 MiB in memory, the rest to disk).
func TestLoginBodyIsSmall(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const size = 100 << 20
	var sent atomic.Int64
	header := map[string]string{"Content-Type": "multipart/form-data; boundary=XX"}
	status, body, _ := rawPost(t, f.url, "/login", header, size, func(w io.Writer) error {
		if _, err := io.WriteString(w, "--XX\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n"); err != nil {
			return err
		}
		_, err := io.CopyN(w, zeros{&sent}, size-60)
		return err
	})
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("100 MB to /login: %d %.300s", status, body)
	}
	// What the client managed to write before the server stopped reading:
	// the form limit, the socket buffers (a few MB at most on loopback),
	// never the 100 MB.
	if n := sent.Load(); n > 16<<20 {
		t.Errorf("the server took %d bytes of a login body", n)
	}
	// An ordinary form still signs in.
	status, _, _ = rawPost(t, f.url, "/login", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		int64(len("token="+f.admin)), func(w io.Writer) error { _, err := io.WriteString(w, "token="+f.admin); return err })
	if status != http.StatusSeeOther {
		t.Errorf("a small login form: %d", status)
	}
}

// A body trickled in (a few bytes every tenth of a second, to hold the
// connection open) is cut with 408 once the grace is over, nothing
// stored; a large batch on a slow link, above the minimum rate, is read
// to its end however long it takes.
func TestSlowBodiesAreCut(t *testing.T) {
	t.Parallel()
	f := setupWith(t, dbtest.New(t), web.Options{BodyGrace: 300 * time.Millisecond, MinBodyRate: 4000})
	at := time.Now().Add(-time.Hour)
	evs := make([]map[string]any, 600)
	for i := range evs {
		evs[i] = event("S1", "Z1", at)
	}
	raw, _ := json.Marshal(batch(evs...))
	header := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + f.ingest}

	// 10 bytes each 100 ms: 100 B/s, far below the minimum.
	status, body, took := rawPost(t, f.url, "/api/v1/events", header, int64(len(raw)), func(w io.Writer) error {
		for i := 0; i < len(raw); i += 10 {
			if _, err := w.Write(raw[i:min(i+10, len(raw))]); err != nil {
				return err
			}
			time.Sleep(100 * time.Millisecond)
		}
		return nil
	})
	if status != http.StatusRequestTimeout || !strings.Contains(body, `"timeout"`) || took > 10*time.Second {
		t.Errorf("a trickled body: %d after %s: %.300s", status, took, body)
	}
	if n := f.count("events"); n != 0 {
		t.Errorf("%d events stored from a cut body", n)
	}

	// The same batch at about 40 KB/s: ten times the minimum rate,
	// taking many times the grace.
	status, body, took = rawPost(t, f.url, "/api/v1/events", header, int64(len(raw)), func(w io.Writer) error {
		for i := 0; i < len(raw); i += 2000 {
			if _, err := w.Write(raw[i:min(i+2000, len(raw))]); err != nil {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
		return nil
	})
	if status != http.StatusOK || took < time.Second {
		t.Errorf("a %d-byte batch at 40 KB/s: %d after %s: %.300s", len(raw), status, took, body)
	}
	if n := f.count("events"); n != len(evs) {
		t.Errorf("%d events stored, want %d", n, len(evs))
	}
	// Nothing at all after the header: cut too.
	status, _, took = rawPost(t, f.url, "/api/v1/events", header, 100, func(io.Writer) error { return nil })
	if status != http.StatusRequestTimeout || took > 10*time.Second {
		t.Errorf("a body that never comes: %d after %s", status, took)
	}
}

// Headers trickled in, a line every second, are cut by the server's
// header timeout (10 s): the connection is closed without an answer.
func TestSlowHeadersAreCut(t *testing.T) {
	t.Parallel()
	srv := web.New(app.New(dbtest.New(t)), slog.New(slog.NewTextHandler(testLogWriter(), nil)), web.Options{}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	go func() {
		_, _ = io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: test\r\n")
		for i := 0; i < 30; i++ {
			time.Sleep(time.Second)
			if _, err := fmt.Fprintf(conn, "X-Slow-%d: 1\r\n", i); err != nil {
				return
			}
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(25 * time.Second))
	b, err := io.ReadAll(conn) // ends when the server closes the connection
	if took := time.Since(start); took < 9*time.Second || took > 20*time.Second {
		t.Errorf("trickled headers: connection ended after %s (%v, %q), want about 10 s", took, err, b)
	}
	if strings.Contains(string(b), "200 OK") {
		t.Errorf("trickled headers were answered: %q", b)
	}
}
