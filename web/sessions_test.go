package web_test

import (
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// formClient is an HTTP client that keeps the session cookie and does not
// follow redirects, so a test sees where the server sends it.
type formClient struct {
	t      *testing.T
	base   string
	client *http.Client
	jar    *cookieJar
}

func newFormClient(t *testing.T, base string, client *http.Client) *formClient {
	jar := &cookieJar{}
	c := *client
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &formClient{t: t, base: base, client: &c, jar: jar}
}

// send sends a request with the given cookie value (none when empty) and
// returns its status, Location and body.
func (b *formClient) send(method, path, cookie string, form url.Values) (int, string, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := *b.client
	client.Jar = nil
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "shrinkscope_session", Value: cookie})
	}
	res, err := client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(raw)
}

// login signs in with secret and returns the session cookie it was given.
func (b *formClient) login(secret string) *http.Cookie {
	b.t.Helper()
	res, err := b.client.PostForm(b.base+"/login", url.Values{"token": {secret}})
	if err != nil {
		b.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign-in: status %d, want 303", res.StatusCode)
	}
	for _, c := range res.Cookies() {
		if c.Name == "shrinkscope_session" {
			return c
		}
	}
	b.t.Fatalf("sign-in set no session cookie: %v", res.Header["Set-Cookie"])
	return nil
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// Signing in opens a session kept by the server: the cookie carries a
// random id, never the token, and stops opening pages once the session is
// signed out, expired, idle too long, or its token revoked.
func TestSessionsEndOnTheServer(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	b := newFormClient(t, f.url, http.DefaultClient)
	secret := f.token(ss.RoleAdmin)
	signedIn := time.Now()
	ck := b.login(secret)
	if ck.Value == secret || strings.HasPrefix(ck.Value, "sst_") || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
		t.Errorf("cookie %+v: want a session id (not the token), HttpOnly, SameSite=Lax, not Secure over plain HTTP", ck)
	}
	if d := ck.Expires.Sub(signedIn); d < 12*time.Hour-time.Minute || d > 12*time.Hour+time.Minute {
		t.Errorf("cookie expires %s after sign-in, want 12 h", d)
	}
	// Only the id's SHA-256 is stored, with the server's own 12 h expiry.
	sum := sha256.Sum256([]byte(ck.Value))
	var ttl time.Duration
	if err := f.pool.QueryRow(ctx, `SELECT (extract(epoch FROM expires_at - created_at) * 1e9)::bigint FROM web_sessions WHERE hash = $1`, sum[:]).Scan(&ttl); err != nil || ttl != 12*time.Hour {
		t.Fatalf("stored session: ttl %s (%v), want a row of 12 h under the id's hash", ttl, err)
	}
	if code, _, body := b.send("GET", "/jobs", ck.Value, nil); code != http.StatusOK {
		t.Fatalf("/jobs in session: %d %s", code, body)
	}
	// CSRF still holds: a form without the page's token is refused, with it accepted.
	_, _, page := b.send("GET", "/stores/S1", ck.Value, nil)
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("store page has no CSRF token")
	}
	target := url.Values{"kpi": {"events"}, "op": {"<="}, "value": {"5"}, "period": {"week"}}
	if code, _, _ := b.send("POST", "/stores/S1/targets", ck.Value, target); code != http.StatusForbidden {
		t.Errorf("form without CSRF token: %d, want 403", code)
	}
	target.Set("csrf", m[1])
	if code, _, body := b.send("POST", "/stores/S1/targets", ck.Value, target); code != http.StatusSeeOther {
		t.Errorf("form with CSRF token: %d %s, want 303", code, body)
	}
	// Sign-out is a form like the others: without the page's token (a
	// cross-site page's POST) it is refused and the session stays.
	if code, _, _ := b.send("POST", "/logout", ck.Value, url.Values{}); code != http.StatusForbidden {
		t.Errorf("sign-out without CSRF token: %d, want 403", code)
	}
	if code, _, _ := b.send("POST", "/logout", ck.Value, url.Values{"csrf": {strings.Repeat("0", len(m[1]))}}); code != http.StatusForbidden {
		t.Errorf("sign-out with a wrong CSRF token: %d, want 403", code)
	}
	if n := f.count("web_sessions"); n != 1 {
		t.Errorf("%d sessions stored after refused sign-outs, want 1", n)
	}
	// Sign-out deletes the session: the same cookie value opens nothing.
	if code, loc, _ := b.send("POST", "/logout", ck.Value, url.Values{"csrf": {m[1]}}); code != http.StatusSeeOther || loc != "/login" {
		t.Errorf("sign-out: %d to %q", code, loc)
	}
	if n := f.count("web_sessions"); n != 0 {
		t.Errorf("%d sessions stored after sign-out, want 0", n)
	}
	if code, loc, _ := b.send("GET", "/jobs", ck.Value, nil); code != http.StatusSeeOther || loc != "/login" {
		t.Errorf("/jobs with the signed-out cookie: %d to %q, want 303 to /login", code, loc)
	}
	if code, _, _ := b.send("POST", "/stores/S1/targets", ck.Value, target); code != http.StatusUnauthorized {
		t.Errorf("form with the signed-out cookie and its CSRF token: %d, want 401", code)
	}
	// The token itself in the cookie opens nothing either.
	if code, _, _ := b.send("GET", "/jobs", secret, nil); code != http.StatusSeeOther {
		t.Errorf("/jobs with the raw token as cookie: %d, want 303 to /login", code)
	}

	// Expired: the server's expiry holds whatever the browser keeps.
	ck = b.login(secret)
	sum = sha256.Sum256([]byte(ck.Value))
	if _, err := f.pool.Exec(ctx, `UPDATE web_sessions SET expires_at = now() - interval '1 second' WHERE hash = $1`, sum[:]); err != nil {
		t.Fatal(err)
	}
	if code, loc, _ := b.send("GET", "/jobs", ck.Value, nil); code != http.StatusSeeOther || loc != "/login" {
		t.Errorf("/jobs with an expired session: %d to %q", code, loc)
	}

	// Idle: unused for 1 h 59 min still opens (and counts as used now),
	// unused for 2 h 1 min does not.
	ck = b.login(secret)
	sum = sha256.Sum256([]byte(ck.Value))
	idle := func(ago string) {
		if _, err := f.pool.Exec(ctx, `UPDATE web_sessions SET seen_at = now() - $2::interval WHERE hash = $1`, sum[:], ago); err != nil {
			t.Fatal(err)
		}
	}
	idle("119 minutes")
	if code, _, _ := b.send("GET", "/jobs", ck.Value, nil); code != http.StatusOK {
		t.Errorf("/jobs after 1 h 59 min idle: %d, want 200", code)
	}
	var seen time.Duration
	_ = f.pool.QueryRow(ctx, `SELECT (extract(epoch FROM now() - seen_at) * 1e9)::bigint FROM web_sessions WHERE hash = $1`, sum[:]).Scan(&seen)
	if seen > time.Minute {
		t.Errorf("a used session was last seen %s ago, want just now", seen)
	}
	idle("121 minutes")
	if code, _, _ := b.send("GET", "/jobs", ck.Value, nil); code != http.StatusSeeOther {
		t.Errorf("/jobs after 2 h 1 min idle: %d, want 303 to /login", code)
	}

	// Revoking the token ends its sessions, and leaves other tokens' alone.
	ck = b.login(secret)
	other := b.login(f.token(ss.RoleOps))
	if _, err := f.tokens.Revoke(ctx, "admin-test"); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := b.send("GET", "/jobs", ck.Value, nil); code != http.StatusSeeOther {
		t.Errorf("/jobs in a revoked token's session: %d, want 303 to /login", code)
	}
	if code, _, _ := b.send("GET", "/jobs", other.Value, nil); code != http.StatusOK {
		t.Errorf("/jobs in another token's session: %d, want 200", code)
	}
	var left int
	_ = f.pool.QueryRow(ctx, `SELECT count(*) FROM web_sessions w JOIN api_tokens t ON t.id = w.token_id WHERE t.revoked_at IS NOT NULL`).Scan(&left)
	if left != 0 {
		t.Errorf("%d sessions of revoked tokens kept, want 0", left)
	}
}

// Over TLS the session cookie is Secure.
func TestSessionCookieSecureOverTLS(t *testing.T) {
	t.Parallel()
	f := setup(t)
	hs := httptest.NewTLSServer(f.server)
	t.Cleanup(hs.Close)
	b := newFormClient(t, hs.URL, hs.Client())
	ck := b.login(f.token(ss.RoleOps))
	if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie over TLS %+v: want Secure, HttpOnly, SameSite=Lax", ck)
	}
	if code, _, _ := b.send("GET", "/", ck.Value, nil); code != http.StatusOK {
		t.Errorf("estate page over TLS in session: %d", code)
	}
}
