package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/reports"
	"github.com/shrinkscope/shrinkscope/web"
)

// TestPermissionMatrix sends every route of the table a request without a
// token, and with a token of every role: one for every store, and one
// limited to S1 naming S1 and then S2 where the route names its store. Each
// answer must be the one the line's roles and scope promise (promise).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	m := matrixFixture(t)
	tokens := map[ss.Role][2]string{} // every store, S1 only
	for _, role := range ss.Roles {
		tokens[role] = [2]string{m.f.token(role), m.f.token(role, "S1")}
	}
	seen := map[string]bool{}
	for _, rs := range web.RouteScopes() {
		key := rs.Method + " " + rs.Path
		seen[key] = true
		x := m.probes[key]
		ask := func(token, store string, want int) {
			t.Helper()
			if x.before != nil {
				x.before()
			}
			path, body, ctype := m.request(t, rs, x, store)
			send := m.send
			if x.stream {
				send = m.sendHead
			}
			got, raw := send(t, rs.Method, path, token, ctype, body)
			switch {
			case want == 0 && (got == 401 || got == 403 || got == 404 || got >= 500):
				t.Errorf("%s naming %s: %d, want an answer (roles %v, scope %s %s %s): %.200s", key, store, got, rs.Roles, rs.Kind, rs.Where, rs.Field, raw)
			case want != 0 && got != want:
				t.Errorf("%s naming %s: %d, want %d (roles %v, scope %s %s %s): %.200s", key, store, got, want, rs.Roles, rs.Kind, rs.Where, rs.Field, raw)
			}
		}
		ask("", "S1", promise(rs, "", false, "S1"))
		for _, role := range ss.Roles {
			ask(tokens[role][0], "S1", promise(rs, role, false, "S1"))
			ask(tokens[role][1], "S1", promise(rs, role, true, "S1"))
			ask(tokens[role][1], "S2", promise(rs, role, true, "S2"))
		}
	}
	for key := range m.probes {
		if !seen[key] {
			t.Errorf("probe for %s, which is not in the route table", key)
		}
	}
	// The estate's report reads as missing to a token limited to stores.
	if got, _ := m.send(t, "GET", "/api/v1/reports/"+strconv.FormatInt(m.estateReport, 10), tokens[ss.RoleOps][1], "", nil); got != 404 {
		t.Errorf("the estate's report with an S1 token: %d, want 404", got)
	}
}

// promise is the status a request gets by the route table, 0 for "an
// answer": neither 401, 403, 404 nor a 5xx. role "" is no token; limited
// is a token for S1 alone, which names store.
func promise(rs web.RouteScope, role ss.Role, limited bool, store string) int {
	switch {
	case rs.Roles == nil:
		return 0
	case role == "":
		return 401
	case !slices.Contains(rs.Roles, role):
		return 403
	case !limited:
		return 0
	}
	outside := store != "S1"
	switch rs.Kind {
	case "estate":
		return 403
	case "read":
		if outside {
			return 404
		}
	case "list":
		if outside && rs.Where != "" {
			return 404
		}
	case "write":
		if outside && rs.Where == "id" {
			return 404 // a 403 would confirm that the id exists
		}
		if outside {
			return 403
		}
	case "batch":
		if outside && rs.Field == "event" {
			return 422 // another store's event reads as unknown
		}
		if outside {
			return 403
		}
	}
	return 0
}

// probe is what a request to one route needs besides the store the table
// says it names: more query parameters, a JSON body or form fields, the
// :id of a store's resource, and a step before each request.
type probe struct {
	query   string
	json    func(store string) map[string]any
	form    url.Values
	id      func(store string) int64
	before  func()
	stream  bool                      // the answer never ends: judge it by its status
	uuid    func(store string) string // the :id, where it is a UUID
	raw     []byte                    // a body that is not JSON, of content type rawType
	rawType string
}

type matrix struct {
	f            *fixture
	week         string
	probes       map[string]probe
	estateReport int64
}

// request builds the route's request naming store where the table says:
// the :code path parameter, a query parameter, a body or form field, or
// the :id of the store's resource; an ingest batch's items name it.
func (m *matrix) request(t *testing.T, rs web.RouteScope, x probe, store string) (string, []byte, string) {
	segs := strings.Split(rs.Path, "/")
	for i, s := range segs {
		switch s {
		case ":code":
			segs[i] = store
		case ":id":
			if x.uuid != nil {
				segs[i] = x.uuid(store)
				continue
			}
			if x.id == nil {
				t.Fatalf("%s %s: no probe gives its :id", rs.Method, rs.Path)
			}
			segs[i] = strconv.FormatInt(x.id(store), 10)
		case ":week":
			segs[i] = m.week
		case ":name":
			segs[i] = "noop"
		case ":decision":
			segs[i] = "reject"
		case ":lane":
			segs[i] = "L1"
		case "*":
			segs[i] = "style.css"
		}
	}
	path := strings.Join(segs, "/")
	q, _ := url.ParseQuery(x.query)
	if rs.Where == "query" {
		q.Set(rs.Field, store)
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	if x.form != nil || rs.Where == "form" {
		form := url.Values{}
		for k, v := range x.form {
			form[k] = v
		}
		if rs.Where == "form" {
			form.Set(rs.Field, store)
		}
		return path, []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	if x.raw != nil {
		return path, x.raw, x.rawType
	}
	if x.json == nil && rs.Where != "body" {
		return path, nil, ""
	}
	body := map[string]any{}
	if x.json != nil {
		body = x.json(store)
	}
	if rs.Where == "body" {
		body[rs.Field] = store
	}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return path, raw, "application/json"
}

// noRedirects answers a redirect with itself: a form's 303 is its answer.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (m *matrix) send(t *testing.T, method, path, token, ctype string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, m.f.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := noRedirects.Do(req)
	if err != nil { // the server dropped the connection: it panicked
		t.Errorf("%s %s: %v", method, path, err)
		return 599, nil
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

// sendHead is send for a stream: the status, and the body's first bytes
// when it is an error.
func (m *matrix) sendHead(t *testing.T, method, path, token, ctype string, body []byte) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, m.f.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return 599, nil
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusOK {
		return res.StatusCode, nil
	}
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

// matrixFixture is setup's S1 and S2 with a resource of each kind that a
// route names by id in each store (a layout change, two recommendations, a
// report, an event), a staffing plan each, two webhooks, and a job, noop.
func matrixFixture(t *testing.T) *matrix {
	pool := dbtest.New(t)
	sch, err := reports.New(pool, []reports.Job{{Name: "noop", Schedule: "0 4 * * *",
		Run: func(context.Context) (int, error) { return 0, nil }}}, reports.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := setupWith(t, pool, web.Options{Jobs: sch})
	ctx := context.Background()
	// Each store gets a till, lane L1, so that its lane reads as an answer.
	matrixZones := zonesJSON(zone("Z1", "cosmetics", 12.5, 0, 0, 5, 4), zone("Z2", "spirits", 30, 5, 0, 10, 4), till("K1", "L1", 0, 5, 2, 7))
	for _, code := range []string{"S1", "S2"} {
		f.mustStatus(200, "PUT", "/api/v1/stores/"+code+"/zones", f.admin, matrixZones)
	}
	now := time.Now().UTC()
	yesterday := now.AddDate(0, 0, -1).Format(time.DateOnly)
	week := reports.LastWeek(now)
	m := &matrix{f: f, week: week.Format(time.DateOnly)}
	id := func(r response) int64 { return int64(r.Body["id"].(float64)) }
	changes, recs, pageRecs, reps, events := map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]string{}
	at := now.Add(-time.Hour)
	var rid int64
	for _, code := range []string{"S1", "S2"} {
		changes[code] = id(f.mustStatus(201, "POST", "/api/v1/stores/"+code+"/layout-changes", f.admin,
			map[string]any{"zones": []string{"Z1"}, "implemented_at": yesterday, "kind": layout.KindSightlines}))
		for _, r := range []struct {
			into map[string]int64
			kind string
		}{{recs, layout.KindProtective}, {pageRecs, layout.KindRelocate}} {
			if err := pool.QueryRow(ctx, `INSERT INTO recommendations (store_id, kind, zones, rationale, expected_rr, expected_low, expected_high, based_on)
SELECT id, $2, '{Z1}', 'matrix', 0.9, 0.8, 1.0, 0 FROM stores WHERE code = $1 RETURNING id`, code, r.kind).Scan(&rid); err != nil {
				t.Fatal(err)
			}
			r.into[code] = rid
		}
		f.mustStatus(201, "POST", "/api/v1/stores/"+code+"/staffing-plans?week="+m.week, f.admin, nil)
		ev := event(code, "Z1", now.Add(-time.Minute)) // live: it opens an alert
		f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(ev))
		events[code] = ev["id"].(string)
	}
	if _, err := app.New(pool).Reports.WriteWeek(ctx, week); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"S1", "S2", ""} {
		if err := pool.QueryRow(ctx, `SELECT r.id FROM report_snapshots r LEFT JOIN stores s ON s.id = r.store_id
WHERE s.code IS NOT DISTINCT FROM NULLIF($1, '')`, code).Scan(&rid); err != nil {
			t.Fatalf("report of %q: %v", code, err)
		}
		reps[code] = rid
	}
	m.estateReport = reps[""]
	alertIDs := map[string]int64{}
	for _, code := range []string{"S1", "S2"} {
		if err := pool.QueryRow(ctx, `SELECT a.id FROM alerts a JOIN stores s ON s.id = a.store_id WHERE s.code = $1 AND a.event_id = $2`,
			code, events[code]).Scan(&rid); err != nil {
			t.Fatalf("alert of %s: %v", code, err)
		}
		alertIDs[code] = rid
		// A clip for each, so that reading one is an answer, not a 404.
		if r := f.doType("PUT", "/api/v1/events/"+events[code]+"/evidence", f.ingest, "video/mp4", matrixClip); r.Status != 204 {
			t.Fatalf("clip of %s: %d %s", code, r.Status, r.Raw)
		}
	}
	hook := func() int64 {
		return id(f.mustStatus(201, "POST", "/api/v1/webhooks", f.admin, webhookJSON()))
	}
	deleted, listed := hook(), hook()
	of := func(ids map[string]int64) func(string) int64 { return func(code string) int64 { return ids[code] } }
	fixed := func(id int64) func(string) int64 { return func(string) int64 { return id } }
	static := func(body map[string]any) func(string) map[string]any {
		return func(string) map[string]any { return body }
	}
	m.probes = map[string]probe{
		"PUT /api/v1/stores/:code":                  {json: static(storeJSON("Europe/London"))},
		"PUT /api/v1/stores/:code/zones":            {json: static(matrixZones)},
		"POST /api/v1/stores/:code/layout-changes":  {json: static(map[string]any{"zones": []string{"Z1"}, "implemented_at": yesterday, "kind": layout.KindSightlines})},
		"GET /api/v1/layout-changes/:id/evaluation": {id: of(changes)},
		"POST /api/v1/recommendations/:id/accept":   {id: of(recs)},
		"POST /api/v1/recommendations/:id/reject":   {id: of(recs), json: static(map[string]any{"reason": "matrix"})},
		"PUT /api/v1/targets":                       {json: static(map[string]any{"kpi": "rate_per_1k", "op": "<=", "value": 1.0})},
		"PUT /api/v1/stores/:code/staffing-policy": {json: static(map[string]any{"incidents_per_staffer": 2, "min_staff": 1, "max_staff": 4,
			"shift_rules": map[string]int{"min_hours": 4, "max_hours": 8}, "hourly_cost": 15, "handle_seconds": 120, "service_level": 0.8, "answer_seconds": 60})},
		"POST /api/v1/stores/:code/staffing-plans":                {query: "week=" + m.week},
		"POST /api/v1/staffing/solve":                             {json: static(map[string]any{})},
		"POST /api/v1/staffing/erlang":                            {json: static(map[string]any{"alerts_per_hour": 3, "handle_seconds": 120, "service_level": 0.8, "answer_seconds": 60})},
		"GET /api/v1/soc-staffing":                                {query: "week=" + m.week},
		"GET /api/v1/reports/:id":                                 {id: of(reps)},
		"POST /api/v1/webhooks":                                   {json: static(webhookJSON())},
		"DELETE /api/v1/webhooks/:id":                             {id: fixed(deleted)},
		"GET /api/v1/webhooks/:id/deliveries":                     {id: fixed(listed)},
		"POST /login":                                             {form: url.Values{"token": {f.admin}}},
		"GET /api/v1/alerts/stream":                               {stream: true},
		"PUT /api/v1/events/:id/evidence":                         {uuid: func(code string) string { return events[code] }, raw: matrixClip, rawType: "video/mp4"},
		"GET /api/v1/alerts/:id/evidence":                         {id: of(alertIDs)},
		"GET /api/v1/alerts/:id/evidence/views":                   {id: of(alertIDs)},
		"POST /api/v1/alerts/:id/claim":                           {id: of(alertIDs)},
		"POST /api/v1/alerts/:id/release":                         {id: of(alertIDs)},
		"POST /api/v1/alerts/:id/close":                           {id: of(alertIDs), json: static(map[string]any{"outcome": "false_positive"})},
		"PUT /api/v1/stores/:code/alert-settings":                 {json: static(map[string]any{"claim_seconds": 60, "expire_minutes": 30})},
		"POST /stores/:code/targets":                              {form: url.Values{"kpi": {"rate_per_1k"}, "op": {"<="}, "value": {"1"}}},
		"GET /staffing":                                           {query: "week=" + m.week},
		"POST /staffing/plan":                                     {form: url.Values{"week": {m.week}}},
		"POST /stores/:code/layout/recommendations/:id/:decision": {id: of(pageRecs), form: url.Values{"reason": {"matrix"}}},
		"POST /stores/:code/layout/recommendations/:id/implement": {id: of(pageRecs), form: url.Values{"implemented_at": {yesterday}}},
		// Each allowed DELETE clears a live target: set one first.
		"DELETE /api/v1/targets": {query: "kpi=rate_per_1k", before: func() {
			f.mustStatus(200, "PUT", "/api/v1/targets", f.admin, map[string]any{"store": "S1", "kpi": "rate_per_1k", "op": "<=", "value": 1.0})
		}},
		"POST /api/v1/events": {json: func(code string) map[string]any { return batch(event(code, "Z1", at)) }},
		"POST /api/v1/outcomes": {json: func(code string) map[string]any {
			return map[string]any{"outcomes": []any{map[string]any{"event": events[code], "outcome": "unresolved", "at": rfc(now)}}}
		}},
		"POST /api/v1/checkout/presence": {json: func(code string) map[string]any {
			return map[string]any{"presence": []any{map[string]any{"store": code, "lane": "L1", "track": "t-matrix", "at": rfc(now)}}}
		}},
		// An answer to the point of sale: 422, as the track has nothing open.
		"POST /api/v1/checkout/outcomes": {json: func(code string) map[string]any {
			return map[string]any{"outcomes": []any{map[string]any{"store": code, "lane": "L1", "track": "t-none", "outcome": "paid"}}}
		}},
		"PUT /api/v1/stores/:code/checkout-policy": {json: static(map[string]any{"visit_minutes": 30})},
		"POST /api/v1/footfall": {json: func(code string) map[string]any {
			hour := at.Truncate(time.Hour)
			if code == "S2" { // Asia/Kolkata: local hours start at half past
				hour = hour.Add(30 * time.Minute)
			}
			return map[string]any{"footfall": []any{map[string]any{"store": code, "hour": rfc(hour), "visitors": 3}}}
		}},
		"POST /api/v1/sales": {json: func(code string) map[string]any {
			return map[string]any{"sales": []any{map[string]any{"store": code, "day": yesterday, "amount": 10.0}}}
		}},
	}
	return m
}

// matrixClip is the start of an MP4 file: a box of type ftyp.
var matrixClip = append([]byte{0, 0, 0, 24, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0}, []byte("isomiso2avc1mp41")...)

func webhookJSON() map[string]any {
	return map[string]any{"url": "https://hooks.example.com/shrink", "events": []string{reports.EventReportCreated},
		"secret": fmt.Sprintf("%032d", 7)}
}
