package web_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/browser"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/reports"
	"github.com/shrinkscope/shrinkscope/web"
)

// pageFixture is a server on a small synthetic estate (3 stores, 40 days to
// today) and a headless Chromium to read its pages with.
type pageFixture struct {
	*fixture
	est *estate.Estate
	b   *browser.Session
}

func pageSetup(t *testing.T) *pageFixture {
	t.Helper()
	if _, err := browser.ExecPath(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pool := dbtest.New(t)
	end := time.Now().UTC().Truncate(24 * time.Hour)
	est, _, err := app.LoadReady(ctx, pool, estate.Config{Seed: 4, Stores: 3, Days: 40, End: end}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(pool)
	sch, err := reports.New(pool, []reports.Job{{Name: "reports", Schedule: "0 6 * * 1", Run: func(ctx context.Context) (int, error) {
		return svc.Reports.WriteWeek(ctx, reports.LastWeek(time.Now()))
	}}}, reports.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(svc, slog.New(slog.NewTextHandler(testLogWriter(), nil)), web.Options{Jobs: sch}, nil)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	f := &fixture{t: t, url: hs.URL, pool: pool, tokens: tokens.New(pool)}
	f.admin = f.token(ss.RoleAdmin)
	bctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	b, err := browser.Start(bctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return &pageFixture{fixture: f, est: est, b: b}
}

// do runs browser actions and fails the test on error.
func (p *pageFixture) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.b.Ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a script expression in the page and decodes its value.
func eval[T any](p *pageFixture, js string, opts ...chromedp.EvaluateOption) T {
	p.t.Helper()
	v, err := chromedp.Run(p.b.Ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// signIn signs out whoever is signed in and signs in with secret on the
// sign-in page, and returns the path the browser landed on.
func (p *pageFixture) signIn(secret string) string {
	p.t.Helper()
	p.do("sign in", chromedp.Navigate(p.url+"/login"), chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), secret), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("header nav")))
	loc, err := chromedp.Run(p.b.Ctx, chromedp.Location())
	if err != nil {
		p.t.Fatal(err)
	}
	u, _ := url.Parse(loc)
	return u.Path
}

// open navigates to path and waits for the page's main element.
func (p *pageFixture) open(path string) {
	p.t.Helper()
	p.do("open "+path, chromedp.Navigate(p.url+path), chromedp.WaitReady(chromedp.ID("content")))
}

// number reads a figure as the page prints it ("12,345.60", "80.3%").
func number(t testing.TB, s string) float64 {
	t.Helper()
	s = strings.TrimSpace(strings.NewReplacer(",", "", "%", "", "+", "", "−", "-").Replace(s))
	// Money starts with its currency's symbol or code: £1,234.50, A$9.99, INR 12.00.
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeftFunc(strings.TrimPrefix(s, "-"), func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
	if neg {
		s = "-" + s
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("page figure %q is not a number", s)
	}
	return v
}

func near(a, b, tol float64) bool { return a-b <= tol && b-a <= tol }
