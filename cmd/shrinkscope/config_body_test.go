package main

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/web"
)

// --body-grace and --body-min-rate reach the server's options, from the
// environment or flags; a bad value stops serve naming its source.
func TestBodyRateSettings(t *testing.T) {
	t.Parallel()
	parse := func(vars map[string]string, args ...string) (*Config, error) {
		e := &env{getenv: envOf(vars), stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
		return parseConfig(flag.NewFlagSet("serve", flag.ContinueOnError), e, args, serveFlags...)
	}
	c, err := parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	var o web.Options
	webGuards(c, &o)
	if o.BodyGrace != 10*time.Second || o.MinBodyRate != 1024 {
		t.Errorf("defaults: grace %s, rate %d", o.BodyGrace, o.MinBodyRate)
	}
	c, err = parse(map[string]string{"SHRINKSCOPE_BODY_GRACE": "3s"}, "--body-min-rate", "4096")
	if err != nil {
		t.Fatal(err)
	}
	webGuards(c, &o)
	if o.BodyGrace != 3*time.Second || o.MinBodyRate != 4096 {
		t.Errorf("set: grace %s, rate %d", o.BodyGrace, o.MinBodyRate)
	}
	for _, bad := range []struct {
		env  map[string]string
		args []string
		name string
	}{
		{map[string]string{"SHRINKSCOPE_BODY_GRACE": "soon"}, nil, "SHRINKSCOPE_BODY_GRACE"},
		{nil, []string{"--body-min-rate", "0"}, "body-min-rate"},
	} {
		if _, err := parse(bad.env, bad.args...); err == nil || !strings.Contains(err.Error(), bad.name) {
			t.Errorf("%v %v: %v, want an error naming %s", bad.env, bad.args, err, bad.name)
		}
	}
}
