package web_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shrinkscope/shrinkscope/kpi"
)

// currencyEstate adds S3 (Tokyo, yen) and S4 (New York, dollars) to the
// fixture's pound stores, one lost event each on 2 March 2026, and rates.
func currencyEstate(t *testing.T) *fixture {
	f := setup(t)
	for code, st := range map[string]map[string]any{"S3": storeJSON("Asia/Tokyo"), "S4": storeJSON("America/New_York")} {
		st["currency"] = map[string]string{"S3": "JPY", "S4": "USD"}[code]
		st["region"] = code
		f.mustStatus(http.StatusCreated, "PUT", "/api/v1/stores/"+code, f.admin, st)
		f.mustStatus(http.StatusOK, "PUT", "/api/v1/stores/"+code+"/zones", f.admin, zonesJSON(zone("Z1", "toys", 1000, 0, 0, 3, 3)))
	}
	lost := func(store, tz string, value float64) {
		loc, _ := time.LoadLocation(tz)
		at := time.Date(2026, 3, 2, 12, 0, 0, 0, loc)
		e := event(store, "Z1", at)
		e["est_value"] = value
		f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(e))
		f.mustStatus(http.StatusOK, "POST", "/api/v1/outcomes", f.ingest, map[string]any{"outcomes": []map[string]any{
			{"event": e["id"], "outcome": "walked_out", "at": at.Add(time.Minute).UTC().Format(time.RFC3339)}}})
	}
	lost("S1", "Europe/London", 12.5)
	lost("S3", "Asia/Tokyo", 2999)
	lost("S4", "America/New_York", 40.01)
	f.mustStatus(http.StatusOK, "PUT", "/api/v1/fx-rates", f.admin, map[string]any{"rates": []map[string]any{
		{"day": "2026-03-02", "currency": "JPY", "rate": 0.0053}, {"day": "2026-03-02", "currency": "USD", "rate": 0.79}}})
	if _, err := kpi.NewRollups(f.pool).Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestStoreCurrency(t *testing.T) {
	t.Parallel()
	f := setup(t)
	st := storeJSON("Asia/Tokyo")
	delete(st, "currency")
	if r := f.do("PUT", "/api/v1/stores/S9", f.admin, st); r.Status != 422 || r.errField() != "currency" {
		t.Errorf("new store without currency: %d %s", r.Status, r.Raw)
	}
	st["currency"] = "YEN"
	if r := f.do("PUT", "/api/v1/stores/S9", f.admin, st); r.Status != 422 || r.errField() != "currency" {
		t.Errorf("currency YEN: %d %s", r.Status, r.Raw)
	}
	st["currency"] = "JPY"
	st["segment_costs"] = map[string]any{"soc": 1500000.5}
	if r := f.do("PUT", "/api/v1/stores/S9", f.admin, st); r.Status != 422 || r.errField() != "segment_costs.soc" {
		t.Errorf("half a yen of segment cost: %d %s", r.Raw, r.Raw)
	}
	st["segment_costs"] = map[string]any{"soc": 1500000}
	f.mustStatus(http.StatusCreated, "PUT", "/api/v1/stores/S9", f.admin, st)
	if r := f.mustStatus(200, "GET", "/api/v1/stores/S9", f.admin, nil); r.Body["currency"] != "JPY" {
		t.Errorf("stored store %s", r.Raw)
	}
	// A replacement that leaves the currency out keeps it.
	delete(st, "currency")
	f.mustStatus(http.StatusOK, "PUT", "/api/v1/stores/S9", f.admin, st)
	list := f.mustStatus(200, "GET", "/api/v1/stores", f.admin, nil).Body["stores"].([]any)
	for _, s := range list {
		m := s.(map[string]any)
		if want := map[string]string{"S1": "GBP", "S2": "GBP", "S9": "JPY"}[m["code"].(string)]; m["currency"] != want {
			t.Errorf("store %s currency %v, want %s", m["code"], m["currency"], want)
		}
	}
	// Yen amounts are whole: a sale of 12.5 JPY is refused and nothing stored.
	r := f.do("POST", "/api/v1/sales", f.ingest, map[string]any{"sales": []map[string]any{
		{"store": "S9", "day": "2026-03-02", "amount": 1000}, {"store": "S9", "day": "2026-03-03", "amount": 12.5}}})
	if r.Status != 422 || strings.Join(r.itemFields(), " ") != "1:amount" || f.count("sales") != 0 {
		t.Errorf("12.5 JPY: %d %s, %d sales stored", r.Status, r.Raw, f.count("sales"))
	}
	// Once it has facts, its currency cannot change.
	f.mustStatus(http.StatusOK, "POST", "/api/v1/sales", f.ingest, map[string]any{"sales": []map[string]any{{"store": "S9", "day": "2026-03-02", "amount": 1000}}})
	st["currency"] = "USD"
	if r := f.do("PUT", "/api/v1/stores/S9", f.admin, st); r.Status != 409 || r.errField() != "currency" {
		t.Errorf("currency change with facts: %d %s", r.Status, r.Raw)
	}
}

func TestFXRatesAPI(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ops := f.token("ops")
	body := map[string]any{"rates": []map[string]any{{"day": "2026-03-01", "currency": "USD", "rate": 0.79}}}
	f.mustStatus(http.StatusForbidden, "PUT", "/api/v1/fx-rates", ops, body)
	f.mustStatus(http.StatusForbidden, "PUT", "/api/v1/fx-rates", f.token("admin", "S1"), body)
	if r := f.do("PUT", "/api/v1/fx-rates", f.admin, map[string]any{"rates": []map[string]any{{"day": "2026-03-01", "currency": "USD", "rate": 0.79, "source": "ecb"}}}); r.Status != 422 {
		t.Errorf("unknown field: %d %s", r.Status, r.Raw)
	}
	r := f.do("PUT", "/api/v1/fx-rates", f.admin, map[string]any{"rates": []map[string]any{
		{"day": "2026-03-01", "currency": "USD", "rate": 0.79}, {"day": "2026-03-01", "currency": "EUR", "rate": -1}}})
	if r.Status != 422 || strings.Join(r.itemFields(), " ") != "1:rate" || f.count("fx_rates") != 0 {
		t.Errorf("bad rate: %d %s", r.Status, r.Raw)
	}
	f.mustStatus(http.StatusOK, "PUT", "/api/v1/fx-rates", f.admin, body)
	f.mustStatus(http.StatusOK, "PUT", "/api/v1/fx-rates", f.admin, map[string]any{"rates": []map[string]any{{"day": "2026-03-01", "currency": "USD", "rate": 0.8}}})
	g := f.mustStatus(http.StatusOK, "GET", "/api/v1/fx-rates?from=2026-03-01&to=2026-03-01", ops, nil)
	if got := string(g.Raw); !strings.Contains(got, `"reporting_currency":"GBP"`) || !strings.Contains(got, `{"day":"2026-03-01","currency":"USD","rate":0.8}`) {
		t.Errorf("GET fx-rates %s", got)
	}
}

// Every money figure says its currency: JSON, CSV, the staffing XLSX and
// the pages; multi-store figures equal a hand conversion.
func TestMoneySaysItsCurrency(t *testing.T) {
	t.Parallel()
	f := currencyEstate(t)
	ops := f.token("ops")
	// Estate: 12.50 + 2999 × 0.0053 + 40.01 × 0.79 = 12.5 + 15.8947 + 31.6079 = 60.0026 → 60.00 GBP.
	r := f.mustStatus(200, "GET", "/api/v1/kpis?from=2026-03-02&to=2026-03-02&by=estate", ops, nil)
	row := r.Body["rows"].([]any)[0].(map[string]any)
	if row["currency"] != "GBP" || row["est_loss"] != 60.0 {
		t.Errorf("estate row %v", row)
	}
	r = f.mustStatus(200, "GET", "/api/v1/kpis?from=2026-03-02&to=2026-03-02&by=store", ops, nil)
	for _, x := range r.Body["rows"].([]any) {
		m := x.(map[string]any)
		store := m["key"].(map[string]any)["store"].(string)
		rep, _ := m["reporting"].(map[string]any)
		want := map[string][3]any{"S1": {"GBP", 12.5, 12.5}, "S2": {"GBP", 0.0, 0.0}, "S3": {"JPY", 2999.0, 15.89}, "S4": {"USD", 40.01, 31.61}}[store]
		if m["currency"] != want[0] || m["est_loss"] != want[1] || rep == nil || rep["currency"] != "GBP" || rep["est_loss"] != want[2] {
			t.Errorf("store row %s: %s %v reporting %v, want %v", store, m["currency"], m["est_loss"], rep, want)
		}
	}
	// CSV: the currency column, yen without decimals.
	recs := scanCSV(t, "csv", f.getRaw("/api/v1/kpis?from=2026-03-02&to=2026-03-02&by=store", ops, true))
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, rec := range recs[1:] {
		want := map[string][4]string{"S1": {"GBP", "12.50", "GBP", "12.50"}, "S2": {"GBP", "0.00", "GBP", "0.00"},
			"S3": {"JPY", "2999", "GBP", "15.89"}, "S4": {"USD", "40.01", "GBP", "31.61"}}[rec[0]]
		got := [4]string{rec[col["currency"]], rec[col["est_loss"]], rec[col["reporting_currency"]], rec[col["reporting_est_loss"]]}
		if got != want {
			t.Errorf("csv %s: %v, want %v", rec[0], got, want)
		}
	}
	// A missing rate: null in JSON, with the reason; empty in CSV.
	e := event("S3", "Z1", time.Date(2026, 3, 3, 3, 0, 0, 0, time.UTC))
	e["est_value"] = 100
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(e))
	if _, err := kpi.NewRollups(f.pool).Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	r = f.mustStatus(200, "GET", "/api/v1/kpis?from=2026-03-02&to=2026-03-03&by=estate", ops, nil)
	if !bytes.Contains(r.Raw, []byte(`"est_loss":null`)) || !bytes.Contains(r.Raw, []byte(`"money_reason":"no exchange rate to GBP for JPY on 2026-03-03"`)) {
		t.Errorf("estate with a missing rate: %.600s", r.Raw)
	}
	recs = scanCSV(t, "csv", f.getRaw("/api/v1/kpis?from=2026-03-02&to=2026-03-03&by=estate", ops, true))
	for i, h := range recs[0] {
		col[h] = i
	}
	if recs[1][col["est_loss"]] != "" || recs[1][col["money_reason"]] != "no exchange rate to GBP for JPY on 2026-03-03" || recs[1][col["currency"]] != "GBP" {
		t.Errorf("csv estate with a missing rate: %v", recs[1])
	}

	// Pages: the estate card in pounds, the missing rate named; the yen store with its symbol.
	page := string(f.mustStatus(200, "GET", "/?from=2026-03-02&to=2026-03-02", ops, nil).Raw)
	if !strings.Contains(page, "£60.00") || !strings.Contains(page, "¥2,999") || !strings.Contains(page, "$40.01") {
		t.Errorf("estate page lacks £60.00, ¥2,999 or $40.01")
	}
	page = string(f.mustStatus(200, "GET", "/?from=2026-03-02&to=2026-03-03", ops, nil).Raw)
	if !strings.Contains(page, "no exchange rate to GBP for JPY on 2026-03-03") {
		t.Errorf("estate page does not say which rate is missing")
	}
	page = string(f.mustStatus(200, "GET", "/stores/S3?from=2026-03-02&to=2026-03-02", ops, nil).Raw)
	if !strings.Contains(page, "¥2,999") || strings.Contains(page, "2,999.00") {
		t.Errorf("store page of S3 does not show ¥2,999")
	}

	// The staffing plan of the yen store: JSON, CSV and XLSX say JPY.
	planner := f.token("planner")
	f.mustStatus(201, "POST", "/api/v1/stores/S3/staffing-plans?week=2026-03-09", planner, nil)
	pl := f.mustStatus(200, "GET", "/api/v1/stores/S3/staffing-plans/2026-03-09", planner, nil)
	if pl.Body["currency"] != "JPY" {
		t.Errorf("plan currency %v", pl.Body["currency"])
	}
	// The configured operator rate, 20 GBP an hour, in yen: 20 / 0.0053 = 3773.58 → 3774.
	if soc, _ := pl.Body["soc"].(map[string]any); soc == nil || soc["operator_hourly"] != 3774.0 {
		t.Errorf("plan SOC %v", pl.Body["soc"])
	}
	raw := f.mustStatus(200, "GET", "/api/v1/stores/S3/staffing-plans/2026-03-09?format=xlsx", planner, nil).Raw
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, _ := x.GetRows("Hourly")
	last := len(rows[0]) - 1
	if rows[0][last] != "currency" || rows[1][last] != "JPY" {
		t.Errorf("XLSX Hourly: header %v, first row %v", rows[0], rows[1])
	}
	csvRaw := string(f.mustStatus(200, "GET", "/api/v1/stores/S3/staffing-plans/2026-03-09?format=csv&part=hourly", planner, nil).Raw)
	if !strings.Contains(strings.SplitN(csvRaw, "\n", 2)[0], ",currency") || !strings.Contains(csvRaw, ",JPY") {
		t.Errorf("hourly CSV %.300s", csvRaw)
	}
}

// A store without a staffing policy takes its currency's hourly cost, and
// a policy's hourly cost is in the store's minor units.
func TestStaffingPolicyCurrency(t *testing.T) {
	t.Parallel()
	f := currencyEstate(t)
	planner := f.token("planner")
	// No configured yen cost: 15 GBP over the latest JPY rate, 0.0053: 2830.19 → 2830 yen.
	r := f.mustStatus(200, "GET", "/api/v1/stores/S3/staffing-policy", planner, nil)
	if r.Body["currency"] != "JPY" || r.Body["hourly_cost"] != 2830.0 {
		t.Errorf("S3 default policy: %s", r.Raw)
	}
	if r := f.mustStatus(200, "GET", "/api/v1/stores/S1/staffing-policy", planner, nil); r.Body["currency"] != "GBP" || r.Body["hourly_cost"] != 15.0 {
		t.Errorf("S1 default policy: %s", r.Raw)
	}
	p := map[string]any{"incidents_per_staffer": 2, "min_staff": 1, "max_staff": 4,
		"shift_rules": map[string]int{"min_hours": 4, "max_hours": 8}, "hourly_cost": 1500.5, "handle_seconds": 120, "service_level": 0.8, "answer_seconds": 60}
	if r := f.do("PUT", "/api/v1/stores/S3/staffing-policy", planner, p); r.Status != 422 || r.errField() != "hourly_cost" {
		t.Errorf("1500.5 JPY an hour: %d %s", r.Status, r.Raw)
	}
	p["hourly_cost"] = 1500
	if r := f.mustStatus(200, "PUT", "/api/v1/stores/S3/staffing-policy", planner, p); r.Body["currency"] != "JPY" {
		t.Errorf("put policy: %s", r.Raw)
	}
}
