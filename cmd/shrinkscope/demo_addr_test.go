package main

import (
	"flag"
	"io"
	"strings"
	"testing"
)

// The demo prints an admin token, so it listens on loopback unless told
// otherwise by --listen, or by an --addr or SHRINKSCOPE_ADDR given on
// purpose; serve's own default (every interface) never applies to it.
func TestDemoListensOnLoopbackByDefault(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "127.0.0.1:8080"},
		{[]string{"--listen", ":9000"}, nil, ":9000"},
		{[]string{"--addr", "127.0.0.1:0"}, nil, "127.0.0.1:0"},
		{nil, map[string]string{"SHRINKSCOPE_ADDR": "0.0.0.0:7000"}, "0.0.0.0:7000"},
		{[]string{"--listen", "10.0.0.5:8080", "--addr", ":1"}, map[string]string{"SHRINKSCOPE_ADDR": ":2"}, "10.0.0.5:8080"},
	} {
		e := &env{getenv: envOf(c.env), stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
		fs := flag.NewFlagSet("demo", flag.ContinueOnError)
		listen := fs.String("listen", "", "")
		cfg, err := parseConfig(fs, e, c.args, serveFlags...)
		if err != nil {
			t.Fatal(err)
		}
		if got := demoAddr(*listen, cfg, fs, e); got != c.want {
			t.Errorf("demo %v with %v listens on %q, want %q", c.args, c.env, got, c.want)
		}
	}
}

// demo --help names --listen and its loopback default.
func TestDemoHelpNamesListen(t *testing.T) {
	t.Parallel()
	out, errOut, err := sh(t, nil, "demo", "--help")
	if exitCode(err) != 0 || !strings.Contains(out+errOut, "-listen") || !strings.Contains(out+errOut, "127.0.0.1:8080") {
		t.Errorf("demo --help: %v\n%s%s", err, out, errOut)
	}
}
