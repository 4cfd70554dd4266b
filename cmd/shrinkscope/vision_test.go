package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/onnxmodel"
	"github.com/shrinkscope/shrinkscope/internal/scene"
)

// visionLib is the ONNX Runtime library `make test` names in ONNXRUNTIME_LIB.
func visionLib(t *testing.T) string {
	lib := os.Getenv("ONNXRUNTIME_LIB")
	if lib == "" {
		if p, _ := filepath.Abs("../../.onnxruntime/1.24.3/libonnxruntime.so.1"); fileExists(p) {
			lib = p
		}
	}
	if lib == "" {
		t.Skip("no ONNX Runtime library: run `make test`, or scripts/onnxruntime and set ONNXRUNTIME_LIB")
	}
	return lib
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// server is a real shrinkscope server on a fixed address that a test can
// stop and start again.
type server struct {
	t      *testing.T
	vars   map[string]string
	addr   string
	cancel context.CancelFunc
	done   chan error
}

func (s *server) start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan error, 1)
	go func() {
		s.done <- run(ctx, []string{"serve"}, envOf(s.vars), strings.NewReader(""), io.Discard, io.Discard)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if res, err := http.Get("http://" + s.addr + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatal("server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *server) stop() {
	s.cancel()
	if err := <-s.done; err != nil {
		s.t.Errorf("serve: %v", err)
	}
}

// visionSetup is a served store with the scene's zones, an ingest token,
// the generated test model and the scene's frames on disk.
type visionSetup struct {
	pool   *pgxpool.Pool
	srv    *server
	ingest string
	dir    string
	model  string
	lib    string
	admin  string
}

func newVisionSetup(t *testing.T) *visionSetup { return newServedStore(t, visionLib(t)) }

// newServedStore is newVisionSetup for tests that run no model (--drain):
// lib may be empty.
func newServedStore(t *testing.T, lib string) *visionSetup {
	pool, url := dbtest.NewWithURL(t)
	v := &visionSetup{pool: pool, dir: t.TempDir(), lib: lib}
	v.srv = &server{t: t, vars: map[string]string{"DATABASE_URL": url, "SHRINKSCOPE_ADDR": freeAddr(t), "SHRINKSCOPE_ROLLUP_INTERVAL": "1h"}}
	v.srv.addr = v.srv.vars["SHRINKSCOPE_ADDR"]
	admin, _, err := sh(t, v.srv.vars, "token", "create", "--role", "admin", "--name", "setup")
	if err != nil {
		t.Fatal(err)
	}
	v.srv.start()
	t.Cleanup(func() {
		if v.srv.cancel != nil {
			v.srv.cancel()
			<-v.srv.done
		}
	})
	put := func(path string, body any) {
		data, _ := json.Marshal(body)
		req, _ := http.NewRequest("PUT", "http://"+v.srv.addr+path, strings.NewReader(string(data)))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(admin))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 300 {
			t.Fatalf("PUT %s: %d %s", path, res.StatusCode, b)
		}
	}
	v.admin = strings.TrimSpace(admin)
	put("/api/v1/stores/S1", json.RawMessage(`{"name":"s","timezone":"UTC","opening_hours":{"mon":[["08:00","20:00"]]},"profile":{"urban_density":1,"theft_index":1,"staffing_capacity":1},"operating_model":"detection","currency":"GBP"}`))
	put("/api/v1/stores/S1/zones", ss.GeoJSON(scene.Zones()))
	tok, _, err := sh(t, v.srv.vars, "token", "create", "--role", "ingest", "--name", "vision", "--stores", "S1")
	if err != nil {
		t.Fatal(err)
	}
	v.ingest = strings.TrimSpace(tok)
	v.model = filepath.Join(v.dir, "detector.onnx")
	if err := os.WriteFile(v.model, onnxmodel.TestDetector{}.Model(), 0o644); err != nil {
		t.Fatal(err)
	}
	return v
}

// config writes a vision config for url with the given camera blocks.
func (v *visionSetup) config(t *testing.T, url string, cameras ...string) string {
	var calib strings.Builder
	for _, p := range scene.Calibration() {
		fmt.Fprintf(&calib, "      - {image: [%g, %g], floor: [%.12g, %.12g]}\n", p[0][0], p[0][1], p[1][0], p[1][1])
	}
	var cams strings.Builder
	for _, c := range cameras {
		cams.WriteString(c + "    calibration:\n" + calib.String())
	}
	cfg := fmt.Sprintf(`server: {url: %q, token: "$VISION_TOKEN"}
store: S1
spool: %s
metrics_addr: %s
model: {path: %s, classes: [person, pocket, bag], methods: {pocket: pocket, bag: bag}}
onnxruntime: {library: %s, intra_op_threads: 1}
delivery: {batch: 1, interval: 20ms, retry_min: 20ms, retry_max: 200ms, timeout: 2s}
cameras:
%s`, url, filepath.Join(v.dir, "spool"), freeAddr(t), v.model, v.lib, cams.String())
	p := filepath.Join(v.dir, "vision.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type storedEvent struct {
	ID, Camera, Zone, Method, Category string
	Value                              float64
}

func (v *visionSetup) events(t *testing.T) []storedEvent {
	rows, err := v.pool.Query(context.Background(), `
SELECT e.id::text, e.camera, z.code, e.method, e.category, e.est_value::float8
FROM events e JOIN zones z ON z.id = e.zone_id ORDER BY e.camera, z.code`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedEvent
	for rows.Next() {
		var e storedEvent
		if err := rows.Scan(&e.ID, &e.Camera, &e.Zone, &e.Method, &e.Category, &e.Value); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// footfall sums visitors per zone code ("" for the store) over all hours.
func (v *visionSetup) footfall(t *testing.T) map[string]int64 {
	rows, err := v.pool.Query(context.Background(), `
SELECT coalesce(z.code, ''), sum(f.visitors)::bigint FROM footfall f LEFT JOIN zones z ON z.id = f.zone_id GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var z string
		var n int64
		if err := rows.Scan(&z, &n); err != nil {
			t.Fatal(err)
		}
		out[z] = n
	}
	return out
}

func mkdir(p string) error { return os.MkdirAll(p, 0o755) }

func readFile(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
