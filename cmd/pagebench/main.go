// Command pagebench measures the server time of every dashboard page on the
// demo estate (12 stores, 120 days, seed 1): each page is rendered -n times
// straight through the server's handler, after a warm-up, and its p50 and
// p99 are printed beside the JSON KPI answer the estate page builds on.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/web"
)

// parts adds the KPI answers the store page is made of.
var parts = flag.Bool("parts", false, "also time the store page's KPI answers one by one")

func main() {
	n := flag.Int("n", 200, "requests per page")
	flag.Parse()
	if err := run(*n); err != nil {
		log.Fatal(err)
	}
}

func run(n int) error {
	ctx := context.Background()
	t := &runT{}
	defer t.cleanup()
	pool := dbtest.New(t)
	started := time.Now()
	est, st, err := app.LoadReady(ctx, pool, estate.Config{Seed: 1, Stores: 12, Days: 120, End: time.Now().UTC().Truncate(24 * time.Hour)}, nil)
	if err != nil {
		return err
	}
	fmt.Printf("demo estate: %d stores, %d events, loaded in %s\n", st.Stores, st.Events, time.Since(started).Round(time.Second))
	secret, _, err := tokens.New(pool).Create(ctx, "bench", ss.RoleAdmin, nil)
	if err != nil {
		return err
	}
	h := web.New(app.New(pool), slog.New(slog.DiscardHandler), web.Options{}, nil).Handler()
	store := est.Stores[0].Code
	paths := []string{"/api/v1/kpis?by=store", "/", "/stores/" + store, "/segments", "/layout", "/stores/" + store + "/layout"}
	if *parts {
		for _, by := range []string{"store", "zone", "hour_of_week", "day"} {
			paths = append(paths, "/api/v1/kpis?by="+by+"&store="+store)
		}
	}
	fmt.Printf("%-28s %8s %8s %8s\n", "page", "p50 ms", "p99 ms", "p99/api")
	var base float64
	for _, path := range paths {
		d := make([]time.Duration, 0, n)
		for i := 0; i < n+20; i++ {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Authorization", "Bearer "+secret)
			req.Header.Set("Accept", "text/html")
			rec := httptest.NewRecorder()
			t0 := time.Now()
			h.ServeHTTP(rec, req)
			el := time.Since(t0)
			if rec.Code != http.StatusOK {
				return fmt.Errorf("%s: status %d: %s", path, rec.Code, rec.Body.String())
			}
			if i >= 20 { // the first requests warm the pool and the caches
				d = append(d, el)
			}
		}
		slices.Sort(d)
		p50, p99 := ms(d[len(d)/2]), ms(d[(len(d)*99+99)/100-1])
		if base == 0 {
			base = p99
		}
		fmt.Printf("%-28s %8.1f %8.1f %8.2f\n", path, p50, p99, p99/base)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// runT lets a program use dbtest: failures end it, cleanups run at exit.
type runT struct{ cleanups []func() }

func (t *runT) Helper()                         {}
func (t *runT) Logf(format string, args ...any) { log.Printf(format, args...) }
func (t *runT) Fatalf(format string, args ...any) {
	t.cleanup()
	log.Fatalf(format, args...)
}
func (t *runT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }
func (t *runT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	t.cleanups = nil
}
