package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/alerts"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
)

// demoDatabase keeps the demo apart from a real estate on the same server.
const demoDatabase = "shrinkscope_demo"

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	stores := fs.Int("stores", 12, "stores in the demo estate")
	days := fs.Int("days", 120, "days of history")
	seedVal := fs.Int64("seed", 1, "generator seed; the same seed gives the same estate")
	reset := fs.Bool("reset", false, "delete the demo estate and generate it again")
	listen := fs.String("listen", "", "address the demo listens on (default "+demoListen+", this machine only: the demo prints an admin token); e.g. :8080 for every interface")
	c, err := parseConfig(fs, e, args, serveFlags...)
	if err != nil {
		return err
	}
	c.Addr = demoAddr(*listen, c, fs, e)
	if *stores < 1 || *days < 1 {
		return fmt.Errorf("--stores and --days must be at least 1")
	}
	log := newLogger(c, e.stderr)
	c.Demo = true
	d, err := openDB(ctx, c, log)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := migrateUp(ctx, d.Pool, log, c); err != nil {
		return err
	}
	writeDemoMarker(c, log)
	c.tokenHint = demoTokenCommand(c, d.URL)
	lay := layout.New(d.Pool)
	have, err := lay.Stores(ctx, nil)
	if err != nil {
		return err
	}
	if len(have) > 0 && *reset {
		if err := app.Reset(ctx, d.Pool); err != nil {
			return fmt.Errorf("reset demo estate: %w", err)
		}
		have = nil
	}
	if len(have) == 0 {
		started := time.Now()
		est, st, err := app.LoadReady(ctx, d.Pool, estate.Config{Seed: *seedVal, Stores: *stores, Days: *days}, progressBar(e.stderr, "generating demo estate"))
		if err != nil {
			return err
		}
		if c.reporting() != kpi.DefaultReportingCurrency {
			// LoadReady quoted its rates against the default; quote them against this one too.
			if err := app.LoadRates(ctx, newServices(d.Pool, c).KPIs, est); err != nil {
				return err
			}
		}
		fmt.Fprintf(e.stderr, "loaded %d stores, %d zones, %d events, %d outcomes, %d footfall rows, %d sales days, KPI rollups built, layout changes evaluated, in %s\n",
			st.Stores, st.Zones, st.Events, st.Outcomes, st.Footfall, st.Sales, time.Since(started).Round(time.Millisecond))
		if err := runDemoJobs(ctx, e, d.Pool, c, log); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stderr, "demo estate already loaded (%d stores); --reset generates it again\n", len(have))
	}
	// The token is named for the person who signs in with it: the page header shows it.
	secret, _, err := tokens.New(d.Pool).Create(ctx, demoTokenName, ss.RoleAdmin, nil)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set --addr or SHRINKSCOPE_ADDR): %w", c.Addr, err)
	}
	fmt.Fprintf(e.stdout, "\nshrinkscope demo is running at %s\nadmin token: %s\n\nsign in at the URL with the token, or:\n  curl -H 'Authorization: Bearer %s' %sapi/v1/stores\ntokens for others: %s\n\n",
		browseURL(ln.Addr()), secret, secret, browseURL(ln.Addr()), c.tokenHint)
	var acfg alerts.Config
	if err := listenConfig(ctx, c, d, log, &acfg); err != nil {
		ln.Close()
		return err
	}
	return serveOn(ctx, d.Pool, log, c, ln, acfg)
}

// demoListen is where the demo listens unless told otherwise: loopback,
// since it prints an admin token and its estate opens to whoever reaches it.
const demoListen = "127.0.0.1:8080"

// demoAddr is the demo's listen address: --listen, else an --addr or
// SHRINKSCOPE_ADDR given explicitly, else demoListen (never serve's default
// of every interface).
func demoAddr(listen string, c *Config, fs *flag.FlagSet, e *env) string {
	if listen != "" {
		return listen
	}
	told := e.getenv("SHRINKSCOPE_ADDR") != ""
	fs.Visit(func(f *flag.Flag) { told = told || f.Name == "addr" })
	if told {
		return c.Addr
	}
	return demoListen
}

// demoTokenName is the name of the admin token the demo prints.
const demoTokenName = "Demo admin"

// demoJobs are the jobs the demo runs once after loading, in this order, so
// that no page is empty on first open: the segments' daily record,
// recommendations, evaluations, next week's staffing plans and last week's
// reports (retention has nothing to purge in a fresh estate).
var demoJobs = []string{"rollups", "segments", "recommendations", "evaluations", "staffing-plans", "findings", "reports"}

// runDemoJobs runs demoJobs through the scheduler, so the jobs page shows
// their runs, and plans this week's staffing too (the job plans next week's).
func runDemoJobs(ctx context.Context, e *env, pool *pgxpool.Pool, c *Config, log *slog.Logger) error {
	svc := newServices(pool, c)
	svc.Workforce.SOC = c.SOC()
	sch, err := newScheduler(svc, c, log, kpi.NewRollups(pool))
	if err != nil {
		return err
	}
	var done []string
	for _, name := range demoJobs {
		r, err := sch.RunNow(ctx, name)
		if err != nil {
			return fmt.Errorf("demo: run job %s: %w", name, err)
		}
		if r.Status != "ok" {
			return fmt.Errorf("demo: job %s %s: %s", name, r.Status, r.Error)
		}
		rows := int64(0)
		if r.Rows != nil {
			rows = *r.Rows
		}
		done = append(done, fmt.Sprintf("%s %d", name, rows))
	}
	n, err := svc.Workforce.PlanWeek(ctx, time.Now())
	if err != nil {
		return fmt.Errorf("demo: this week's staffing plans: %w", err)
	}
	fmt.Fprintf(e.stderr, "ran every job once: %s; staffing plans for this week %d\n", strings.Join(done, ", "), n)
	return nil
}

func browseURL(a net.Addr) string {
	_, port, _ := net.SplitHostPort(a.String())
	return "http://localhost:" + port + "/"
}

// progressBar draws "label [#####     ] done/total" on one line of w.
func progressBar(w io.Writer, label string) func(done, total int) {
	const width = 30
	return func(done, total int) {
		n := width * done / max(total, 1)
		fmt.Fprintf(w, "\r%s [%s%s] %d/%d stores", label, strings.Repeat("#", n), strings.Repeat(" ", width-n), done, total)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}
