package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/reports"
)

// serve's worker sends a weekly report's report.created event to a
// registered webhook, signed, and records it delivered.
func TestServeDeliversWebhooks(t *testing.T) {
	t.Parallel()
	pool, url := dbtest.NewWithURL(t)
	const secret = "serve-test-secret-0123"
	type hit struct{ body, sig string }
	var mu sync.Mutex
	var hits []hit
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hits = append(hits, hit{string(b), r.Header.Get("X-Shrinkscope-Signature")})
		mu.Unlock()
	}))
	defer rcv.Close()
	// The receiver listens on 127.0.0.1, which webhooks reach only when allow-listed.
	local, err := reports.ParseAllow("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	wh, err := reports.NewWebhooks(pool, reports.DeliveryConfig{Allow: local}).Create(context.Background(),
		reports.NewWebhook{URL: rcv.URL, Events: []string{"report.created"}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	vars := map[string]string{"DATABASE_URL": url, "SHRINKSCOPE_ADDR": addr, "SHRINKSCOPE_WEBHOOK_ALLOW": "127.0.0.1"}
	serve := serveAsAdmin(t, vars)
	call := func(method, path string) (int, string) { return serve(method, path, "") }
	deadline := time.Now().Add(30 * time.Second)
	// 409: a catch-up run of the job is under way and writes the report.
	if code, body := call("POST", "/api/v1/jobs/reports/run"); code != 200 && code != 409 {
		t.Fatalf("run reports: %d %s", code, body)
	}
	for {
		_, body := call("GET", "/api/v1/webhooks/"+strconv.FormatInt(wh.ID, 10)+"/deliveries")
		if strings.Contains(body, `"status":"delivered"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never delivered: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hits) != 1 || !strings.Contains(hits[0].body, `"event":"report.created"`) {
		t.Fatalf("receiver got %+v", hits)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(hits[0].body))
	if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); hits[0].sig != want {
		t.Errorf("signature %s, want %s", hits[0].sig, want)
	}
}

// A bad entry of the webhook allow-list stops serve at start, naming the
// variable; serve --help lists the setting.
func TestWebhookAllowSetting(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "SHRINKSCOPE_WEBHOOK_ALLOW": "relay.internal,not a host"}
	if _, _, err := sh(t, vars, "serve"); err == nil || !strings.Contains(err.Error(), "SHRINKSCOPE_WEBHOOK_ALLOW") || !strings.Contains(err.Error(), "not a host") {
		t.Errorf("bad allow-list: %v", err)
	}
	if _, help, _ := sh(t, map[string]string{}, "serve", "--help"); !strings.Contains(help, "--webhook-allow") || !strings.Contains(help, "SHRINKSCOPE_WEBHOOK_ALLOW") {
		t.Errorf("serve --help lacks the allow-list:\n%s", help)
	}
}
