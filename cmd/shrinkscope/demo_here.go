package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// demoMarker is the file `shrinkscope demo` leaves in the folder it runs in,
// so that token, kpi and jobs run from that folder (as `make demo` and `go
// run ./cmd/shrinkscope token create …` both are) open the demo's database
// rather than making an empty one of their own.
const demoMarker = ".shrinkscope-demo"

// demoNote is what the marker holds: where the demo's database is. The
// URL itself is never written, since it may carry a password.
type demoNote struct {
	Database string `json:"database"`
	StateDir string `json:"state_dir,omitempty"` // the embedded server's, when the demo was given one
	URL      bool   `json:"database_url"`        // the demo used DATABASE_URL
}

// writeDemoMarker records the demo's database in the working folder; a
// folder it cannot write leaves the sign-in page's hint, which names
// --demo, as the way to it.
func writeDemoMarker(c *Config, log *slog.Logger) {
	n := demoNote{Database: demoDatabase, URL: c.DatabaseURL != ""}
	if c.given["state-dir"] {
		n.StateDir, _ = filepath.Abs(c.StateDir)
	}
	b, _ := json.Marshal(n)
	if err := os.WriteFile(demoMarker, append(b, '\n'), 0o644); err != nil {
		log.Warn("demo: cannot note the demo's database in this folder; other commands need --demo", "file", demoMarker, "err", err)
	}
}

// demoHere makes a command run from a demo's folder open the demo's
// database, saying so, unless it was told where to go (--demo,
// SHRINKSCOPE_DEMO, --database-url or DATABASE_URL).
func demoHere(c *Config, e *env) {
	if c.Demo || c.given["demo"] || c.given["database-url"] {
		return
	}
	b, err := os.ReadFile(demoMarker)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	var n demoNote
	if err == nil {
		err = json.Unmarshal(b, &n)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "shrinkscope: ignoring %s (%v)\n", demoMarker, err)
		return
	}
	if n.URL {
		fmt.Fprintf(e.stderr, "shrinkscope: the demo in this folder used DATABASE_URL; set it to the same URL to reach the demo's database\n")
		return
	}
	c.Demo = true
	if n.StateDir != "" && !c.given["state-dir"] {
		c.StateDir = n.StateDir
	}
	fmt.Fprintf(e.stderr, "shrinkscope: using the demo's database %s (the demo run in this folder, %s); --demo=false for the other one\n", demoDatabase, demoMarker)
}

// demoTokenCommand is the exact command that makes a token the demo
// accepts, from any folder: how this binary was started, --demo, and the
// demo's state directory or DATABASE_URL where it was given one.
func demoTokenCommand(c *Config, redactedURL string) string {
	prog := "shrinkscope"
	if exe, err := os.Executable(); err == nil && strings.Contains(exe, "go-build") {
		prog = "go run ./cmd/shrinkscope" // make demo's go run
	}
	cmd := prog + " token create --demo --role ops --name you"
	if c.DatabaseURL != "" {
		return "DATABASE_URL=" + redactedURL + " " + cmd
	}
	if c.given["state-dir"] {
		dir, _ := filepath.Abs(c.StateDir)
		cmd += " --state-dir " + dir
	}
	return cmd
}
