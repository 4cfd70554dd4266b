package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/vision"
)

// spoolEvents writes n events of store into the config's spool, as a
// vision process stopped before delivering them would have left them.
func spoolEvents(t *testing.T, dir, store string, n int) {
	t.Helper()
	sp, err := vision.OpenSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	score, value := 0.9, 5.0
	at := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	for range n {
		if err := sp.AddEvent(&ss.EventInput{Store: store, Zone: "A", Camera: "cam-1", OccurredAt: at, Score: &score, Method: ss.MethodBag, EstValue: &value}); err != nil {
			t.Fatal(err)
		}
	}
}

func spooled(t *testing.T, dir, kind string) int {
	files, err := filepath.Glob(filepath.Join(dir, kind, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return len(files)
}

// errorLines returns the log records at level ERROR.
func errorLines(logs string) []string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `"level":"ERROR"`) {
			out = append(out, l)
		}
	}
	return out
}

// A permanent refusal — a token that is no token (401), a token of the
// wrong role (403), a token of another store (404 on the zones) or a store
// the server does not know (422) — stops the process within a few seconds
// with one clear error naming the status and a non-zero exit, instead of
// retrying for ever; the spool keeps every item and nothing is stored.
func TestVisionStopsOnPermanentRefusal(t *testing.T) {
	v := newVisionSetup(t)
	req, _ := http.NewRequest("PUT", "http://"+v.srv.addr+"/api/v1/stores/S2", strings.NewReader(`{"name":"s2","timezone":"UTC","opening_hours":{"mon":[["08:00","20:00"]]},"profile":{"urban_density":1,"theft_index":1,"staffing_capacity":1},"operating_model":"detection","currency":"GBP"}`))
	req.Header.Set("Authorization", "Bearer "+v.admin)
	req.Header.Set("Content-Type", "application/json")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode >= 300 {
		t.Fatalf("PUT S2: %v %v", res, err)
	}
	token := func(args ...string) string {
		out, _, err := sh(t, v.srv.vars, append([]string{"token", "create", "--name", "t"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out)
	}
	frames := filepath.Join(v.dir, "frames")
	if err := mkdir(frames); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, token, store string
		args               []string // after --config
		status             string
		hint               string
	}{
		{"401 no such token", "ss_not-a-token", "S1", []string{"--drain"}, "401", "not a valid token"},
		{"403 wrong role", token("--role", "ops"), "S1", []string{"--drain"}, "403", "ingest role"},
		{"404 another store's token", token("--role", "ingest", "--stores", "S2"), "S1", nil, "404", "store is unknown"},
		{"422 unknown store", token("--role", "ingest"), "S9", []string{"--drain"}, "422", "unknown store"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := v.config(t, "http://"+v.srv.addr, "  - id: cam-1\n    source: {kind: folder, path: "+frames+"}\n")
			spool := filepath.Join(v.dir, "spool")
			os.RemoveAll(spool)
			spoolEvents(t, spool, c.store, 3)
			var logs syncBuffer
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			err := run(ctx, append([]string{"vision", "--config", cfg}, c.args...),
				envOf(map[string]string{"VISION_TOKEN": c.token}), strings.NewReader(""), &logs, &logs)
			if err == nil || ctx.Err() != nil {
				t.Fatalf("vision ended with %v after %s, want a refusal before the timeout:\n%s", err, time.Since(start), logs.String())
			}
			if !strings.Contains(err.Error(), c.status) || !strings.Contains(err.Error(), c.hint) || !strings.Contains(err.Error(), "for good") {
				t.Errorf("error %q does not say %s and %q", err, c.status, c.hint)
			}
			if el := errorLines(logs.String()); len(el) != 1 || !strings.Contains(el[0], c.status) {
				t.Errorf("want one error record naming %s, got %d:\n%s", c.status, len(el), logs.String())
			}
			if strings.Contains(logs.String(), "will retry") {
				t.Errorf("a permanent refusal was retried:\n%s", logs.String())
			}
			if n := spooled(t, spool, "events"); n != 3 {
				t.Errorf("spool keeps %d events, want 3", n)
			}
			if got := v.events(t); len(got) != 0 {
				t.Errorf("stored %v", got)
			}
		})
	}
}

// With delivery.on_refusal: wait, a refused kind waits in the spool, tried
// again every retry_max and logged once, while the other kind is
// delivered and the process keeps running.
func TestVisionWaitsOnRefusalWhenConfigured(t *testing.T) {
	v := newServedStore(t, "")
	out, _, err := sh(t, v.srv.vars, "token", "create", "--name", "t", "--role", "ingest")
	if err != nil {
		t.Fatal(err)
	}
	cfg := v.config(t, "http://"+v.srv.addr, "  - id: cam-1\n    source: {kind: folder, path: "+v.dir+"}\n")
	text := strings.Replace(readFile(t, cfg), "timeout: 2s}", "timeout: 2s, on_refusal: wait}", 1)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	spool := filepath.Join(v.dir, "spool")
	spoolEvents(t, spool, "S9", 2) // a store the server does not know: 422
	sp, _ := vision.OpenSpool(spool)
	visitors := int64(17)
	hour := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour).Format(time.RFC3339)
	if err := sp.SetFootfall(ss.FootfallInput{Store: "S1", Hour: hour, Visitors: &visitors}); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"vision", "--config", cfg, "--drain"},
			envOf(map[string]string{"VISION_TOKEN": strings.TrimSpace(out)}), strings.NewReader(""), &logs, &logs)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for v.footfall(t)[""] != 17 {
		if time.Now().After(deadline) {
			t.Fatalf("footfall was not delivered beside the refused events:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // five retry_max periods: it retries, but logs once
	select {
	case err := <-done:
		t.Fatalf("vision ended (%v) although on_refusal is wait:\n%s", err, logs.String())
	default:
	}
	cancel()
	<-done
	if el := errorLines(logs.String()); len(el) != 1 || !strings.Contains(el[0], "422") {
		t.Errorf("want one error record naming 422, got %d:\n%s", len(el), logs.String())
	}
	if n := spooled(t, spool, "events"); n != 2 {
		t.Errorf("spool keeps %d events, want 2", n)
	}
	if n := spooled(t, spool, "footfall"); n != 0 {
		t.Errorf("spool keeps %d footfall rows, want 0", n)
	}
}
