package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
)

// --findings-fdr-scope reaches the findings job (the week it judges records
// the scope), from the environment or the flag; a bad value stops the
// command naming its source.
func TestFindingsFDRScopeReachesTheJob(t *testing.T) {
	t.Parallel()
	pool, url := dbtest.NewWithURL(t)
	ctx := context.Background()
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, nil, "estate"},
		{map[string]string{"SHRINKSCOPE_FINDINGS_FDR_SCOPE": "store"}, nil, "store"},
		{map[string]string{"SHRINKSCOPE_FINDINGS_FDR_SCOPE": "store"}, []string{"--findings-fdr-scope", "estate"}, "estate"},
	} {
		vars := map[string]string{"DATABASE_URL": url}
		for k, v := range c.env {
			vars[k] = v
		}
		out, _, err := sh(t, vars, append([]string{"jobs", "run", "findings"}, c.args...)...)
		var run struct {
			Status string `json:"status"`
		}
		if err != nil || json.Unmarshal([]byte(out), &run) != nil || run.Status != "ok" {
			t.Fatalf("jobs run findings %v %v: %v %s", c.env, c.args, err, out)
		}
		var scope string
		if err := pool.QueryRow(ctx, `SELECT fdr_scope FROM findings_weeks ORDER BY created_at DESC LIMIT 1`).Scan(&scope); err != nil || scope != c.want {
			t.Errorf("%v %v: the judged week's scope %q (%v), want %q", c.env, c.args, scope, err, c.want)
		}
	}
	for _, bad := range []struct {
		env  map[string]string
		args []string
		name string
	}{
		{map[string]string{"SHRINKSCOPE_FINDINGS_FDR_SCOPE": "region"}, nil, "SHRINKSCOPE_FINDINGS_FDR_SCOPE"},
		{nil, []string{"--findings-fdr-scope", "Store"}, "findings-fdr-scope"},
	} {
		vars := map[string]string{"DATABASE_URL": url}
		for k, v := range bad.env {
			vars[k] = v
		}
		_, _, err := sh(t, vars, append([]string{"jobs", "run", "findings"}, bad.args...)...)
		if err == nil || !strings.Contains(err.Error(), bad.name) || !strings.Contains(err.Error(), "estate or store") {
			t.Errorf("%v %v: %v, want an error naming %s and the choices", bad.env, bad.args, err, bad.name)
		}
	}
}
