package web_test

import (
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/db"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/web"
)

// replicaFixture is a server whose reads go to a real streaming replica of
// its database, its Reader on a clock the test can move forward.
type replicaFixture struct {
	*fixture
	rp     *dbtest.Replica
	reads  *db.Reader
	skew   atomic.Int64
	client *http.Client // signed in as admin, for pages
}

func setupReplica(t *testing.T) *replicaFixture {
	t.Helper()
	rp := dbtest.NewReplica(t)
	rf := &replicaFixture{rp: rp}
	now := func() time.Time { return time.Now().Add(time.Duration(rf.skew.Load())) }
	svc := app.New(rp.Primary)
	onReplica := app.New(rp.Replica)
	svc.Replica = &onReplica
	svc.Reads = db.NewReader(rp.Primary, rp.Replica, db.ReaderOptions{StaleAfter: 30 * time.Second, FallbackAfter: 5 * time.Minute, Now: now})
	rf.reads = svc.Reads
	log := slog.New(slog.NewTextHandler(io.MultiWriter(testLogWriter(), io.Discard), nil))
	srv := web.New(svc, log, web.Options{MaxBodyBytes: 1 << 20, MaxBatch: 1000}, nil)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	f := &fixture{t: t, url: hs.URL, pool: rp.Primary, tokens: tokens.New(rp.Primary), logs: &syncBuffer{}, server: srv.Handler()}
	f.admin = f.token(ss.RoleAdmin)
	f.ingest = f.token(ss.RoleIngest)
	f.mustStatus(http.StatusCreated, "PUT", "/api/v1/stores/S1", f.admin, storeJSON("Europe/London"))
	f.mustStatus(http.StatusOK, "PUT", "/api/v1/stores/S1/zones", f.admin, zonesJSON(zone("Z1", "cosmetics", 12.5, 0, 0, 5, 4)))
	rf.fixture = f
	rf.client = &http.Client{Jar: &cookieJar{}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := rf.client.PostForm(f.url+"/login", url.Values{"token": {f.admin}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d, want 303", res.StatusCode)
	}
	return rf
}

// ingest posts n events at S1 an hour ago and refreshes the rollups on the
// primary, returning the time before the first write.
func (rf *replicaFixture) ingest(n int) time.Time {
	rf.t.Helper()
	start := time.Now()
	var evs []map[string]any
	for range n {
		evs = append(evs, event("S1", "Z1", start.Add(-time.Hour)))
	}
	rf.mustStatus(http.StatusOK, "POST", "/api/v1/events", rf.fixture.ingest, batch(evs...))
	if _, err := kpi.NewRollups(rf.pool).Refresh(context.Background()); err != nil {
		rf.t.Fatal(err)
	}
	return start
}

// caughtUp waits for the replica to replay everything so far, then probes.
func (rf *replicaFixture) caughtUp() {
	rf.t.Helper()
	rf.rp.WaitReplayed(rf.t)
	if err := rf.reads.Probe(context.Background()); err != nil {
		rf.t.Fatalf("probe: %v", err)
	}
}

func (rf *replicaFixture) probe() {
	rf.t.Helper()
	_ = rf.reads.Probe(context.Background()) // a stopped replica fails it: that is the point
}

// kpis returns S1's events over the last two days and the answer's as_of.
func (rf *replicaFixture) kpis() (events float64, asOf time.Time, r response) {
	rf.t.Helper()
	r = rf.mustStatus(http.StatusOK, "GET", rf.kpiPath(""), rf.admin, nil)
	rows, _ := r.Body["rows"].([]any)
	if len(rows) != 1 {
		rf.t.Fatalf("KPI rows %s, want S1's", r.Raw)
	}
	stamp, _ := r.Body["as_of"].(string)
	asOf, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		rf.t.Fatalf("as_of %q: %v", stamp, err)
	}
	if h := r.Header.Get("Data-As-Of"); h != stamp {
		rf.t.Errorf("Data-As-Of %q, as_of %q: want the same", h, stamp)
	}
	return rows[0].(map[string]any)["events"].(float64), asOf, r
}

func (rf *replicaFixture) kpiPath(format string) string {
	london, _ := time.LoadLocation("Europe/London")
	today := time.Now().In(london)
	p := "/api/v1/kpis?store=S1&from=" + today.AddDate(0, 0, -1).Format(time.DateOnly) + "&to=" + today.Format(time.DateOnly)
	if format != "" {
		p += "&format=" + format
	}
	return p
}

func (rf *replicaFixture) page(path string) string {
	rf.t.Helper()
	req, _ := http.NewRequest("GET", rf.url+path, nil)
	req.Header.Set("Accept", "text/html")
	res, err := rf.client.Do(req)
	if err != nil {
		rf.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		rf.t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return string(b)
}

var fallbackLine = regexp.MustCompile(`(?m)^shrinkscope_read_replica_fallbacks_total\{reason="(\w+)"\} (\d+)$`)

// fallbacks reads the fallback counter from /metrics, by reason.
func (rf *replicaFixture) fallbacks() map[string]int {
	rf.t.Helper()
	r := rf.mustStatus(http.StatusOK, "GET", "/metrics", rf.admin, nil)
	out := map[string]int{}
	for _, m := range fallbackLine.FindAllStringSubmatch(string(r.Raw), -1) {
		out[m[1]], _ = strconv.Atoi(m[2])
	}
	if len(out) != 3 {
		rf.t.Fatalf("/metrics shows fallbacks %v, want all three reasons", out)
	}
	return out
}

// TestReplicaReadsAfterIngest: reads come from the replica once it has
// replayed the ingest, each saying as_of; a paused replica answers with
// what it has, as of before the unreplayed ingest, pages say "data as of"
// once that is past the stale bound, and past the fallback bound the
// primary answers, counted.
func TestReplicaReadsAfterIngest(t *testing.T) {
	rf := setupReplica(t)
	first := rf.ingest(3)
	rf.caughtUp()
	events, asOf, _ := rf.kpis()
	if events != 3 || asOf.Before(first) || asOf.After(time.Now()) {
		t.Fatalf("after replay: %v events as of %s, want 3 as of after the ingest began (%s)", events, asOf, first)
	}
	// The CSV says it too, beside the currency.
	recs := rf.csvRecords(rf.kpiPath("csv"))
	col := slices.Index(recs[0], "as_of")
	if col < 0 || len(recs) != 2 || recs[1][col] != asOf.UTC().Format(time.RFC3339) {
		t.Errorf("KPI CSV as_of column %d in %v, want %s", col, recs, asOf.UTC().Format(time.RFC3339))
	}
	if body := rf.page("/stores/S1"); strings.Contains(body, "data as of") {
		t.Error("the store page says \"data as of\" with the replica current")
	}

	rf.rp.Pause(t)
	second := rf.ingest(2)
	rf.probe()
	events, asOf, _ = rf.kpis()
	if events != 3 || !asOf.Before(second) {
		t.Errorf("paused: %v events as of %s, want the replica's 3 as of before the second ingest (%s)", events, asOf, second)
	}
	if body := rf.page("/stores/S1"); strings.Contains(body, "data as of") {
		t.Error("the store page says \"data as of\" with the replica seconds behind (bound 30 s)")
	}
	rf.skew.Store(int64(2 * time.Minute))
	want := "data as of " + asOf.UTC().Format("2006-01-02 15:04:05 UTC")
	for _, path := range []string{"/stores/S1", "/"} {
		if body := rf.page(path); !strings.Contains(body, want) {
			t.Errorf("%s two minutes behind: lacks %q", path, want)
		}
	}
	before := rf.fallbacks()
	rf.skew.Store(int64(10 * time.Minute))
	if events, _, _ = rf.kpis(); events != 5 {
		t.Errorf("ten minutes behind: %v events, want the primary's 5", events)
	}
	if after := rf.fallbacks(); after["lagging"] != before["lagging"]+1 || after["unreachable"] != before["unreachable"] {
		t.Errorf("fallbacks %v after %v, want one more lagging", after, before)
	}

	rf.skew.Store(0)
	rf.rp.Resume(t)
	rf.caughtUp()
	if events, asOf, _ = rf.kpis(); events != 5 || asOf.Before(second) {
		t.Errorf("resumed: %v events as of %s, want 5 as of after the second ingest", events, asOf)
	}
}

// TestReplicaStoppedReadsFromPrimary: a stopped replica costs no error:
// the read that finds it gone is answered by the primary, so are the next
// ones, each counted, until it is back.
func TestReplicaStoppedReadsFromPrimary(t *testing.T) {
	rf := setupReplica(t)
	rf.ingest(1)
	rf.caughtUp()
	base := rf.fallbacks()
	rf.rp.Stop(t)
	rf.ingest(1) // only the primary has it
	for i := range 2 {
		if events, _, _ := rf.kpis(); events != 2 {
			t.Errorf("read %d with the replica stopped: %v events, want the primary's 2", i+1, events)
		}
	}
	if body := rf.page("/stores/S1"); strings.Contains(body, "data as of") {
		t.Error("a page read from the primary says \"data as of\"")
	}
	if got := rf.fallbacks(); got["unreachable"] != base["unreachable"]+3 {
		t.Errorf("fallbacks %v after %v, want 3 more unreachable (two reads and a page)", got, base)
	}
	rf.rp.Start(t)
	rf.caughtUp()
	base = rf.fallbacks()
	if events, _, _ := rf.kpis(); events != 2 {
		t.Errorf("replica back: %v events, want 2", events)
	}
	if got := rf.fallbacks(); got["unreachable"] != base["unreachable"] || got["lagging"] != base["lagging"] {
		t.Errorf("fallbacks %v after %v with the replica back, want none more", got, base)
	}
}

func (rf *replicaFixture) csvRecords(path string) [][]string {
	rf.t.Helper()
	r := rf.mustStatus(http.StatusOK, "GET", path, rf.admin, nil)
	recs, err := csv.NewReader(strings.NewReader(string(r.Raw))).ReadAll()
	if err != nil || len(recs) == 0 {
		rf.t.Fatalf("CSV %s: %v", r.Raw, err)
	}
	return recs
}
