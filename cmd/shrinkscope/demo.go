package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/db"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/migrations"
)

// demoDatabase keeps the demo apart from a real estate on the same server.
const demoDatabase = "shrinkscope_demo"

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	stores := fs.Int("stores", 12, "stores in the demo estate")
	days := fs.Int("days", 120, "days of history")
	seedVal := fs.Int64("seed", 1, "generator seed; the same seed gives the same estate")
	reset := fs.Bool("reset", false, "delete the demo estate and generate it again")
	c, err := parseConfig(fs, e, args, serveFlags...)
	if err != nil {
		return err
	}
	if *stores < 1 || *days < 1 {
		return fmt.Errorf("--stores and --days must be at least 1")
	}
	log := newLogger(c, e.stderr)
	d, err := db.Open(ctx, db.Options{URL: c.DatabaseURL, StateDir: c.StateDir, Database: demoDatabase, MaxConns: int32(c.DBMaxConns), Logger: log})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := migrations.Up(ctx, d.Pool, log); err != nil {
		return err
	}
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
		_, st, err := app.LoadReady(ctx, d.Pool, estate.Config{Seed: *seedVal, Stores: *stores, Days: *days}, progressBar(e.stderr, "generating demo estate"))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "loaded %d stores, %d zones, %d events, %d outcomes, %d footfall rows, %d sales days, KPI rollups built, layout changes evaluated, in %s\n",
			st.Stores, st.Zones, st.Events, st.Outcomes, st.Footfall, st.Sales, time.Since(started).Round(time.Millisecond))
	} else {
		fmt.Fprintf(e.stderr, "demo estate already loaded (%d stores); --reset generates it again\n", len(have))
	}
	secret, _, err := tokens.New(d.Pool).Create(ctx, "demo-admin "+time.Now().UTC().Format(time.DateTime), ss.RoleAdmin, nil)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set --addr or SHRINKSCOPE_ADDR): %w", c.Addr, err)
	}
	fmt.Fprintf(e.stdout, "\nshrinkscope demo is running at %s\nadmin token: %s\n\nsign in at the URL with the token, or:\n  curl -H 'Authorization: Bearer %s' %sapi/v1/stores\n\n",
		browseURL(ln.Addr()), secret, secret, browseURL(ln.Addr()))
	return serveOn(ctx, d.Pool, log, c, ln)
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
