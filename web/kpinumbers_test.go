package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// demoLike loads a synthetic estate whose data starts on 2026-07-30, as
// the demo's does, and runs through 2026-08-31.
func demoLike(t *testing.T) (*fixture, *estate.Estate) {
	f := setup(t)
	est := estate.New(estate.Config{Seed: 5, Stores: 3, Days: 33, End: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)})
	if _, err := app.LoadEstate(context.Background(), f.pool, est, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := kpi.NewRollups(f.pool).Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f, est
}

// get fetches a KPI answer's raw bytes, as JSON or as CSV.
func (f *fixture) getRaw(path, token string, csvFormat bool) []byte {
	f.t.Helper()
	req, _ := http.NewRequest("GET", f.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if csvFormat {
		req.Header.Set("Accept", "text/csv")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		f.t.Fatalf("%s: %d %s", path, res.StatusCode, b)
	}
	return b
}

// numberRule checks one printed number of a KPI answer, named as in JSON
// (the CSV's headers are mapped back: response_p50_s is response_p50).
// Float noise shows as a long run of digits (0.30000000000000004,
// 8.599999999999994); a figure of the documented precision never has more
// than 12 significant digits on this estate, and each kind has its own
// bound: money two decimals, response times one, counts none, ratios four
// significant digits (their changes are exact differences of those).
func numberRule(name, text string, isChange bool) string {
	digits, places := 0, 0
	mantissa, _, _ := strings.Cut(strings.ToLower(strings.TrimPrefix(text, "-")), "e")
	if strings.Contains(text, "e") || strings.Contains(text, "E") {
		return "exponent notation"
	}
	intPart, frac, _ := strings.Cut(mantissa, ".")
	places = len(frac)
	digits = len(strings.TrimLeft(intPart+frac, "0"))
	switch {
	case digits > 12:
		return "float noise"
	case name == "est_loss" || name == "recovered_value" || name == "sales":
		if places > 2 {
			return "money beyond the cent"
		}
	case name == "response_p50" || name == "response_p90":
		if places > 1 {
			return "response time beyond 0.1 s"
		}
	case name == "events" || name == "visitors" || name == "recovered" || name == "lost" || name == "false_positives" ||
		name == "open" || name == "interventions" || name == "length" || name == "covered" || name == "hour_of_week":
		if places > 0 {
			return "count with decimals"
		}
	case !isChange && (name == "rate_per_1k" || name == "recovery_rate" || name == "intervention_rate" ||
		name == "false_positive_rate" || name == "hotspot_index" || name == "shrink_pct" || name == "value"):
		if len(strings.TrimRight(strings.TrimLeft(intPart+frac, "0"), "0")) > 4 {
			return "ratio beyond 4 significant digits"
		}
	}
	return ""
}

// scanJSON checks every number of a JSON answer; it returns how many it saw.
func scanJSON(t *testing.T, where string, raw []byte) int {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	n := 0
	var walk func(v any, name string, isChange bool)
	walk = func(v any, name string, isChange bool) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(x, k, isChange || k == "change")
			}
		case []any:
			for _, x := range v {
				walk(x, name, isChange)
			}
		case json.Number:
			n++
			if why := numberRule(name, v.String(), isChange); why != "" {
				t.Errorf("%s: %s = %s: %s", where, name, v, why)
			}
		}
	}
	walk(v, "", false)
	return n
}

// scanCSV checks every number of a CSV answer; it returns the records.
func scanCSV(t *testing.T, where string, raw []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	for _, rec := range recs[1:] {
		for i, cell := range rec {
			h := recs[0][i]
			if _, err := strconv.ParseFloat(cell, 64); err != nil || h == "day" || h == "week" || strings.HasSuffix(h, "from") || strings.HasSuffix(h, "to") {
				continue
			}
			isChange := strings.HasPrefix(h, "change_")
			name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(h, "change_"), "previous_"), "_s")
			if why := numberRule(name, cell, isChange); why != "" {
				t.Errorf("%s: %s = %s: %s", where, h, cell, why)
			}
		}
	}
	return recs
}

// No number of any KPI answer, JSON or CSV, carries float noise: every
// grouping, filtered and not, over dates and instants, on a synthetic
// estate; and the CSV holds the JSON's figures.
func TestKPIAnswersCarryNoFloatNoise(t *testing.T) {
	t.Parallel()
	f, est := demoLike(t)
	ops := f.token(ss.RoleOps)
	store := est.Stores[0].Code
	periods := []string{
		"from=2026-08-01&to=2026-08-31",                     // previous: July, two days of data
		"from=2026-08-17&to=2026-08-30",                     // previous 3–16 Aug: both covered
		"from=2026-08-12&to=2026-08-14",                     // days at week ends
		"from=2026-08-20T00:00:00Z&to=2026-08-27T00:00:00Z", // instants
	}
	changes, numbers := 0, 0
	for _, per := range periods {
		for _, by := range kpi.Groupings {
			for _, filter := range []string{"", "&store=" + store, "&method=bag", "&region=" + url.QueryEscape(est.Stores[1].Region)} {
				if by == "zone" && filter == "" || by == "zone" && filter == "&method=bag" {
					filter += "&store=" + store
				}
				path := "/api/v1/kpis?" + per + "&by=" + string(by) + filter
				raw := f.getRaw(path, ops, false)
				numbers += scanJSON(t, path, raw)
				recs := scanCSV(t, path+" (csv)", f.getRaw(path, ops, true))
				var answer struct {
					Rows []map[string]any `json:"rows"`
				}
				if err := json.Unmarshal(raw, &answer); err != nil {
					t.Fatal(err)
				}
				if len(recs) != len(answer.Rows)+1 {
					t.Fatalf("%s: %d csv records for %d rows", path, len(recs), len(answer.Rows))
				}
				col := map[string]int{}
				for i, h := range recs[0] {
					col[h] = i
				}
				for i, row := range answer.Rows {
					if row["change"] != nil {
						changes++
					}
					for _, name := range []string{"events", "est_loss", "rate_per_1k", "recovery_rate"} {
						csvName := name
						for _, side := range []struct {
							prefix string
							vals   any
						}{{"", row}, {"previous_", row["previous"]}, {"change_", row["change"]}} {
							m, _ := side.vals.(map[string]any)
							got := recs[i+1][col[side.prefix+csvName]]
							want, _ := m[name].(float64)
							if m == nil || m[name] == nil {
								if got != "" {
									t.Errorf("%s row %d %s%s: csv %q, json null", path, i, side.prefix, name, got)
								}
								continue
							}
							if v, err := strconv.ParseFloat(got, 64); err != nil || v != want {
								t.Errorf("%s row %d %s%s: csv %q, json %v", path, i, side.prefix, name, got, want)
							}
						}
					}
				}
			}
		}
	}
	if changes == 0 || numbers < 10_000 {
		t.Errorf("scanned %d numbers, %d rows with a change: too few to tell", numbers, changes)
	}
}

// cents reads a decimal such as "1234.5" or "-0.07" as whole cents, without
// floating point.
func cents(t *testing.T, s string) int64 {
	t.Helper()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + "00")[:2]
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		t.Fatalf("money %q: %v", s, err)
	}
	if neg {
		n = -n
	}
	return n
}

// Money is exact to the cent, changes included, against sums PostgreSQL
// makes in numeric from the raw events; and August, whose previous month
// holds two days of data, shows no change at all, only the reason and the
// coverage of each month.
func TestKPIMoneyExactAndNoChangeAgainstHalfEmptyMonth(t *testing.T) {
	t.Parallel()
	f, _ := demoLike(t)
	ops := f.token(ss.RoleOps)
	// raw is a store's expected loss and recovered value in cents from the
	// raw facts: the false share chosen as DESIGN.md says (the store's own
	// with 30 reviews, else its region's with as many, else the estate's),
	// the open value discounted in exact rationals, half a cent up.
	raw := func(store string, from, to string) (loss, value int64) {
		var region string
		var lost, open, rev, fp, rRev, rFp, eRev, eFp int64
		var v string
		err := f.pool.QueryRow(context.Background(), `
WITH x AS (SELECT s.code, s.region, e.est_value, o.outcome, o.value_recovered FROM stores s JOIN events e ON e.store_id = s.id
    LEFT JOIN outcomes o ON o.event_id = e.id WHERE (e.occurred_at AT TIME ZONE s.timezone)::date BETWEEN $2::date AND $3::date),
c AS (SELECT code, region, count(*) FILTER (WHERE outcome IS NOT NULL AND outcome <> 'unresolved') AS rev,
    count(*) FILTER (WHERE outcome = 'false_positive') AS fp FROM x GROUP BY 1, 2)
SELECT (SELECT region FROM c WHERE code = $1),
    (100 * coalesce(sum(est_value) FILTER (WHERE outcome IN ('walked_out', 'confirmed')), 0))::bigint,
    (100 * coalesce(sum(est_value) FILTER (WHERE outcome IS NULL OR outcome = 'unresolved'), 0))::bigint,
    coalesce(sum(coalesce(value_recovered, est_value)) FILTER (WHERE outcome IN ('paid', 'nudged_paid', 'blocked_recovered', 'intervened_recovered')), 0)::text,
    (SELECT rev FROM c WHERE code = $1), (SELECT fp FROM c WHERE code = $1),
    (SELECT sum(rev)::bigint FROM c WHERE region = (SELECT region FROM c WHERE code = $1)),
    (SELECT sum(fp)::bigint FROM c WHERE region = (SELECT region FROM c WHERE code = $1)),
    (SELECT sum(rev)::bigint FROM c), (SELECT sum(fp)::bigint FROM c)
FROM x WHERE code = $1`, store, from, to).Scan(&region, &lost, &open, &v, &rev, &fp, &rRev, &rFp, &eRev, &eFp)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case rev >= 30:
		case region != "" && rRev >= 30:
			rev, fp = rRev, rFp
		default:
			rev, fp = eRev, eFp
		}
		loss = lost + open
		if rev > 0 {
			kept := new(big.Rat).Mul(big.NewRat(open, 1), big.NewRat(rev-fp, rev))
			kept.Add(kept, big.NewRat(1, 2))
			loss = lost + new(big.Int).Quo(kept.Num(), kept.Denom()).Int64()
		}
		return loss, cents(t, v)
	}
	decode := func(path string) map[string]any {
		d := json.NewDecoder(bytes.NewReader(f.getRaw(path, ops, false)))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	num := func(m any, name string) string { return string(m.(map[string]any)[name].(json.Number)) }

	// 17–30 Aug against 3–16 Aug: both covered.
	a := decode("/api/v1/kpis?from=2026-08-17&to=2026-08-30&by=store")
	rows := a["rows"].([]any)
	if len(rows) != 3 {
		t.Fatalf("%d store rows", len(rows))
	}
	csvRecs := scanCSV(t, "csv", f.getRaw("/api/v1/kpis?from=2026-08-17&to=2026-08-30&by=store", ops, true))
	col := map[string]int{}
	for i, h := range csvRecs[0] {
		col[h] = i
	}
	for i, r := range rows {
		row := r.(map[string]any)
		code := row["key"].(map[string]any)["store"].(string)
		loss, value := raw(code, "2026-08-17", "2026-08-30")
		pLoss, pValue := raw(code, "2026-08-03", "2026-08-16")
		if row["change"] == nil {
			t.Fatalf("%s: no change between covered periods: %v", code, row["change_reason"])
		}
		for _, c := range []struct {
			what string
			got  string
			want int64
		}{
			{"est_loss", num(row, "est_loss"), loss}, {"recovered_value", num(row, "recovered_value"), value},
			{"previous est_loss", num(row["previous"], "est_loss"), pLoss},
			{"change est_loss", num(row["change"], "est_loss"), loss - pLoss},
			{"change recovered_value", num(row["change"], "recovered_value"), value - pValue},
			{"csv est_loss", csvRecs[i+1][col["est_loss"]], loss},
			{"csv change_est_loss", csvRecs[i+1][col["change_est_loss"]], loss - pLoss},
			{"csv change_recovered_value", csvRecs[i+1][col["change_recovered_value"]], value - pValue},
		} {
			if cents(t, c.got) != c.want {
				t.Errorf("%s %s = %s, raw events say %d cents", code, c.what, c.got, c.want)
			}
		}
	}

	// August against July, which holds its last two or three local days
	// only (the data starts at 30 July 00:00 UTC, 29 July west of UTC).
	// The covered days are counted from the raw facts.
	julyDays := func(store string) (n int, first, last string) {
		err := f.pool.QueryRow(context.Background(), `
SELECT count(DISTINCT d), min(d)::text, max(d)::text FROM (
    SELECT (e.occurred_at AT TIME ZONE s.timezone)::date AS d, s.code FROM events e JOIN stores s ON s.id = e.store_id
    UNION ALL SELECT (x.hour AT TIME ZONE s.timezone)::date, s.code FROM footfall x JOIN stores s ON s.id = x.store_id WHERE x.zone_id IS NULL
    UNION ALL SELECT x.day, s.code FROM sales x JOIN stores s ON s.id = x.store_id) f
WHERE d BETWEEN '2026-07-01' AND '2026-07-31' AND ($1 = '' OR code = $1)`, store).Scan(&n, &first, &last)
		if err != nil {
			t.Fatal(err)
		}
		return n, first, last
	}
	for _, by := range []string{"store", "estate", "zone&store=S001", "day", "category"} {
		a = decode("/api/v1/kpis?from=2026-08-01&to=2026-08-31&by=" + by)
		prev := a["periods"].(map[string]any)["previous"].(map[string]any)
		cur := a["periods"].(map[string]any)["current"].(map[string]any)
		scope := ""
		if strings.Contains(by, "store=") {
			scope = "S001"
		}
		n, first, last := julyDays(scope)
		if n < 2 || n > 3 || prev["complete"] != false || string(prev["covered"].(json.Number)) != strconv.Itoa(n) || prev["first"] != first ||
			prev["last"] != last || last != "2026-07-31" || string(prev["length"].(json.Number)) != "31" || prev["from"] != "2026-07-01" {
			t.Errorf("by=%s previous coverage %v; raw facts: %d days, %s..%s", by, prev, n, first, last)
		}
		if cur["complete"] != true || string(cur["covered"].(json.Number)) != "31" {
			t.Errorf("by=%s current coverage %v", by, cur)
		}
		rows := a["rows"].([]any)
		if len(rows) == 0 {
			t.Fatalf("by=%s: no rows", by)
		}
		for _, r := range rows {
			row := r.(map[string]any)
			if row["change"] != nil || row["change_reason"] != kpi.ChangePreviousPartial {
				t.Errorf("by=%s %v: change %v (%v) against a July of two days", by, row["key"], row["change"], row["change_reason"])
			}
		}
	}
	recs := scanCSV(t, "csv", f.getRaw("/api/v1/kpis?from=2026-08-01&to=2026-08-31&by=store", ops, true))
	want := "store,currency,as_of,from,to,events,visitors,rate_per_1k,est_loss,recovered_value,recovered_by_intervention,paid_unprompted,recovery_rate,intervention_rate,response_p50_s,response_p90_s," +
		"false_positive_rate,hotspot_index,shrink_pct,previous_from,previous_to,previous_events"
	wantTail := "change_reason,money_reason,previous_money_reason,reporting_currency,reporting_est_loss,reporting_recovered_value,reporting_money_reason"
	if got := strings.Join(recs[0], ","); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, wantTail) {
		t.Errorf("csv header %s", got)
	}
	reason := len(recs[0]) - 7 // change_reason
	for _, rec := range recs[1:] {
		if rec[col["change_events"]] != "" || rec[reason] != kpi.ChangePreviousPartial || rec[3] != "2026-08-01" || rec[col["previous_from"]] != "2026-07-01" {
			t.Errorf("csv row %v", rec)
		}
	}
}
