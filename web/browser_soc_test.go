package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/browser"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// An operator signs in to the SOC console; an event posted for the soc
// store appears without a reload, with a flash; the operator claims it
// from the keyboard and closes it as recovered; the KPI API then shows the
// response time (claim − event) and the outcome. At phone width nothing
// overflows; the page loads nothing from elsewhere and logs no error.
func TestSOCConsoleInBrowser(t *testing.T) {
	t.Parallel()
	if _, err := browser.ExecPath(); err != nil {
		t.Fatal(err)
	}
	f := setup(t)
	bctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	b, err := browser.Start(bctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	p := &pageFixture{fixture: f, b: b}
	soc := f.token(ss.RoleSOC, "S1")
	if home := p.signIn(soc); home != "/soc" {
		t.Fatalf("a soc operator lands on %s, want /soc", home)
	}
	menu := eval[[]string](p, `[...document.querySelectorAll('header nav a')].map(a => a.textContent)`)
	if len(menu) != 1 || menu[0] != "SOC console" {
		t.Errorf("soc operator's menu %v", menu)
	}
	p.do("live", chromedp.WaitVisible(chromedp.CSS(`#soc-status[data-state=live]`)))
	if n := eval[int](p, `document.querySelectorAll('#alerts li').length`); n != 0 {
		t.Fatalf("%d alerts before any event", n)
	}
	occurred := time.Now().Add(-20 * time.Second).Truncate(time.Millisecond)
	other := event("S2", "Z1", occurred) // another store's: never on this console
	ev := event("S1", "Z2", occurred)
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(other, ev))
	p.do("the alert appears", chromedp.WaitVisible(chromedp.CSS(`#alerts li.alert.fresh`)))
	if got := eval[string](p, `document.querySelector('#alerts li .where').textContent`); got != "S1 · Z2" {
		t.Errorf("alert shows %q, want S1 · Z2", got)
	}
	facts := eval[string](p, `document.querySelector('#alerts li .alert-facts').textContent`)
	for _, want := range []string{"spirits", "30.00", "pocket", "nobody"} {
		if !strings.Contains(facts, want) {
			t.Errorf("alert facts %q lack %q", facts, want)
		}
	}
	if n := eval[int](p, `document.querySelectorAll('#alerts li').length`); n != 1 {
		t.Errorf("%d alerts on S1's console, want 1 (S2's is not S1's)", n)
	}
	if title := eval[string](p, `document.title`); !strings.HasPrefix(title, "(1) ") {
		t.Errorf("title %q does not count the open alert", title)
	}
	// Mute, from the keyboard.
	p.do("mute", chromedp.Focus(chromedp.ID("soc-mute")), chromedp.KeyEvent(kb.Enter))
	if got := eval[string](p, `document.getElementById('soc-mute').getAttribute('aria-pressed')`); got != "true" {
		t.Errorf("mute button aria-pressed %q after Enter", got)
	}
	// Claim from the keyboard.
	p.do("claim", chromedp.Focus(chromedp.CSS(`#alerts li button.claim`)), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`#alerts li[data-status=claimed] button.release`)))
	if got := eval[string](p, `document.querySelector('#alerts li .holder').textContent`); got != "soc-test" {
		t.Errorf("holder %q, want soc-test", got)
	}
	// At phone width the console fits.
	p.do("phone", chromedp.EmulateViewport(390, 844))
	if over := eval[bool](p, `document.documentElement.scrollWidth > window.innerWidth`); over {
		t.Error("the console overflows at phone width")
	}
	p.do("laptop", chromedp.EmulateViewport(1366, 900))
	p.do("close", chromedp.SetValue(chromedp.CSS(`#alerts li select[name=outcome]`), "intervened_recovered"),
		chromedp.SendKeys(chromedp.CSS(`#alerts li input[name=value]`), "30"),
		chromedp.SendKeys(chromedp.CSS(`#alerts li input[name=note]`), "stopped at the door"),
		chromedp.Click(chromedp.CSS(`#alerts li button.close`)),
		chromedp.WaitVisible(chromedp.ID("soc-empty")))
	closed := f.mustStatus(200, "GET", "/api/v1/alerts?status=closed&store=S1", soc, nil).Body["alerts"].([]any)
	if len(closed) != 1 {
		t.Fatalf("%d closed alerts", len(closed))
	}
	a := closed[0].(map[string]any)
	responded, _ := time.Parse(time.RFC3339Nano, a["responded_at"].(string))
	if a["outcome"] != "intervened_recovered" || a["holder"] != "soc-test" || a["note"] != "stopped at the door" || a["value_recovered"] != 30.0 {
		t.Errorf("closed alert %v", a)
	}
	response := responded.Sub(occurred).Seconds()
	if response < 20 || response > 80 {
		t.Fatalf("responded %.1f s after the event, want between 20 s (the event's age at posting) and 80 s", response)
	}
	if _, err := kpi.NewRollups(f.pool).Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"store": {"S1"}, "by": {"store"}, "from": {occurred.Add(-time.Hour).Truncate(time.Hour).UTC().Format(time.RFC3339)},
		"to": {occurred.Add(2 * time.Hour).Truncate(time.Hour).UTC().Format(time.RFC3339)}}
	rows := f.mustStatus(200, "GET", "/api/v1/kpis?"+q.Encode(), f.admin, nil).Body["rows"].([]any)
	if len(rows) != 1 {
		t.Fatalf("KPI rows %v", rows)
	}
	row := rows[0].(map[string]any)
	// One event, recovered by an intervention worth 30: every rate is 1.
	if row["events"] != 1.0 || row["recovered_value"] != 30.0 || row["intervention_rate"] != 1.0 || row["recovery_rate"] != 1.0 {
		t.Errorf("KPIs after the close: %v", row)
	}
	p50, ok := row["response_p50"].(float64)
	if !ok || !near(p50, response, 0.02*response+0.1) {
		t.Errorf("response_p50 %v, want %.1f (claim − event)", row["response_p50"], response)
	}
	if errs := b.Errors(); len(errs) > 0 {
		t.Errorf("browser errors: %v", errs)
	}
	if off := b.Offsite(); len(off) > 0 {
		t.Errorf("requests elsewhere: %v", off)
	}
}
