package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
)

// serve --read-database-url on a real streaming replica: KPIs ingested on
// the primary show once replayed, with as_of; /metrics shows the lag and
// no fallbacks; bad read settings stop serve naming the variable.
func TestServeReadsFromReplica(t *testing.T) {
	rp := dbtest.NewReplica(t)
	addr := freeAddr(t)
	vars := map[string]string{"DATABASE_URL": rp.PrimaryURL, "SHRINKSCOPE_READ_DATABASE_URL": rp.ReplicaURL, "SHRINKSCOPE_ADDR": addr,
		"SHRINKSCOPE_ROLLUP_INTERVAL": "200ms", "SHRINKSCOPE_READ_STALE_AFTER": "10s"}
	for k, v := range map[string]string{"SHRINKSCOPE_READ_STALE_AFTER": "0s", "SHRINKSCOPE_READ_FALLBACK_AFTER": "soon", "SHRINKSCOPE_READ_DATABASE_URL": "postgres://x:bad port/"} {
		bad := map[string]string{}
		for kk, vv := range vars {
			bad[kk] = vv
		}
		bad[k] = v
		if _, _, err := sh(t, bad, "serve"); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("serve with %s=%q: %v, want an error naming it", k, v, err)
		}
	}
	call := serveAsAdmin(t, vars)
	deadline := time.Now().Add(30 * time.Second)
	call("PUT", "/api/v1/stores/S1", `{"name":"s","timezone":"UTC","opening_hours":{"mon":[["08:00","20:00"]]},"profile":{"urban_density":1,"theft_index":1,"staffing_capacity":1},"operating_model":"detection","currency":"GBP"}`)
	call("PUT", "/api/v1/stores/S1/zones", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]},"properties":{"id":"Z1","name":"z","kind":"aisle","category":"c","unit_value":5}}]}`)
	var evs []string
	for range 3 {
		evs = append(evs, fmt.Sprintf(`{"id":"%s","store":"S1","zone":"Z1","occurred_at":"2026-02-03T10:30:00Z","score":0.8}`, uuid.Must(uuid.NewV7())))
	}
	if code, body := call("POST", "/api/v1/events", `{"events":[`+strings.Join(evs, ",")+`]}`); code != 200 {
		t.Fatalf("events: %d %s", code, body)
	}
	for {
		code, body := call("GET", "/api/v1/kpis?from=2026-02-03&to=2026-02-03&by=estate", "")
		if code == 200 && strings.Contains(body, `"events":3`) {
			if !strings.HasPrefix(body, `{"as_of":"`) {
				t.Errorf("KPI answer without as_of: %.200s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("KPIs never showed the events: %d %s", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, metrics := call("GET", "/metrics", "")
	m := regexp.MustCompile(`(?m)^shrinkscope_read_replica_lag_seconds (\S+)$`).FindStringSubmatch(metrics)
	if m == nil {
		t.Fatalf("/metrics lacks shrinkscope_read_replica_lag_seconds")
	}
	if lag, err := strconv.ParseFloat(m[1], 64); err != nil || lag < 0 || lag > 10 {
		t.Errorf("replica lag %s s, want between 0 and 10 (the replica is a second or so behind at most)", m[1])
	}
	for _, want := range []string{`shrinkscope_read_replica_fallbacks_total{reason="lagging"} 0`, `shrinkscope_read_replica_fallbacks_total{reason="unreachable"} 0`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
