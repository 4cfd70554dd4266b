package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

func TestLoginAndEstatePage(t *testing.T) {
	t.Parallel()
	f := setup(t)
	jar := &cookieJar{}
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string, string) {
		req, _ := http.NewRequest("GET", f.url+path, nil)
		req.Header.Set("Accept", "text/html")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Location"), string(b)
	}
	if code, loc, _ := get("/"); code != http.StatusSeeOther || loc != "/login" {
		t.Fatalf("/ without a session: %d to %q, want 303 to /login", code, loc)
	}
	post := func(token string) (int, string) {
		res, err := client.PostForm(f.url+"/login", url.Values{"token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := post("sst_wrong"); code != 401 || !strings.Contains(body, "Unknown or revoked token") {
		t.Errorf("bad token: %d", code)
	}
	if code, _ := post(f.ingest); code != 403 {
		t.Errorf("ingest token signed in: %d, want 403", code)
	}
	if code, _ := post(f.token(ss.RoleCheckout)); code != 403 {
		t.Errorf("checkout token signed in: %d, want 403", code)
	}
	if code, _ := post(f.token(ss.RoleOps)); code != http.StatusSeeOther {
		t.Fatalf("ops sign-in: %d, want 303", code)
	}
	code, _, body := get("/")
	if code != 200 {
		t.Fatalf("estate page: %d %s", code, body)
	}
	for _, want := range []string{`<tr data-store="S1">`, `<tr data-store="S2">`, "2 stores", `<a href="/" aria-current="page">Estate</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("estate page lacks %q", want)
		}
	}
	// The segments page tells each store's recorded history: S1 went from
	// medium to high risk yesterday, as the segments job recorded it.
	y := time.Now().UTC().AddDate(0, 0, -1)
	yesterday := time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, time.UTC)
	for i, tier := range []string{"medium", "high"} {
		if _, err := f.pool.Exec(context.Background(), `
INSERT INTO segment_snapshots (store_id, day, status, tier, current_model, recommended_model, mismatch, rationale, segment)
SELECT id, $1, 'ok', $2, 'soc', 'soc', false, 'r', '{}' FROM stores WHERE code = 'S1'`, yesterday.AddDate(0, 0, i-1), tier); err != nil {
			t.Fatal(err)
		}
	}
	code, _, body = get("/segments")
	want := "Recorded daily since " + yesterday.AddDate(0, 0, -1).Format(time.DateOnly) + ": high risk since " +
		yesterday.Format(time.DateOnly) + " (was medium); recommended soc."
	if code != 200 || !strings.Contains(body, want) || strings.Count(body, `class="history"`) != 1 {
		t.Errorf("segments page: %d, lacks %q or shows other histories", code, want)
	}
	if code, _, css := get("/static/style.css"); code != 200 || !strings.Contains(css, "table") {
		t.Errorf("stylesheet: %d", code)
	}
}

// cookieJar keeps the session cookie of the test server.
type cookieJar struct{ cookies []*http.Cookie }

func (j *cookieJar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	for _, c := range cs {
		if c.MaxAge < 0 {
			j.cookies = nil
			continue
		}
		j.cookies = []*http.Cookie{c}
	}
}
func (j *cookieJar) Cookies(*url.URL) []*http.Cookie { return j.cookies }
