package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bareMachine hides this machine's PostgreSQL from what it runs: server
// binaries and sockets under empty mounts, and a network namespace whose
// loopback has nothing on 5432. The stand-in apt-get that demo-postgres finds
// first on PATH records its arguments and, asked to install, reveals the
// binaries again, as a real install would make them appear.
const bareMachine = `set -eu
ip link set lo up
mount -t tmpfs bare /usr/lib/postgresql
if [ -d /run/postgresql ]; then mount -t tmpfs bare /run/postgresql; fi
if [ -e /tmp/.s.PGSQL.5432 ]; then mount --bind /dev/null /tmp/.s.PGSQL.5432; fi
PATH="$STUB_BIN:$PATH" "$SCRIPTS/demo-postgres"
exec "$TEST_BINARY" -test.run='^TestDemoHelperProcess$' -test.v
`

const standInAptGet = `#!/bin/sh
echo "$*" >>"$APT_LOG"
case " $* " in *" install "*) umount /usr/lib/postgresql ;; esac
`

// make demo on a machine without PostgreSQL: the set-up asks apt-get for it,
// then the demo starts an embedded server on the binaries that appeared.
func TestDemoOnBareMachine(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to hide PostgreSQL in private mount and network namespaces")
	}
	for _, tool := range []string{"unshare", "ip", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s to hide PostgreSQL: %v", tool, err)
		}
	}
	if bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb"); len(bins) == 0 {
		t.Skip("needs Debian's PostgreSQL in /usr/lib/postgresql, to hide it and let the stand-in apt-get reveal it")
	}
	t.Parallel()
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		// The user PostgreSQL runs as under root must reach the state directory.
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	state := filepath.Join(dir, "state")
	t.Cleanup(func() { stopPostmasters(t, state) })
	stub := filepath.Join(dir, "bin")
	if err := os.Mkdir(stub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stub, "apt-get"), []byte(standInAptGet), 0o755); err != nil {
		t.Fatal(err)
	}
	scripts, err := filepath.Abs("../../scripts")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	aptLog := filepath.Join(dir, "apt-get.log")

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--mount", "--net", "bash", "-c", bareMachine)
	cmd.Dir = dir // the folder the demo runs in, as make demo's is the checkout
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "SHRINKSCOPE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "STUB_BIN="+stub, "SCRIPTS="+scripts, "TEST_BINARY="+self, "APT_LOG="+aptLog,
		"SHRINKSCOPE_DEMO_HELPER=1", "SHRINKSCOPE_STATE_DIR="+state, "SHRINKSCOPE_LOG_FORMAT=json")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("set-up and demo in the bare namespace: %v\n%s", err, out)
	}
	apt, err := os.ReadFile(aptLog)
	if err != nil {
		t.Fatalf("apt-get was never asked for PostgreSQL (%v); output:\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^install .*\bpostgresql\b`).Match(apt) {
		t.Errorf("apt-get was run with\n%s\nwant an install of postgresql", apt)
	}
	for _, want := range []string{
		"shrinkscope demo is running at http://localhost:",
		"admin token: sst_",
		"ran every job once: rollups ",
		`"bin":"/usr/lib/postgresql/`, // initdb came from the binaries that appeared
		`"source":"embedded"`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestDemoHelperProcess is the demo as TestDemoOnBareMachine runs it, inside
// its namespaces after the set-up: it serves a small estate, answers an API
// call with the token it printed, then shuts down and stops its server.
func TestDemoHelperProcess(t *testing.T) {
	if os.Getenv("SHRINKSCOPE_DEMO_HELPER") != "1" {
		t.Skip("run by TestDemoOnBareMachine inside its namespaces")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--stores", "1", "--days", "7", "--addr", "127.0.0.1:0"},
			os.Getenv, strings.NewReader(""), &out, &logs)
	}()
	defer func() { fmt.Printf("demo stdout:\n%s\ndemo stderr:\n%s\n", out.String(), logs.String()) }()
	ready := regexp.MustCompile(`running at (\S+)\nadmin token: (\S+)`)
	var m []string
	for deadline := time.Now().Add(2 * time.Minute); m == nil; m = ready.FindStringSubmatch(out.String()) {
		select {
		case err := <-done:
			t.Fatalf("demo ended before serving: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("demo printed no URL and token in time")
		}
	}
	token := m[2]
	get := func(path string, into any) int {
		req, _ := http.NewRequest("GET", m[1]+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if into != nil {
			if err := json.NewDecoder(res.Body).Decode(into); err != nil {
				t.Errorf("GET %s: %v", path, err)
			}
		}
		return res.StatusCode
	}
	if code := get("api/v1/stores", nil); code != http.StatusOK {
		t.Errorf("GET /api/v1/stores with the printed token: %d", code)
	}
	// The header names a person, not a token's timestamp.
	var me struct{ Name string }
	if get("api/v1/me", &me); me.Name != "Demo admin" {
		t.Errorf("the demo token is named %q", me.Name)
	}
	// Every job ran once after loading, so no page is empty on first open.
	for _, job := range []string{"rollups", "segments", "recommendations", "evaluations", "staffing-plans", "reports"} {
		var runs struct {
			Runs []struct{ Status, Trigger string }
		}
		if get("api/v1/jobs/"+job+"/runs", &runs); len(runs.Runs) != 1 || runs.Runs[0].Status != "ok" || runs.Runs[0].Trigger != "manual" {
			t.Errorf("job %s: runs %+v, want one manual run, ok", job, runs.Runs)
		}
	}
	// This week's staffing plan as well as next week's (the job's).
	monday := time.Now().UTC().AddDate(0, 0, -(int(time.Now().UTC().Weekday())+6)%7)
	for _, week := range []time.Time{monday, monday.AddDate(0, 0, 7)} {
		if code := get("api/v1/stores/S001/staffing-plans/"+week.Format(time.DateOnly), nil); code != http.StatusOK {
			t.Errorf("the staffing plan of the week of %s: %d", week.Format(time.DateOnly), code)
		}
	}
	// Last week's reports are written: the estate's and the store's.
	var reps struct{ Reports []struct{ Week string } }
	if get("api/v1/reports", &reps); len(reps.Reports) != 1 || reps.Reports[0].Week != monday.AddDate(0, 0, -7).Format(time.DateOnly) {
		t.Errorf("the estate's reports %+v, want last week's", reps.Reports)
	}
	if get("api/v1/stores/S001/reports", &reps); len(reps.Reports) != 1 {
		t.Errorf("S001's reports %+v, want last week's", reps.Reports)
	}
	// A token made from the same folder with --demo opens the demo's estate.
	var tokOut, tokErr syncBuffer
	if err := run(context.Background(), []string{"token", "create", "--demo", "--role", "ops", "--name", "night shift"},
		os.Getenv, strings.NewReader(""), &tokOut, &tokErr); err != nil {
		t.Fatalf("token create --demo: %v\n%s", err, tokErr.String())
	}
	token = strings.TrimSpace(tokOut.String())
	if get("api/v1/me", &me); me.Name != "night shift" {
		t.Errorf("the token made with --demo names %q on the demo", me.Name)
	}
	// Without --demo too, from the folder the demo runs in: the command
	// opens the demo's database and says so.
	var hereOut, hereErr syncBuffer
	if err := run(context.Background(), []string{"token", "create", "--role", "ops", "--name", "day shift"},
		os.Getenv, strings.NewReader(""), &hereOut, &hereErr); err != nil {
		t.Fatalf("token create from the demo's folder: %v\n%s", err, hereErr.String())
	}
	if !strings.Contains(hereErr.String(), "using the demo's database shrinkscope_demo") {
		t.Errorf("token create did not say it used the demo's database:\n%s", hereErr.String())
	}
	token = strings.TrimSpace(hereOut.String())
	if get("api/v1/me", &me); me.Name != "day shift" {
		t.Errorf("the token made from the demo's folder names %q on the demo", me.Name)
	}
	// The sign-in page names the exact command.
	res, err := http.Get(m[1] + "login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := "token create --demo --role ops --name you --state-dir " + os.Getenv("SHRINKSCOPE_STATE_DIR"); !strings.Contains(string(page), want) {
		t.Errorf("the sign-in page does not name %q:\n%s", want, page)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("demo shut down with %v", err)
	}
}

// stopPostmasters stops any server a failed run left in stateDir: it lives in
// the test's network namespace, where nothing else could reach it.
func stopPostmasters(t *testing.T, stateDir string) {
	pidFiles, _ := filepath.Glob(filepath.Join(stateDir, "pg*", "data", "postmaster.pid"))
	for _, f := range pidFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGQUIT); err != nil && !errors.Is(err, syscall.ESRCH) {
			t.Logf("stop postmaster %d: %v", pid, err)
		}
	}
}
