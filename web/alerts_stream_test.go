package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/alerts"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/web"
)

// replica serves svc on pool as another `serve` would: its own server,
// hub and services on the same database. It returns the base URL.
func replica(t *testing.T, svc app.Services, opt web.Options) string {
	t.Helper()
	opt.MaxBodyBytes, opt.MaxBatch = 1<<20, 1000
	srv := web.New(svc, slog.New(slog.NewTextHandler(testLogWriter(), nil)), opt, nil)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return hs.URL
}

// sse is one message or comment of a stream.
type sse struct {
	ID, Event, Data, Comment string
}

// stream is an open alert stream.
type stream struct {
	t      *testing.T
	c      chan sse
	cancel context.CancelFunc
	status int
}

// openStream connects to base's alert stream with token, resuming after
// lastID when it is not "".
func openStream(t *testing.T, base, token, lastID string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/alerts/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &stream{t: t, c: make(chan sse, 1000), cancel: cancel, status: res.StatusCode}
	t.Cleanup(s.close)
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Fatalf("stream: %d %s", res.StatusCode, b)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("stream Content-Type %q", ct)
	}
	go func() {
		defer res.Body.Close()
		defer close(s.c)
		sc := bufio.NewScanner(res.Body)
		var m sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m != (sse{}) {
					s.c <- m
				}
				m = sse{}
			case strings.HasPrefix(line, ":"):
				s.c <- sse{Comment: strings.TrimSpace(line[1:])}
			case strings.HasPrefix(line, "id: "):
				m.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				m.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				m.Data = line[6:]
			}
		}
	}()
	return s
}

func (s *stream) close() { s.cancel() }

// next returns the next message that is not a comment or a retry line.
func (s *stream) next() sse {
	s.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-s.c:
			if !ok {
				s.t.Fatal("the stream ended")
			}
			if m.Comment != "" || m.Event == "" {
				continue
			}
			return m
		case <-timeout:
			s.t.Fatal("no message within 10 s")
		}
	}
}

// quiet asserts that no message comes within d.
func (s *stream) quiet(d time.Duration) {
	s.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case m, ok := <-s.c:
			if ok && m.Event != "" {
				s.t.Errorf("unexpected message %+v", m)
			}
			if !ok {
				return
			}
		case <-timeout:
			return
		}
	}
}

// streamAlert is a stream message's data.
type streamAlert struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	Store  string `json:"store"`
	Change string `json:"change"`
	Holder string `json:"holder"`
	Event  struct {
		ID       string  `json:"id"`
		Store    string  `json:"store"`
		Zone     string  `json:"zone"`
		Category string  `json:"category"`
		EstValue float64 `json:"est_value"`
		Method   string  `json:"method"`
	} `json:"event"`
}

func (s *stream) alert() (sse, streamAlert) {
	s.t.Helper()
	m := s.next()
	if m.Event != "alert" {
		s.t.Fatalf("message %+v, want an alert", m)
	}
	var a streamAlert
	if err := json.Unmarshal([]byte(m.Data), &a); err != nil {
		s.t.Fatalf("alert data %q: %v", m.Data, err)
	}
	return m, a
}

// ready reads the ready message and returns its id.
func (s *stream) ready() string {
	s.t.Helper()
	m := s.next()
	if m.Event != "ready" || m.ID == "" {
		s.t.Fatalf("message %+v, want ready", m)
	}
	return m.ID
}

func alertIDOf(t *testing.T, pool *pgxpool.Pool, event string) int64 {
	t.Helper()
	var id int64
	if err := pool.QueryRow(context.Background(), `SELECT id FROM alerts WHERE event_id = $1`, event).Scan(&id); err != nil {
		t.Fatalf("alert of %s: %v", event, err)
	}
	return id
}

// An event ingested through one replica reaches a console connected to
// another at once, and so does its claim; a console of S1 never sees S2's.
func TestAlertStreamAcrossReplicas(t *testing.T) {
	t.Parallel()
	f := setup(t)
	other := replica(t, app.New(f.pool), web.Options{})
	soc1 := f.token(ss.RoleSOC, "S1")
	st := openStream(t, other, soc1, "")
	st.ready()
	e1, e2 := event("S2", "Z1", time.Now().Add(-time.Second)), event("S1", "Z1", time.Now().Add(-time.Second))
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(e1, e2))
	m, a := st.alert()
	if a.Change != "opened" || a.Status != "open" || a.Store != "S1" || a.Event.ID != e2["id"] || a.Event.Zone != "Z1" ||
		a.Event.Category != "cosmetics" || a.Event.EstValue != 12.5 || a.Event.Method != "pocket" {
		t.Errorf("opened message %+v: %+v", m, a)
	}
	f.mustStatus(200, "POST", "/api/v1/alerts/"+strconv.FormatInt(a.ID, 10)+"/claim", soc1, nil)
	if m2, c := st.alert(); c.Change != "claimed" || c.ID != a.ID || c.Holder != "soc-test" || m2.ID <= m.ID && len(m2.ID) <= len(m.ID) {
		t.Errorf("claimed message %+v: %+v", m2, c)
	}
	st.quiet(300 * time.Millisecond) // S2's alert is not S1's console's
}

// A console that disconnects and comes back with Last-Event-ID gets every
// change it missed, in order, none twice, then the live ones.
func TestAlertStreamResume(t *testing.T) {
	t.Parallel()
	f := setup(t)
	soc := f.token(ss.RoleSOC)
	at := time.Now().Add(-time.Minute)
	st := openStream(t, f.url, soc, "")
	st.ready()
	e1 := event("S1", "Z1", at)
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(e1))
	seen, a1 := st.alert()
	st.close()
	// While it is away: two events, a claim and a close.
	e2, e3 := event("S2", "Z1", at), event("S1", "Z2", at)
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(e2))
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(e3))
	id1 := strconv.FormatInt(a1.ID, 10)
	f.mustStatus(200, "POST", "/api/v1/alerts/"+id1+"/claim", soc, nil)
	f.mustStatus(200, "POST", "/api/v1/alerts/"+id1+"/close", soc, map[string]any{"outcome": "false_positive", "note": "a phone, not goods"})
	back := openStream(t, f.url, soc, seen.ID)
	want := []struct{ change, event string }{{"opened", e2["id"].(string)}, {"opened", e3["id"].(string)}, {"claimed", e1["id"].(string)}, {"closed", e1["id"].(string)}}
	last := seen.ID
	for _, w := range want {
		m, a := back.alert()
		if a.Change != w.change || a.Event.ID != w.event {
			t.Errorf("replayed %s of %s, want %s of %s", a.Change, a.Event.ID, w.change, w.event)
		}
		if n, _ := strconv.Atoi(m.ID); n <= atoi(last) {
			t.Errorf("id %s after %s", m.ID, last)
		}
		last = m.ID
	}
	if r := back.ready(); r != last {
		t.Errorf("ready at %s, want %s", r, last)
	}
	e4 := event("S1", "Z1", at)
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(e4))
	if _, a := back.alert(); a.Change != "opened" || a.Event.ID != e4["id"] {
		t.Errorf("live after the replay: %+v", a)
	}
	back.quiet(200 * time.Millisecond)
	// Resuming from the newest id replays nothing.
	again := openStream(t, f.url, soc, last)
	again.next() // the live e4 message, after last
	again.ready()
	again.quiet(200 * time.Millisecond)
	// A malformed id is the client's mistake.
	r := f.do("GET", "/api/v1/alerts/stream?last_event_id=yesterday", soc, nil)
	if r.Status != 422 || r.errField() != "Last-Event-ID" {
		t.Errorf("bad last_event_id: %d %s", r.Status, r.Raw)
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// A resume from an id older than the outbox keeps is told to resync; a
// quiet stream sends heartbeats at the configured interval.
func TestAlertStreamResyncAndHeartbeat(t *testing.T) {
	t.Parallel()
	f := setup(t)
	svc := app.New(f.pool)
	svc = svc.WithAlerts(alertsConfigKeep(time.Millisecond))
	base := replica(t, svc, web.Options{AlertHeartbeat: 50 * time.Millisecond})
	soc := f.token(ss.RoleSOC)
	at := time.Now().Add(-time.Minute)
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(event("S1", "Z1", at)))
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(event("S1", "Z1", at)))
	time.Sleep(5 * time.Millisecond)
	if _, err := svc.Alerts.Tick(context.Background()); err != nil { // sequences, then purges
		t.Fatal(err)
	}
	st := openStream(t, base, soc, "1")
	m := st.next()
	if m.Event != "resync" || m.ID == "" {
		t.Fatalf("resume from a purged id: %+v, want resync", m)
	}
	if r := st.ready(); r != m.ID {
		t.Errorf("ready at %s after resync at %s", r, m.ID)
	}
	deadline := time.After(2 * time.Second)
	for beats := 0; beats < 2; {
		select {
		case x := <-st.c:
			if x.Comment == "heartbeat" {
				beats++
			}
		case <-deadline:
			t.Fatalf("%d heartbeats in 2 s at a 50 ms interval", beats)
		}
	}
}

func alertsConfigKeep(d time.Duration) alerts.Config { return alerts.Config{OutboxKeep: d} }

// Shutdown ends open alert streams at once instead of waiting out the
// shutdown timeout for them (their consoles reconnect elsewhere).
func TestAlertStreamEndsAtShutdown(t *testing.T) {
	t.Parallel()
	f := setup(t)
	srv := web.New(app.New(f.pool), slog.New(slog.NewTextHandler(testLogWriter(), nil)), web.Options{ShutdownTimeout: 20 * time.Second}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	st := openStream(t, "http://"+ln.Addr().String(), f.token(ss.RoleSOC), "")
	st.ready()
	start := time.Now()
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown still waiting for the stream after 10 s")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %s with a stream open", d)
	}
	for m := range st.c { // the stream ends
		_ = m
	}
}
