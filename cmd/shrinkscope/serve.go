package main

import (
	"context"
	"flag"
	"fmt"
	"net"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shrinkscope/shrinkscope/migrations"
	"github.com/shrinkscope/shrinkscope/web"
)

var serveFlags = append([]string{"addr", "max-body-bytes", "max-batch", "shutdown-timeout", "migrate"}, dbFlags...)

func cmdServe(ctx context.Context, e *env, args []string) error {
	c, err := parseConfig(flag.NewFlagSet("serve", flag.ContinueOnError), e, args, serveFlags...)
	if err != nil {
		return err
	}
	return serve(ctx, e, c, nil)
}

// serve opens the database, migrates when asked, and serves until ctx ends.
// ready, when set, receives the listening address.
func serve(ctx context.Context, e *env, c *Config, ready func(addr string)) error {
	log := newLogger(c, e.stderr)
	d, err := openDB(ctx, c, log)
	if err != nil {
		return err
	}
	defer d.Close()
	if c.Migrate {
		if err := migrations.Up(ctx, d.Pool, log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set --addr or SHRINKSCOPE_ADDR): %w", c.Addr, err)
	}
	srv := web.New(d.Pool, log, web.Options{
		MaxBodyBytes: c.MaxBodyBytes, MaxBatch: c.MaxBatch, ShutdownTimeout: c.ShutdownTimeout,
	}, prometheus.NewRegistry())
	log.Info("serving", "addr", ln.Addr().String(), "database", d.Source)
	if ready != nil {
		ready(ln.Addr().String())
	}
	return srv.Serve(ctx, ln)
}
