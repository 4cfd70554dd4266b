package web_test

import (
	"context"
	"net/url"

	"github.com/chromedp/chromedp"
)

// checkSignOut: a POST to /logout without the page's anti-forgery token (as
// a cross-site page would send) keeps the session, and the header's "Sign
// out" control ends it: the browser lands on the sign-in page, the
// session's row is gone and the estate page sends it back there.
func (p *pageFixture) checkSignOut() {
	t := p.t
	ctx := context.Background()
	sessions := func() int {
		var n int
		if err := p.pool.QueryRow(ctx, `SELECT count(*) FROM web_sessions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	p.open("/")
	before := sessions()
	status := eval[int](p, `fetch('/logout', {method: 'POST', redirect: 'manual'}).then(r => r.status)`, chromedp.EvalAwaitPromise)
	if status != 403 || sessions() != before {
		t.Errorf("sign-out without the form's token: %d with %d sessions (%d before), want 403 keeping the session", status, sessions(), before)
	}
	p.do("sign out", chromedp.Click(chromedp.Search(`//header//form[@action="/logout"]//button`)), chromedp.WaitVisible(chromedp.ID("token")))
	loc, err := chromedp.Run(p.b.Ctx, chromedp.Location())
	if u, _ := url.Parse(loc); err != nil || u.Path != "/login" {
		t.Errorf("after sign-out the browser is at %q (%v), want /login", loc, err)
	}
	if n := sessions(); n != before-1 {
		t.Errorf("%d sessions after sign-out, want %d", n, before-1)
	}
	p.do("estate after sign-out", chromedp.Navigate(p.url+"/"), chromedp.WaitVisible(chromedp.ID("token")))
}
