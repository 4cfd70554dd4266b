package reports_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/reports"
)

const secret = "a-secret-of-enough-length"

// loopback allow-lists the test receivers, which listen on 127.0.0.1: the
// network rules refuse loopback otherwise (TestNetworkRules).
var loopback = reports.Allow{Nets: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}

// received is one request a receiver saw.
type received struct {
	Body      []byte
	Signature string
	Delivery  string
	Event     string
}

// receiver is a real HTTP endpoint answering with the statuses in answers,
// in turn (the last one repeated), recording every request.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	got     []received
	answers []int
	delay   time.Duration
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	r := &receiver{answers: answers}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		time.Sleep(r.delay)
		r.mu.Lock()
		r.got = append(r.got, received{body, req.Header.Get("X-Shrinkscope-Signature"), req.Header.Get("X-Shrinkscope-Delivery"), req.Header.Get("X-Shrinkscope-Event")})
		code := r.answers[min(len(r.got), len(r.answers))-1]
		r.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func hook(t *testing.T, s *reports.Webhooks, url string, events ...string) reports.Webhook {
	t.Helper()
	w, err := s.Create(context.Background(), reports.NewWebhook{URL: url, Events: events, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func deliveries(t *testing.T, s *reports.Webhooks, id int64) []reports.Delivery {
	t.Helper()
	d, err := s.Deliveries(context.Background(), id, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// failJob makes one job.failed event: a job failing its only attempt.
func failJob(t *testing.T, pool *pgxpool.Pool, retries int) {
	t.Helper()
	job := reports.Job{Name: "broken", Schedule: "0 * * * *", Run: func(context.Context) (int, error) {
		return 0, errors.New("disk full")
	}}
	sch := scheduler(t, pool, "a", reports.Config{Retries: retries, Backoff: time.Millisecond}, job)
	if _, _, err := sch.Tick(context.Background(), "broken", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}

// A stored weekly snapshot is delivered to its subscriber, signed: the test
// recomputes the HMAC-SHA256 of the body under the secret itself.
func TestReportCreatedIsDeliveredSigned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	hooks := reports.NewWebhooks(pool, reports.DeliveryConfig{Allow: loopback})
	rcv := newReceiver(t, 200)
	w := hook(t, hooks, rcv.URL+"/hooks", reports.EventReportCreated)
	other := hook(t, hooks, rcv.URL+"/jobs-only", reports.EventJobFailed)
	rep := reports.NewReports(pool, kpi.NewKPIs(pool), layout.New(pool))
	week := time.Date(2026, 4, 6, 0, 0, 0, 0, time.UTC)
	if n, err := rep.WriteWeek(ctx, week); err != nil || n != 1 {
		t.Fatalf("wrote %d reports (want the estate's): %v", n, err)
	}
	if n, err := rep.WriteWeek(ctx, week); err != nil || n != 0 {
		t.Fatalf("second write: %d %v", n, err)
	}
	pending := deliveries(t, hooks, w.ID)
	if len(pending) != 1 || pending[0].Status != "pending" || pending[0].Attempts != 0 {
		t.Fatalf("after one snapshot: %+v", pending)
	}
	if d := deliveries(t, hooks, other.ID); len(d) != 0 {
		t.Errorf("a job.failed subscriber got %d report deliveries", len(d))
	}
	if n, err := hooks.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("delivered %d: %v", n, err)
	}
	got := rcv.requests()
	if len(got) != 1 {
		t.Fatalf("receiver saw %d requests", len(got))
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(got[0].Body)
	if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); got[0].Signature != want {
		t.Errorf("signature %q, want %q", got[0].Signature, want)
	}
	if got[0].Delivery != pending[0].ID || got[0].Event != "report.created" {
		t.Errorf("headers: delivery %q event %q, want %q report.created", got[0].Delivery, got[0].Event, pending[0].ID)
	}
	list, _ := rep.List(ctx, "")
	var body struct {
		Event string
		Data  struct {
			ReportID int64   `json:"report_id"`
			Store    *string `json:"store"`
			Week     string  `json:"week"`
			Path     string  `json:"path"`
		}
	}
	if err := json.Unmarshal(got[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Event != "report.created" || len(list) != 1 || body.Data.ReportID != list[0].ID || body.Data.Store != nil ||
		body.Data.Week != "2026-04-06" {
		t.Errorf("body %s; stored reports %+v", got[0].Body, list)
	}
	d := deliveries(t, hooks, w.ID)[0]
	if d.Status != "delivered" || d.Attempts != 1 || d.LastStatus == nil || *d.LastStatus != 200 || d.DeliveredAt == nil {
		t.Errorf("recorded %+v", d)
	}
}

// A receiver answering 500 then 200 gets the same delivery twice, after a
// backoff, and it ends delivered; a job failing after its retry makes one
// job.failed event, not one per attempt.
func TestRetryUntilDelivered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	hooks := reports.NewWebhooks(pool, reports.DeliveryConfig{Allow: loopback, Backoff: 200 * time.Millisecond})
	rcv := newReceiver(t, 500, 200)
	w := hook(t, hooks, rcv.URL, reports.EventJobFailed, reports.EventReportCreated)
	failJob(t, pool, 1)
	if n, err := hooks.DeliverDue(ctx); err != nil || n != 0 {
		t.Fatalf("first pass: %d %v", n, err)
	}
	d := deliveries(t, hooks, w.ID)
	if len(d) != 1 || d[0].Status != "pending" || d[0].Attempts != 1 || d[0].LastStatus == nil || *d[0].LastStatus != 500 {
		t.Fatalf("after a 500: %+v", d)
	}
	if n, _ := hooks.DeliverDue(ctx); n != 0 || len(rcv.requests()) != 1 {
		t.Fatalf("retried before its backoff: %d sent, %d requests", n, len(rcv.requests()))
	}
	time.Sleep(time.Until(d[0].NextAttemptAt) + 50*time.Millisecond)
	if n, err := hooks.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("second pass: %d %v", n, err)
	}
	got := rcv.requests()
	if len(got) != 2 || got[0].Delivery != got[1].Delivery || string(got[0].Body) != string(got[1].Body) || got[0].Signature != got[1].Signature {
		t.Fatalf("requests %+v", got)
	}
	var body struct {
		Event string
		Data  reports.Run
	}
	if err := json.Unmarshal(got[0].Body, &body); err != nil || body.Event != "job.failed" || body.Data.Job != "broken" ||
		body.Data.Attempt != 2 || body.Data.Error != "disk full" {
		t.Errorf("body %s: %v", got[0].Body, err)
	}
	d = deliveries(t, hooks, w.ID)
	if len(d) != 1 || d[0].Status != "delivered" || d[0].Attempts != 2 || *d[0].LastStatus != 200 {
		t.Errorf("after a 200: %+v", d)
	}
}

// A receiver that is down leaves the delivery pending, due after the backoff.
func TestReceiverDownStaysPending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	hooks := reports.NewWebhooks(pool, reports.DeliveryConfig{Allow: loopback, Backoff: time.Hour})
	rcv := newReceiver(t, 200)
	w := hook(t, hooks, rcv.URL, reports.EventJobFailed)
	rcv.Close()
	failJob(t, pool, -1)
	before := time.Now()
	if n, err := hooks.DeliverDue(ctx); err != nil || n != 0 {
		t.Fatalf("pass: %d %v", n, err)
	}
	d := deliveries(t, hooks, w.ID)
	if len(d) != 1 || d[0].Status != "pending" || d[0].Attempts != 1 || d[0].LastStatus != nil || d[0].LastError == "" {
		t.Fatalf("after a refused connection: %+v", d)
	}
	if !d[0].NextAttemptAt.After(before.Add(59 * time.Minute)) {
		t.Errorf("next attempt %s, want about an hour after %s", d[0].NextAttemptAt, before)
	}
	if n, _ := hooks.DeliverDue(ctx); n != 0 || deliveries(t, hooks, w.ID)[0].Attempts != 1 {
		t.Error("a delivery not yet due was attempted again")
	}
}

// After MaxAttempts failures a delivery is given up as failed.
func TestGivenUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	hooks := reports.NewWebhooks(pool, reports.DeliveryConfig{Allow: loopback, MaxAttempts: 1})
	rcv := newReceiver(t, 410)
	w := hook(t, hooks, rcv.URL, reports.EventJobFailed)
	failJob(t, pool, -1)
	if _, err := hooks.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	if d := deliveries(t, hooks, w.ID); len(d) != 1 || d[0].Status != "failed" || *d[0].LastStatus != 410 {
		t.Errorf("after the last attempt: %+v", d)
	}
}

// Two workers (replicas) on one database send each delivery exactly once.
func TestTwoWorkersDeliverEachOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	rcv := newReceiver(t, 200)
	rcv.delay = 2 * time.Millisecond
	workers := []*reports.Webhooks{
		reports.NewWebhooks(pool, reports.DeliveryConfig{Allow: loopback, Batch: 4}),
		reports.NewWebhooks(pool, reports.DeliveryConfig{Allow: loopback, Batch: 4}),
	}
	w := hook(t, workers[0], rcv.URL, reports.EventJobFailed)
	const n = 60
	if _, err := pool.Exec(ctx, `INSERT INTO report_deliveries (webhook_id, event, body)
SELECT $1, 'job.failed', '{"n":' || g || '}' FROM generate_series(1, $2::int) g`, w.ID, n); err != nil {
		t.Fatal(err)
	}
	var sent [2]atomic.Int64
	var wg sync.WaitGroup
	for k, wk := range workers {
		wg.Go(func() {
			for range 100 {
				m, err := wk.DeliverDue(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				sent[k].Add(int64(m))
				if sent[0].Load()+sent[1].Load() >= n {
					return
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, r := range rcv.requests() {
		seen[r.Delivery]++
	}
	if len(seen) != n || len(rcv.requests()) != n {
		t.Errorf("%d requests for %d distinct deliveries, want %d each once", len(rcv.requests()), len(seen), n)
	}
	if sent[0].Load() == 0 || sent[1].Load() == 0 {
		t.Logf("one worker sent all: %d + %d", sent[0].Load(), sent[1].Load())
	}
	for _, d := range deliveries(t, workers[0], w.ID) {
		if d.Status != "delivered" || d.Attempts != 1 {
			t.Errorf("delivery %s: %s after %d attempts", d.ID, d.Status, d.Attempts)
		}
	}
}

// Bad input names its field and stores nothing.
func TestWebhookValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	hooks := reports.NewWebhooks(pool, reports.DeliveryConfig{})
	ok := reports.NewWebhook{URL: "https://hooks.example.com/shrink", Events: []string{"report.created"}, Secret: secret}
	for _, c := range []struct {
		name  string
		edit  func(*reports.NewWebhook)
		field string
	}{
		{"no url", func(w *reports.NewWebhook) { w.URL = "" }, "url"},
		{"ftp", func(w *reports.NewWebhook) { w.URL = "ftp://example.com/x" }, "url"},
		{"javascript", func(w *reports.NewWebhook) { w.URL = "javascript:alert(1)" }, "url"},
		{"no host", func(w *reports.NewWebhook) { w.URL = "http:///path" }, "url"},
		{"relative", func(w *reports.NewWebhook) { w.URL = "/hooks" }, "url"},
		{"credentials", func(w *reports.NewWebhook) { w.URL = "https://u:p@example.com/" }, "url"},
		{"no events", func(w *reports.NewWebhook) { w.Events = nil }, "events"},
		{"unknown event", func(w *reports.NewWebhook) { w.Events = []string{"report.deleted"} }, "events"},
		{"twice", func(w *reports.NewWebhook) { w.Events = []string{"job.failed", "job.failed"} }, "events"},
		{"short secret", func(w *reports.NewWebhook) { w.Secret = "short" }, "secret"},
	} {
		w := ok
		c.edit(&w)
		_, err := hooks.Create(ctx, w)
		var e *ss.Error
		if !errors.As(err, &e) || e.Code != ss.EINVALID || e.Field != c.field {
			t.Errorf("%s: %v, want invalid %s", c.name, err, c.field)
		}
	}
	if list, err := hooks.List(ctx); err != nil || len(list) != 0 {
		t.Errorf("after bad input: %d webhooks stored (%v)", len(list), err)
	}
	if _, err := hooks.Create(ctx, ok); err != nil {
		t.Errorf("valid webhook: %v", err)
	}
}
