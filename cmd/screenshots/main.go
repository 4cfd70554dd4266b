// Command screenshots writes a PNG of every dashboard page, at laptop and
// phone widths, from the demo estate (12 stores, 120 days, seed 1) in a
// database of its own: `make screenshots` runs it into docs/screenshots.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
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
	"github.com/shrinkscope/shrinkscope/workforce"
)

// widths are the viewports every page is shot at.
var widths = []struct {
	suffix        string
	width, height int64
	mobile        bool
}{{"", 1366, 900, false}, {"-phone", 390, 844, true}}

func main() {
	out := flag.String("out", "docs/screenshots", "directory for the PNG files")
	flag.Parse()
	if err := run(*out); err != nil {
		log.Fatal(err)
	}
}

func run(out string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	t := &runT{}
	defer t.cleanup()
	pool := dbtest.New(t)
	end := time.Now().UTC().Truncate(24 * time.Hour)
	est, _, err := app.LoadReady(ctx, pool, estate.Config{Seed: 1, Stores: 12, Days: 120, End: end}, nil)
	if err != nil {
		return err
	}
	secret, _, err := tokens.New(pool).Create(ctx, "Alex Morgan", ss.RoleAdmin, nil)
	if err != nil {
		return err
	}
	svc := app.New(pool)
	sch, err := reports.New(pool, []reports.Job{{Name: "reports", Schedule: "0 6 * * 1", Run: func(ctx context.Context) (int, error) {
		return svc.Reports.WriteWeek(ctx, reports.LastWeek(time.Now()))
	}}}, reports.Config{})
	if err != nil {
		return err
	}
	srv := web.New(svc, slog.New(slog.DiscardHandler), web.Options{Jobs: sch}, nil)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	dir, err := os.MkdirTemp("", "shrinkscope-chromium-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b, err := browser.Start(ctx, dir)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := shoot(b, hs.URL+"/login", filepath.Join(out, "login")); err != nil {
		return err
	}
	err = chromedp.Do(b.Ctx, chromedp.SendKeys(chromedp.ID("token"), secret), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("stores")))
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	store := est.Stores[0].Code
	for _, st := range est.Stores {
		if st.OperatingModel == ss.ModelSOC {
			store = st.Code
			break
		}
	}
	// The jobs page shows a run, and the reports page what it wrote.
	if _, err := sch.RunNow(ctx, "reports"); err != nil {
		return err
	}
	// The staffing page shows this week's plan of the store.
	if _, err := svc.Workforce.MakePlan(ctx, store, workforce.WeekStart(time.Now().UTC(), time.UTC), "Alex Morgan"); err != nil {
		return err
	}
	pages := map[string]string{"estate": "/", "store": "/stores/" + store, "segments": "/segments",
		"layout": "/stores/" + layoutStore(est) + "/layout", "staffing": "/staffing?store=" + store,
		"reports": "/reports", "jobs": "/jobs"}
	for name, path := range pages {
		if err := shoot(b, hs.URL+path, filepath.Join(out, name)); err != nil {
			return err
		}
	}
	if off := b.Offsite(); len(off) > 0 {
		return fmt.Errorf("pages asked for other hosts: %v", off)
	}
	return nil
}

// shoot opens url at each width and writes base+suffix+".png".
func shoot(b *browser.Session, url, base string) error {
	for _, w := range widths {
		var opts []chromedp.EmulateViewportOption
		if w.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateScale(2))
		}
		err := chromedp.Do(b.Ctx, chromedp.EmulateViewport(w.width, w.height, opts...), chromedp.Navigate(url))
		if err != nil {
			return fmt.Errorf("open %s: %w", url, err)
		}
		png, err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(100))
		if err != nil {
			return fmt.Errorf("screenshot %s: %w", url, err)
		}
		if err := os.WriteFile(base+w.suffix+".png", png, 0o644); err != nil {
			return err
		}
		fmt.Printf("%s%s.png\n", base, w.suffix)
	}
	return nil
}

// runT lets a program use dbtest: failures end it, cleanups run at exit.
type runT struct{ cleanups []func() }

func (t *runT) Helper()                           {}
func (t *runT) Logf(format string, args ...any)   { log.Printf(format, args...) }
func (t *runT) Fatalf(format string, args ...any) { t.cleanup(); log.Fatalf(format, args...) }
func (t *runT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *runT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	t.cleanups = nil
}

// layoutStore is a store with a planted layout change, so its layout page
// shows an evaluation.
func layoutStore(est *estate.Estate) string {
	for _, s := range est.Stores {
		if s.Change >= 0 {
			return s.Code
		}
	}
	return est.Stores[0].Code
}
