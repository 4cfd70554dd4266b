package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// After a demo ran in a folder, token, kpi and jobs run from it open the
// demo's database, unless told where to go; from elsewhere nothing changes.
func TestDemoHereOpensTheDemosDatabase(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	parse := func(vars map[string]string, args ...string) (*Config, string) {
		t.Helper()
		var out, errs strings.Builder
		e := &env{getenv: func(k string) string { return vars[k] }, stdout: &out, stderr: &errs}
		c, err := parseConfig(flag.NewFlagSet("token create", flag.ContinueOnError), e, args, dbFlags...)
		if err != nil {
			t.Fatal(err)
		}
		demoHere(c, e)
		return c, errs.String()
	}

	// No demo here: the usual database.
	if c, msg := parse(nil); c.Demo || msg != "" {
		t.Fatalf("without a demo in the folder: demo %v, said %q", c.Demo, msg)
	}
	state := filepath.Join(dir, "state")
	demo, _ := parse(map[string]string{"SHRINKSCOPE_STATE_DIR": state})
	writeDemoMarker(demo, newLogger(demo, os.Stderr))

	for _, tc := range []struct {
		name  string
		env   map[string]string
		args  []string
		demo  bool
		state string
	}{
		{"plain", nil, nil, true, state},
		{"its own state dir", nil, []string{"--state-dir", "/elsewhere"}, true, "/elsewhere"},
		{"--demo=false", nil, []string{"--demo=false"}, false, ""},
		{"SHRINKSCOPE_DEMO=false", map[string]string{"SHRINKSCOPE_DEMO": "false"}, nil, false, ""},
		{"DATABASE_URL", map[string]string{"DATABASE_URL": "postgres://x@db/real"}, nil, false, ""},
		{"--database-url", nil, []string{"--database-url", "postgres://x@db/real"}, false, ""},
	} {
		c, msg := parse(tc.env, tc.args...)
		if c.Demo != tc.demo || tc.state != "" && c.StateDir != tc.state {
			t.Errorf("%s: demo %v state %q, want demo %v state %q", tc.name, c.Demo, c.StateDir, tc.demo, tc.state)
		}
		if said := strings.Contains(msg, "using the demo's database shrinkscope_demo"); said != tc.demo {
			t.Errorf("%s: said %q", tc.name, msg)
		}
	}

	// A demo on DATABASE_URL: the URL is not written down, so the command
	// says what to set instead of guessing.
	demo, _ = parse(map[string]string{"DATABASE_URL": "postgres://u:secret@db/demo"})
	writeDemoMarker(demo, newLogger(demo, os.Stderr))
	if b, _ := os.ReadFile(demoMarker); strings.Contains(string(b), "secret") || strings.Contains(string(b), "db/demo") {
		t.Errorf("the marker holds the URL: %s", b)
	}
	if c, msg := parse(nil); c.Demo || !strings.Contains(msg, "set it to the same URL") {
		t.Errorf("after a demo on DATABASE_URL: demo %v, said %q", c.Demo, msg)
	}
	if got := demoTokenCommand(demo, "postgres://u:xxxxx@db/demo"); !strings.HasPrefix(got, "DATABASE_URL=postgres://u:xxxxx@db/demo ") ||
		!strings.HasSuffix(got, "token create --demo --role ops --name you") {
		t.Errorf("token command after a demo on DATABASE_URL: %q", got)
	}
}
