package reports_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/reports"
)

// Registration refuses a URL naming an address the network rules refuse,
// in any spelling, and a non-http(s) scheme, naming url; it stores the URL
// with its scheme and host in lower case. The allow-list lets its hosts
// and networks through.
func TestWebhookURLRules(t *testing.T) {
	t.Parallel()
	check := func(allow reports.Allow, raw string) (string, error) {
		w, err := reports.NewWebhook{URL: raw, Events: []string{reports.EventJobFailed}, Secret: secret}.Validate(allow)
		return w.URL, err
	}
	for _, raw := range []string{
		"http://127.0.0.1:5432/", "http://127.1/", "http://2130706433/", "http://0x7f000001/", "http://017700000001/",
		"http://localhost:6379/", "http://LOCALHOST./", "http://api.localhost/", "http://[::1]:8080/",
		"http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::]/", "http://0.0.0.0/",
		"http://10.1.2.3/", "http://172.16.0.1/", "http://172.31.255.255/", "http://192.168.1.1/", "http://100.64.0.1/",
		"http://169.254.169.254/latest/meta-data/", "http://[fe80::1%25eth0]/", "http://[fd00::1]/", "http://[fc00::1]/",
		"http://224.0.0.1/", "http://[ff02::1]/", "http://255.255.255.255/",
		"http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::1]/",
		"HTTP://127.0.0.1/", "ftp://hooks.example.com/", "gopher://hooks.example.com/", "file:///etc/passwd",
	} {
		_, err := check(reports.Allow{}, raw)
		var e *ss.Error
		if !errors.As(err, &e) || e.Code != ss.EINVALID || e.Field != "url" {
			t.Errorf("%s: %v, want invalid url", raw, err)
		}
	}
	for raw, want := range map[string]string{
		"HTTPS://Hooks.Example.COM/Path?Q=1#frag": "https://hooks.example.com/Path?Q=1",
		"Http://HOOKS.example.com:8443":           "http://hooks.example.com:8443",
		"http://93.184.215.14/hook":               "http://93.184.215.14/hook",
		"http://172.32.0.1/":                      "http://172.32.0.1/",
		"http://100.128.0.1/":                     "http://100.128.0.1/",
		"https://[2606:4700:4700::1111]/":         "https://[2606:4700:4700::1111]/",
		"https://[64:ff9b::808:808]/":             "https://[64:ff9b::808:808]/",
	} {
		if got, err := check(reports.Allow{}, raw); err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", raw, got, err, want)
		}
	}
	allow, err := reports.ParseAllow("relay.store.internal,localhost,127.0.0.1,10.20.0.0/16")
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"http://relay.store.internal:8080/", "http://localhost:9000/", "http://127.0.0.1:9000/",
		"http://[::ffff:127.0.0.1]/", "http://10.20.1.1/"} {
		if _, err := check(allow, raw); err != nil {
			t.Errorf("%s allow-listed: %v", raw, err)
		}
	}
	for _, raw := range []string{"http://127.0.0.2/", "http://10.21.0.1/", "http://[::1]/"} {
		if _, err := check(allow, raw); err == nil {
			t.Errorf("%s: accepted outside the allow-list", raw)
		}
	}
	// Caps, and NUL, which PostgreSQL text cannot hold.
	for _, c := range []struct {
		w     reports.NewWebhook
		field string
	}{
		{reports.NewWebhook{URL: "https://hooks.example.com/" + strings.Repeat("a", reports.MaxURL), Secret: secret}, "url"},
		{reports.NewWebhook{URL: "https://hooks.example.com/\x00", Secret: secret}, "url"},
		{reports.NewWebhook{URL: "https://hooks.example.com/", Secret: strings.Repeat("s", reports.MaxSecret+1)}, "secret"},
		{reports.NewWebhook{URL: "https://hooks.example.com/", Secret: secret + "\x00"}, "secret"},
	} {
		c.w.Events = []string{reports.EventJobFailed}
		_, err := c.w.Validate(reports.Allow{})
		var e *ss.Error
		if !errors.As(err, &e) || e.Field != c.field {
			t.Errorf("%.60q: %v, want invalid %s", c.w.URL, err, c.field)
		}
	}
	if _, err := (reports.NewWebhook{URL: "https://hooks.example.com/", Events: []string{"job.failed"}, Secret: strings.Repeat("s", reports.MaxSecret)}).Validate(reports.Allow{}); err != nil {
		t.Errorf("a secret of %d characters: %v", reports.MaxSecret, err)
	}
}

// syncLog is a log destination the delivery goroutines may share.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The dial-time check is the real guard: a webhook to 127.0.0.1 that was
// registered while the operator allowed it, and one whose name was public
// at registration and now resolves to loopback (DNS rebinding, here
// "localhost" written straight into the table), are refused when dialled
// by a worker without the allow-list. The receiver sees nothing, and the
// delivery records the same generic error as a closed port or a receiver
// that hangs up, so the history tells no port state; the cause is in the
// server log.
func TestDialTimeRefusal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	var log syncLog
	strict := reports.NewWebhooks(pool, reports.DeliveryConfig{Log: slog.New(slog.NewTextHandler(&log, nil))})
	allowed := reports.NewWebhooks(pool, reports.DeliveryConfig{Allow: loopback})
	rcv := newReceiver(t, 200)
	byIP := hook(t, allowed, rcv.URL, reports.EventJobFailed)
	port := rcv.URL[strings.LastIndexByte(rcv.URL, ':')+1:]
	if _, err := strict.Create(ctx, reports.NewWebhook{URL: "http://localhost:" + port + "/", Events: []string{reports.EventJobFailed}, Secret: secret}); err == nil {
		t.Fatal("localhost registered without the allow-list")
	}
	var byName int64
	if err := pool.QueryRow(ctx, `INSERT INTO report_webhooks (url, events, secret) VALUES ($1, '{job.failed}', $2) RETURNING id`,
		"http://localhost:"+port+"/", secret).Scan(&byName); err != nil {
		t.Fatal(err)
	}
	// A closed port, and a receiver that accepts and hangs up (EOF).
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String() + "/"
	closed.Close()
	hangup, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hangup.Close() })
	go func() {
		for {
			c, err := hangup.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	refusedPort := hook(t, allowed, closedURL, reports.EventJobFailed)
	eof := hook(t, allowed, "http://"+hangup.Addr().String()+"/", reports.EventJobFailed)
	failJob(t, pool, -1)

	if _, err := pool.Exec(ctx, `UPDATE report_deliveries SET next_attempt_at = now() + interval '1 hour' WHERE webhook_id = ANY($1)`,
		[]int64{refusedPort.ID, eof.ID}); err != nil {
		t.Fatal(err)
	}
	if n, err := strict.DeliverDue(ctx); err != nil || n != 0 {
		t.Fatalf("strict worker delivered %d: %v", n, err)
	}
	if got := rcv.requests(); len(got) != 0 {
		t.Fatalf("the receiver on 127.0.0.1 got %d requests from a worker without the allow-list", len(got))
	}
	for _, id := range []int64{byIP.ID, byName} {
		d := deliveries(t, strict, id)
		if len(d) != 1 || d[0].Status != "pending" || d[0].Attempts != 1 || d[0].LastStatus != nil || d[0].LastError != reports.ErrNoAnswer {
			t.Errorf("webhook %d refused at dial time: %+v, want pending with %q", id, d, reports.ErrNoAnswer)
		}
	}
	if !strings.Contains(log.String(), "loopback") || !strings.Contains(log.String(), "not in --webhook-allow") {
		t.Errorf("the server log does not say why:\n%s", log.String())
	}

	// The allow-listed worker reaches both, and gets no answer from the
	// closed port or the hang-up: the same words as the refusal.
	if _, err := pool.Exec(ctx, `UPDATE report_deliveries SET next_attempt_at = now()`); err != nil {
		t.Fatal(err)
	}
	if n, err := allowed.DeliverDue(ctx); err != nil || n != 2 {
		t.Fatalf("allow-listed worker delivered %d, want 2 (by address and by name): %v", n, err)
	}
	if got := rcv.requests(); len(got) != 2 {
		t.Errorf("receiver got %d requests, want 2", len(got))
	}
	for _, id := range []int64{refusedPort.ID, eof.ID} {
		d := deliveries(t, allowed, id)
		if len(d) != 1 || d[0].Attempts != 1 || d[0].LastStatus != nil || d[0].LastError != reports.ErrNoAnswer {
			t.Errorf("webhook %d: %+v, want the generic %q", id, d, reports.ErrNoAnswer)
		}
	}
}

// A redirect is the receiver's answer, recorded as a failure; its target
// is never asked, even when the network rules would allow it.
func TestRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	hooks := reports.NewWebhooks(pool, reports.DeliveryConfig{Allow: loopback})
	target := newReceiver(t, 200)
	var asked int
	var mu sync.Mutex
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked++
		mu.Unlock()
		http.Redirect(w, r, target.URL+"/api/v1/jobs/reports/run", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	w := hook(t, hooks, redirect.URL, reports.EventJobFailed)
	failJob(t, pool, -1)
	if n, err := hooks.DeliverDue(ctx); err != nil || n != 0 {
		t.Fatalf("delivered %d: %v", n, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if asked != 1 || len(target.requests()) != 0 {
		t.Errorf("redirecting receiver asked %d times, its target %d times; want 1 and 0", asked, len(target.requests()))
	}
	d := deliveries(t, hooks, w.ID)
	if len(d) != 1 || d[0].Status != "pending" || d[0].LastStatus == nil || *d[0].LastStatus != 307 ||
		d[0].LastError != "receiver answered 307; redirects are not followed" {
		t.Errorf("after a redirect: %+v", d)
	}
}
