package web_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/alerts"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/reports"
	"github.com/shrinkscope/shrinkscope/web"
)

// A clip is uploaded by the store's ingest token after its event, viewed
// by operators of that store only, each view recorded, never in a webhook,
// and deleted after its retention.
func TestEvidenceUploadViewPurge(t *testing.T) {
	t.Parallel()
	f := setupWith(t, dbtest.New(t), web.Options{EvidenceMaxBytes: 4096})
	det := storeJSON("Europe/London")
	det["operating_model"] = "detection"
	f.mustStatus(201, "PUT", "/api/v1/stores/D1", f.admin, det)
	f.mustStatus(200, "PUT", "/api/v1/stores/D1/zones", f.admin, zonesJSON(zone("Z1", "spirits", 30, 0, 0, 3, 3)))
	at := time.Now().Add(-time.Minute)
	e1, e2, ed := event("S1", "Z1", at), event("S2", "Z1", at), event("D1", "Z1", at)
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(e1, e2, ed))
	a1 := strconv.FormatInt(alertIDOf(t, f.pool, e1["id"].(string)), 10)
	a2 := strconv.FormatInt(alertIDOf(t, f.pool, e2["id"].(string)), 10)
	ing1 := f.token(ss.RoleIngest, "S1")
	put := func(token, event, ctype string, body []byte) response {
		return f.doType("PUT", "/api/v1/events/"+event+"/evidence", token, ctype, body)
	}
	clip := append(append([]byte{}, matrixClip...), bytes.Repeat([]byte{0x42}, 1000)...)
	for _, c := range []struct {
		what         string
		token, event string
		ctype        string
		body         []byte
		status       int
	}{
		{"not video/mp4", ing1, e1["id"].(string), "application/json", clip, 415},
		{"not an MP4", ing1, e1["id"].(string), "video/mp4", []byte("GIF89a not a movie at all"), 422},
		{"past the cap", ing1, e1["id"].(string), "video/mp4", append(append([]byte{}, matrixClip...), make([]byte, 5000)...), 413},
		{"another store's event", ing1, e2["id"].(string), "video/mp4", clip, 404},
		{"a detection store's event", f.ingest, ed["id"].(string), "video/mp4", clip, 404},
		{"not a UUID", ing1, "42", "video/mp4", clip, 422},
	} {
		if r := put(c.token, c.event, c.ctype, c.body); r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.what, r.Status, r.Raw, c.status)
		}
	}
	if n := f.count("alert_evidence"); n != 0 {
		t.Fatalf("%d clips stored by refused uploads", n)
	}
	if r := put(ing1, e1["id"].(string), "video/mp4", clip); r.Status != 204 {
		t.Fatalf("upload: %d %s", r.Status, r.Raw)
	}
	if r := put(ing1, e1["id"].(string), "video/mp4", clip); r.Status != 204 {
		t.Errorf("the same clip again: %d %s", r.Status, r.Raw)
	}
	if r := put(ing1, e1["id"].(string), "video/mp4", append(append([]byte{}, clip...), 1)); r.Status != 409 {
		t.Errorf("another clip for the event: %d %s", r.Status, r.Raw)
	}
	soc1, soc2 := f.token(ss.RoleSOC, "S1"), f.token(ss.RoleSOC, "S2")
	if r := f.mustStatus(200, "GET", "/api/v1/alerts?store=S1", soc1, nil); !strings.Contains(string(r.Raw), `"evidence":true`) {
		t.Errorf("the alert does not say it has a clip: %s", r.Raw)
	}
	if n := f.count("alert_changes WHERE change = 'evidence'"); n != 1 {
		t.Errorf("%d evidence messages on the stream, want 1", n)
	}
	r := f.mustStatus(200, "GET", "/api/v1/alerts/"+a1+"/evidence", soc1, nil)
	if !bytes.Equal(r.Raw, clip) || r.Header.Get("Content-Type") != "video/mp4" || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("clip served: %d bytes, %q, %q", len(r.Raw), r.Header.Get("Content-Type"), r.Header.Get("Cache-Control"))
	}
	f.mustStatus(200, "GET", "/api/v1/alerts/"+a1+"/evidence", f.admin, nil)
	for _, c := range []struct {
		token  string
		status int
	}{{soc2, 404}, {f.token(ss.RoleOps, "S2"), 404}, {f.token(ss.RolePlanner, "S1"), 403}, {ing1, 403}} {
		if r := f.do("GET", "/api/v1/alerts/"+a1+"/evidence", c.token, nil); r.Status != c.status {
			t.Errorf("clip of S1 read by another: %d, want %d", r.Status, c.status)
		}
	}
	if r := f.do("GET", "/api/v1/alerts/"+a2+"/evidence", soc2, nil); r.Status != 404 {
		t.Errorf("an alert without a clip: %d", r.Status)
	}
	views := f.mustStatus(200, "GET", "/api/v1/alerts/"+a1+"/evidence/views", f.admin, nil).Body["views"].([]any)
	if len(views) != 2 || views[0].(map[string]any)["viewer"] != "soc-test" || views[0].(map[string]any)["role"] != "soc" ||
		views[1].(map[string]any)["role"] != "admin" {
		t.Errorf("views %v, want soc-test (soc) then admin", views)
	}
	// An hour past the claim time, with a webhook for alert.unclaimed and a
	// retention of 30 minutes: the webhook carries no clip, and the clip is gone.
	if _, err := app.New(f.pool).Webhooks.Create(context.Background(), reports.NewWebhook{URL: "https://hooks.example.com/soc",
		Events: []string{reports.EventAlertUnclaimed}, Secret: strings.Repeat("k", 20)}); err != nil {
		t.Fatal(err)
	}
	later := app.New(f.pool).WithAlerts(alerts.Config{Now: func() time.Time { return time.Now().Add(time.Hour) }, EvidenceRetention: 30 * time.Minute})
	e, err := later.Alerts.Tick(context.Background())
	if err != nil || e.Unclaimed != 2 || e.Clips != 1 {
		t.Fatalf("tick an hour later: %+v %v", e, err)
	}
	var body string
	if err := f.pool.QueryRow(context.Background(), `SELECT body FROM report_deliveries WHERE event = 'alert.unclaimed' AND body LIKE '%'||$1||'%'`, e1["id"]).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, `"escalated_at"`) || strings.Contains(body, "evidence") || strings.Contains(body, "ftyp") || strings.Contains(body, "/evidence") {
		t.Errorf("webhook body shows the clip: %s", body)
	}
	if r := f.do("GET", "/api/v1/alerts/"+a1+"/evidence", soc1, nil); r.Status != 404 {
		t.Errorf("clip after its retention: %d", r.Status)
	}
	if n := f.count("alert_evidence_views"); n != 2 {
		t.Errorf("%d view records after the purge, want the 2 made", n)
	}
}
