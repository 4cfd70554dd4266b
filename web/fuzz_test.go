package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The fuzz targets post arbitrary bodies to each ingest decoder of a server
// on a real database, called in-process so a panic fails the target. No
// body may get a 5xx. Seeds are a valid batch and the inputs that once
// answered 500 or were accepted silently. `make fuzz` runs each for a minute.

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
		`{"name":"x","timezone":"Europe/London","opening_hours":{"mon":[["24:00","08:00"]]},"operating_model":"soc"}`)
}

func FuzzZones(f *testing.F) {
	bow := zone("Z7", "toys", 5, 0, 0, 2, 2)
	bow["geometry"] = map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{0, 0}, {4, 3}, {4, 0}, {0, 3}, {0, 0}}}}
	nul := zone("Z8", "to\x00ys", 5, 0, 0, 2, 2)
	fuzzIngest(f, "/api/v1/stores/S1/zones", zonesJSON(zone("Z1", "cosmetics", 12.5, 0, 0, 5, 4)), zonesJSON(bow), zonesJSON(nul),
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1]]]},"properties":{}}]}`)
}
