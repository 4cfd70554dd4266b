package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The fuzz targets post arbitrary bodies to each ingest decoder, and to the
// webhook registration, of a server on a real database, called in-process
// so a panic fails the target. No body may get a 5xx. Seeds are a valid
// body and the inputs that once answered 500 or were accepted silently.
// `make fuzz` runs each for a minute.

func fuzzIngest(f *testing.F, path string, seeds ...any) {
	fx := setup(f)
	for _, s := range seeds {
		switch b := s.(type) {
		case string:
			f.Add([]byte(b))
		default:
			raw, err := json.Marshal(b)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	token := fx.ingest
	if path == "/api/v1/stores/S9" || path == "/api/v1/stores/S1/zones" {
		token = fx.admin
	}
	method := http.MethodPost
	if path == "/api/v1/stores/S9" || path == "/api/v1/stores/S1/zones" {
		method = http.MethodPut
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		fx.server.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body.Bytes())
		}
	})
}

func FuzzEvents(f *testing.F) {
	at := time.Now().Add(-time.Hour)
	e := event("S1", "Z1", at)
	nul := event("S1", "Z2", at)
	nul["camera"] = "C\x001"
	fuzzIngest(f, "/api/v1/events", batch(e), batch(e, e), batch(nul),
		`{"events":[{"id":"not-a-uuid","store":"S1","zone":"Z1","occurred_at":"0001-01-01T00:00:00Z","score":2}]}`,
		`{"events":[{"id":"`+e["id"].(string)+`","store":"S1","zone":"Z1","occurred_at":"`+at.Add(time.Minute).Format(time.RFC3339)+`","score":0.5}]}`,
		`{"events":[]}`, `{"events":[{}]}`, `[`, ``)
}

func FuzzOutcomes(f *testing.F) {
	at := time.Now().Add(-time.Hour).Format(time.RFC3339)
	fuzzIngest(f, "/api/v1/outcomes",
		`{"outcomes":[{"event":"0190b0b0-0000-7000-8000-000000000001","outcome":"paid","at":"`+at+`"}]}`,
		`{"outcomes":[{"event":"0190b0b0-0000-7000-8000-000000000001","outcome":"walked_out","at":"`+at+`","value_recovered":3}]}`,
		`{"outcomes":[{"event":"\u0000","outcome":"paid\u0000","at":"0001-01-01T00:00:00Z","responded_at":"x"}]}`,
		`{"outcomes":[{}]}`, `{"outcomes":null}`)
}

func FuzzFootfall(f *testing.F) {
	hour := time.Now().Add(-time.Hour).Truncate(time.Hour).Format(time.RFC3339)
	fuzzIngest(f, "/api/v1/footfall",
		`{"footfall":[{"store":"S1","hour":"`+hour+`","visitors":12}]}`,
		`{"footfall":[{"store":"S1","zone":"Z1","hour":"`+hour+`","visitors":3},{"store":"S2","hour":"`+hour+`","visitors":1}]}`,
		`{"footfall":[{"store":"S\u00001","zone":"Z\u0000","hour":"0001-01-01T00:00:00Z","visitors":-1}]}`,
		`{"footfall":[{"store":"S1","hour":"`+hour+`","visitors":1e30}]}`)
}

func FuzzSales(f *testing.F) {
	day := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	fuzzIngest(f, "/api/v1/sales",
		`{"sales":[{"store":"S1","day":"`+day+`","amount":1234.56}]}`,
		`{"sales":[{"store":"S1","day":"0001-01-01","amount":1},{"store":"S1","day":"`+day+`","amount":-1}]}`,
		`{"sales":[{"store":"S\u0000","day":"\u0000","amount":1e400}]}`)
}

func FuzzStore(f *testing.F) {
	odd := storeJSON("posixrules")
	odd["opening_hours"] = map[string]any{"mon": [][]string{{"08:00", "12:00", "22:00"}}}
	nul := storeJSON("Factory")
	nul["name"] = "a\x00b"
	fuzzIngest(f, "/api/v1/stores/S9", storeJSON("Europe/London"), odd, nul,
		`{"name":"x","timezone":"Europe/London","opening_hours":{"mon":[["24:00","08:00"]]},"operating_model":"soc","currency":"GBP"}`)
}

func FuzzZones(f *testing.F) {
	bow := zone("Z7", "toys", 5, 0, 0, 2, 2)
	bow["geometry"] = map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{0, 0}, {4, 3}, {4, 0}, {0, 3}, {0, 0}}}}
	nul := zone("Z8", "to\x00ys", 5, 0, 0, 2, 2)
	fuzzIngest(f, "/api/v1/stores/S1/zones", zonesJSON(zone("Z1", "cosmetics", 12.5, 0, 0, 5, 4)), zonesJSON(bow), zonesJSON(nul),
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1]]]},"properties":{}}]}`)
}

// FuzzWebhooks posts webhook registrations. Beyond "no 5xx", a webhook it
// stores must name an address the network rules allow, in lower case: the
// refused ranges are the dial-time guard's too, so here an IP literal of
// one would be a registration the guard alone stops.
func FuzzWebhooks(f *testing.F) {
	const secret = "0123456789abcdef-secret"
	ok := map[string]any{"url": "https://hooks.example.com/shrinkscope", "events": []string{"report.created", "job.failed"}, "secret": secret}
	for _, s := range []any{ok,
		`{"url":"HTTP://Hooks.Example.COM/x","events":["job.failed"],"secret":"` + secret + `"}`,
		`{"url":"http://127.0.0.1:5432/","events":["job.failed"],"secret":"` + secret + `"}`,
		`{"url":"http://[::ffff:127.0.0.1]/","events":["job.failed"],"secret":"` + secret + `"}`,
		`{"url":"http://2130706433/","events":["job.failed"],"secret":"` + secret + `"}`,
		`{"url":"http://localhost./","events":["job.failed"],"secret":"` + secret + `"}`,
		`{"url":"https://hooks.example.com/","events":["job.failed"],"secret":"0123456789abcdef\u0000"}`,
		`{"url":"https://hooks.example.com/\u0000","events":["job.failed"],"secret":"` + secret + `"}`,
		`{"url":"https://h\u00e9.example.com/","events":["job.failed"],"secret":"` + secret + `"}`,
		`{"url":"http://[fe80::1%25eth0]/","events":["job.failed"],"secret":"` + secret + `"}`,
		`{"url":"http:///x","events":["job.failed"],"secret":"` + secret + `"}`,
		`{"url":"https://hooks.example.com/","events":"job.failed","secret":"` + secret + `"}`,
		`{"url":7,"events":[null],"secret":{}}`, `{}`, `[`, ``,
	} {
		switch b := s.(type) {
		case string:
			f.Add([]byte(b))
		default:
			raw, err := json.Marshal(b)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	fx := setup(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/webhooks", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+fx.admin)
		rec := httptest.NewRecorder()
		fx.server.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body.Bytes())
		}
		if rec.Code != http.StatusCreated {
			return
		}
		var w struct{ URL string }
		if err := json.Unmarshal(rec.Body.Bytes(), &w); err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host != strings.ToLower(u.Host) {
			t.Fatalf("stored %q for body %q", w.URL, body)
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
			if ip = ip.Unmap(); ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast() {
				t.Fatalf("stored %q, an address the network rules refuse, for body %q", w.URL, body)
			}
		}
	})
}

// FuzzStaffingSolve posts staffing what-ifs. Beyond "no 5xx": every answer
// comes within the solve's bounds of time (a body past a bound is refused
// with 422, not solved slowly), and an answered plan's shifts add up to
// its paid hours, inside its budget when it has one.
func FuzzStaffingSolve(f *testing.F) {
	budget := whatIf()
	budget["budget_hours"] = 3
	night := whatIf()
	night["opening_hours"] = map[string][]string{"2026-06-01": {"22:00", "06:00"}}
	night["requirements"] = []map[string]any{{"day": "2026-06-02", "hour": 3, "required": 4}}
	for _, s := range []any{whatIf(), budget, night, monthWhatIf(),
		`{"opening_hours":{"2026-06-01":["08:00","08:00"]},"requirements":[],"shift_rules":{"min_hours":24,"max_hours":24},"budget_hours":0}`,
		`{"opening_hours":{"2026-06-01":["08:00","22:00","23:00"]},"requirements":[],"shift_rules":{"min_hours":1,"max_hours":1}}`,
		`{"opening_hours":{"x":["8","9"]},"requirements":[{"day":"2026-06-01","hour":-1,"required":1e9}],"shift_rules":{}}`,
		`{"opening_hours":null,"requirements":null,"shift_rules":null,"budget_hours":null}`, `{}`, `[`, ``,
	} {
		switch b := s.(type) {
		case string:
			f.Add([]byte(b))
		default:
			raw, err := json.Marshal(b)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	fx := setup(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/staffing/solve", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+fx.admin)
		rec := httptest.NewRecorder()
		start := time.Now()
		fx.server.ServeHTTP(rec, req)
		if took := time.Since(start); took > 30*time.Second {
			t.Fatalf("%s for body %q", took, body)
		}
		if rec.Code >= 500 {
			t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body.Bytes())
		}
		if rec.Code != http.StatusOK {
			return
		}
		var in struct {
			BudgetHours *int `json:"budget_hours"`
		}
		_ = json.Unmarshal(body, &in)
		var res struct {
			PaidHours int `json:"paid_hours"`
			Shifts    []struct {
				Start, End string
				Headcount  int
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, s := range res.Shifts {
			a, b := hourOf(t, s.Start), hourOf(t, s.End)
			if b <= a {
				b += 24
			}
			sum += (b - a) * s.Headcount
		}
		if sum != res.PaidHours || (in.BudgetHours != nil && res.PaidHours > *in.BudgetHours) {
			t.Fatalf("paid %d, shifts add up to %d, budget %v, for body %q", res.PaidHours, sum, in.BudgetHours, body)
		}
	})
}
