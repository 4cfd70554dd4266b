package db

import "testing"

func TestStateDir(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		name   string
		getenv func(string) string
		euid   int
		want   string
	}{
		{"xdg wins", env("XDG_STATE_HOME", "/x/state", "HOME", "/home/u"), 1000, "/x/state/shrinkscope"},
		{"xdg wins for root too", env("XDG_STATE_HOME", "/x/state"), 0, "/x/state/shrinkscope"},
		{"relative xdg ignored", env("XDG_STATE_HOME", "rel", "HOME", "/home/u"), 1000, "/home/u/.local/state/shrinkscope"},
		{"root avoids /root", env("HOME", "/root"), 0, "/var/lib/shrinkscope"},
		{"user home", env("HOME", "/home/u"), 1000, "/home/u/.local/state/shrinkscope"},
	} {
		if got := stateDir(tc.getenv, tc.euid); got != tc.want {
			t.Errorf("%s: stateDir = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDefaultUsers(t *testing.T) {
	t.Parallel()
	got := defaultUsers(func(k string) string {
		if k == "PGUSER" {
			return "postgres"
		}
		return ""
	})
	if len(got) == 0 || got[0] != "postgres" || got[len(got)-1] == "" {
		t.Fatalf("defaultUsers = %q, want PGUSER first and no blanks", got)
	}
	seen := map[string]bool{}
	for _, u := range got {
		if seen[u] {
			t.Fatalf("defaultUsers = %q has %q twice", got, u)
		}
		seen[u] = true
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/d?sslmode=disable": "postgres://u:xxxxx@h:5432/d?sslmode=disable",
		"postgres://u@h/d?password=secret":             "postgres://u@h/d?password=xxxxx",
		"host=/tmp user=u password=secret dbname=d":    "host=/tmp user=u password=xxxxx dbname=d",
		`host=h password='se cr\'et' dbname=d`:         "host=h password=xxxxx dbname=d",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
