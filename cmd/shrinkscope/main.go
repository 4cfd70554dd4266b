// Command shrinkscope is the single binary: serve, migrate, token, demo.
// main only wires; each subcommand lives in its own file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "shrinkscope:", err)
		}
		os.Exit(exitCode(err))
	}
}

// exitCode is 0 for a help asked for, 2 for a command used wrongly, else 1.
func exitCode(err error) int {
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	return 1
}

var errUsage = errors.New("usage")

// usageError is what a command answers after printing its usage: a help
// asked for (-h, --help) or a command used wrongly.
func usageError(args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		return flag.ErrHelp
	}
	return errUsage
}

const usage = `shrinkscope turns concealment detections into shrink KPIs, staffing plans and layout changes.

Usage:
  shrinkscope serve [flags]               run the HTTP API and dashboards
  shrinkscope migrate up|status [flags]   apply or list schema migrations
  shrinkscope token create --role R --name N [--stores A,B]
  shrinkscope token list | revoke ID|NAME
  shrinkscope kpi rebuild [--store S] | refresh
  shrinkscope jobs list | run NAME        list the scheduled jobs, or run one now
  shrinkscope demo [flags]                generate a demo estate and serve it
  shrinkscope vision --config FILE [--drain|--dry-run]
                                          run the in-store cameras-to-events tier
  shrinkscope vision check --config FILE [--frames N] [--out DIR]
                                          try a vision config: model fit, calibration, annotated frames
  shrinkscope frigate --config FILE [--drain]
                                          bridge a store's Frigate (MQTT) to events and footfall
  shrinkscope version

Every command takes --help. Settings come from flags or the environment.
`

// run is the whole program, with its environment passed in so tests can
// drive it like a user would.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	env := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, env, args[1:])
	case "migrate":
		return cmdMigrate(ctx, env, args[1:])
	case "token":
		return cmdToken(ctx, env, args[1:])
	case "demo":
		return cmdDemo(ctx, env, args[1:])
	case "kpi":
		return cmdKPI(ctx, env, args[1:])
	case "jobs":
		return cmdJobs(ctx, env, args[1:])
	case "vision":
		return cmdVision(ctx, env, args[1:])
	case "frigate":
		return cmdFrigate(ctx, env, args[1:])
	case "version":
		fmt.Fprintln(stdout, version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// env is the process's outside world.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}
