package main

import (
	"encoding/json"
	"testing"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
)

// Every job of the loop is scheduled under its name, and each of the jobs
// that call layout and workforce runs on a fresh database.
func TestJobTableRunsEveryPackagesJobs(t *testing.T) {
	t.Parallel()
	_, url := dbtest.NewWithURL(t)
	vars := map[string]string{"DATABASE_URL": url}
	out, _, err := sh(t, vars, "jobs", "list")
	if err != nil {
		t.Fatal(err)
	}
	var jobs []struct {
		Name     string `json:"name"`
		Schedule string `json:"schedule"`
	}
	if err := json.Unmarshal([]byte(out), &jobs); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	got := map[string]string{}
	for _, j := range jobs {
		got[j.Name] = j.Schedule
	}
	for _, name := range []string{"rollups", "reports", "staffing-plans", "recommendations", "evaluations", "segments", "retention"} {
		if got[name] == "" {
			t.Errorf("job %q is not scheduled (jobs: %v)", name, got)
		}
	}
	for _, name := range []string{"staffing-plans", "recommendations", "evaluations"} {
		out, _, err := sh(t, vars, "jobs", "run", name)
		var run struct {
			Status string `json:"status"`
		}
		if err != nil || json.Unmarshal([]byte(out), &run) != nil || run.Status != "ok" {
			t.Errorf("jobs run %s: %v %s", name, err, out)
		}
	}
}
