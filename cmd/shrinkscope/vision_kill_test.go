package main

import (
	"bytes"
	"context"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/scene"
	"github.com/shrinkscope/shrinkscope/vision"
)

// TestVisionHelperProcess is not a test: the kill test runs the test binary
// as a `shrinkscope vision` process it can SIGKILL.
func TestVisionHelperProcess(t *testing.T) {
	args := os.Getenv("SHRINKSCOPE_VISION_HELPER")
	if args == "" {
		t.Skip("helper process for TestVisionKillAnywhere")
	}
	err := run(context.Background(), strings.Split(args, "\x1f"), os.Getenv, strings.NewReader(""), os.Stdout, os.Stderr)
	if err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

// lockedBuffer collects a child's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startVision(t *testing.T, logs *lockedBuffer, token string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestVisionHelperProcess$")
	cmd.Env = append(os.Environ(), "SHRINKSCOPE_VISION_HELPER="+strings.Join(append([]string{"vision"}, args...), "\x1f"), "VISION_TOKEN="+token)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// The vision process is SIGKILLed again and again while it delivers — some
// kills land after the server stored a batch and before the spool heard —
// and the server is restarted between kills; started again each time, it
// ends with every spooled event stored exactly once and footfall right.
func TestVisionKillAnywhere(t *testing.T) {
	v := newVisionSetup(t)
	frames := filepath.Join(v.dir, "frames")
	if err := mkdir(frames); err != nil {
		t.Fatal(err)
	}
	const reps = 5
	if err := scene.Standard().WritePNGsRepeated(frames, reps); err != nil {
		t.Fatal(err)
	}
	// A pass-through proxy to the real server that can hold ingest back
	// (503, as a server without its database answers) and delays each
	// answer, widening the window between storing and acknowledging.
	target, _ := url.Parse("http://" + v.srv.addr)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorLog = log.New(io.Discard, "", 0) // a killed client's request, on purpose
	stored := make(chan struct{}, 100)
	var hold atomic.Bool
	hold.Store(true)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hold.Load() && r.Method == http.MethodPost {
			http.Error(w, `{"error":{"code":"unavailable","message":"held"}}`, http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(&slowWriter{ResponseWriter: w, stored: stored}, r)
	}))
	defer front.Close()
	cfg := v.config(t, front.URL, "  - id: cam-1\n    entrance: true\n    source: {kind: folder, path: "+frames+"}\n")
	spool := filepath.Join(v.dir, "spool")

	// 1. The cameras run while ingest is held: everything waits in the spool.
	var logs lockedBuffer
	cmd := startVision(t, &logs, v.ingest, "--config", cfg)
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(logs.String(), "every source ended") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the cameras did not finish:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	ids := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(spool, "events", "*.json"))
	for _, f := range files {
		ids[strings.TrimSuffix(filepath.Base(f), ".json")] = true
	}
	if len(ids) != 2*reps {
		t.Fatalf("%d events spooled, want %d", len(ids), 2*reps)
	}

	// 2. Let ingest through and kill the process at random moments.
	hold.Store(false)
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	kills := 0
	exited := make(chan error, 1)
	go func(c *exec.Cmd) { exited <- c.Wait() }(cmd)
	for round := 0; round < 8; round++ {
		// Kill once the server has stored a batch, at a random moment of the
		// 30 ms before the process hears of it, or just after.
		for len(stored) > 0 {
			<-stored
		}
		select {
		case <-stored:
			time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
			cmd.Process.Signal(syscall.SIGKILL)
			<-exited
			kills++
		case err := <-exited:
			if err != nil {
				t.Fatalf("vision exited: %v\n%s", err, logs.String())
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("nothing delivered:\n%s", logs.String())
		}
		if round%3 == 1 {
			v.srv.stop()
			v.srv.start()
		}
		cmd = startVision(t, &logs, v.ingest, "--config", cfg, "--drain")
		go func(c *exec.Cmd) { exited <- c.Wait() }(cmd)
	}
	if err := <-exited; err != nil {
		t.Fatalf("final drain: %v\n%s", err, logs.String())
	}
	got := v.events(t)
	if len(got) != len(ids) {
		t.Errorf("%d events stored, want %d (killed %d times)", len(got), len(ids), kills)
	}
	for _, e := range got {
		if !ids[e.ID] {
			t.Errorf("stored event %s was never spooled", e.ID)
		}
		delete(ids, e.ID)
	}
	if len(ids) > 0 {
		t.Errorf("events lost: %v", ids)
	}
	if ff := v.footfall(t); ff["A"] != 2*reps || ff["B"] != 2*reps || ff[""] != 2*reps {
		t.Errorf("footfall %v, want A, B and store %d each", ff, 2*reps)
	}
	left, _ := filepath.Glob(filepath.Join(spool, "events", "*"))
	rejected, _ := filepath.Glob(filepath.Join(spool, "rejected", "*"))
	if len(left) != 0 || len(rejected) != 0 {
		t.Errorf("spool left %v, rejected %v", left, rejected)
	}
	t.Logf("killed %d times; %d batches found already stored on resend", kills, strings.Count(logs.String(), `"duplicates":1`))
}

// slowWriter holds each answer back 30 ms after the server produced it,
// telling stored when the server took a batch.
type slowWriter struct {
	http.ResponseWriter
	stored chan struct{}
	once   sync.Once
}

func (s *slowWriter) WriteHeader(code int) {
	s.once.Do(func() {
		if code == http.StatusOK {
			select {
			case s.stored <- struct{}{}:
			default:
			}
		}
		time.Sleep(30 * time.Millisecond)
	})
	s.ResponseWriter.WriteHeader(code)
}

// What the server refuses as invalid is set aside in rejected/ with its
// reason, and the rest of the spool is delivered.
func TestVisionDrainSetsAsideWhatTheServerRefuses(t *testing.T) {
	v := newVisionSetup(t)
	cfg := v.config(t, "http://"+v.srv.addr, "  - id: cam-1\n    source: {kind: folder, path: "+v.dir+"}\n")
	sp, err := vision.OpenSpool(filepath.Join(v.dir, "spool"))
	if err != nil {
		t.Fatal(err)
	}
	score, value := 0.9, 5.0
	at := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	for _, zone := range []string{"A", "NOPE", "B"} {
		if err := sp.AddEvent(&ss.EventInput{Store: "S1", Zone: zone, Camera: "cam-1", OccurredAt: at, Score: &score, Method: ss.MethodBag, EstValue: &value}); err != nil {
			t.Fatal(err)
		}
	}
	var logs lockedBuffer
	cmd := startVision(t, &logs, v.ingest, "--config", cfg, "--drain")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("drain: %v\n%s", err, logs.String())
	}
	got := v.events(t)
	if len(got) != 2 || got[0].Zone != "A" || got[1].Zone != "B" {
		t.Errorf("stored %+v, want the events of A and B", got)
	}
	reasons, _ := filepath.Glob(filepath.Join(v.dir, "spool", "rejected", "*.reason"))
	if len(reasons) != 1 {
		t.Fatalf("rejected reasons %v, want one", reasons)
	}
	if r := readFile(t, reasons[0]); !strings.Contains(r, "422") || !strings.Contains(r, "zone") || !strings.Contains(r, "NOPE") {
		t.Errorf("reason %q does not name the field and value", r)
	}
}
