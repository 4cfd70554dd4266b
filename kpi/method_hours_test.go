package kpi_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// A store-day's packed cells (kpi_method_hours, migration 00038) hold each
// hour at its own instant, in minutes from 00:00 UTC of the local date: the
// 25-hour day of London's autumn change (the repeated 01:00 twice), its
// 23-hour spring day, and Kolkata's half-hour offset come back through the
// view kpi_method_hourly with the instant, local date and hour of week
// worked out here by hand; a day without events has no row.
func TestMethodHoursPackedDays(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.store("LON", "Europe/London", ss.ModelSOC, zone("Z1", "c", 1, 0))
	w.store("KOL", "Asia/Kolkata", ss.ModelDetection, zone("Z1", "c", 1, 0))
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// London, Sunday 25 Oct 2026 (25 hours; local midnight is 23:00 UTC of
	// the 24th, minute −60): 00:10 BST, 01:30 BST and 01:30 GMT (the
	// repeated hour, minutes 0 and 60, both how 6·24+1 = 145), 23:30 GMT.
	w.event("LON", "Z1", utc("2026-10-24T23:10:00Z"), 12.5)
	lost := w.event("LON", "Z1", utc("2026-10-25T00:30:00Z"), 20)
	w.outcome(lost, ss.OutcomeWalkedOut, utc("2026-10-25T00:30:00Z"), utc("2026-10-25T02:00:00Z"), 60*time.Second, 0)
	w.event("LON", "Z1", utc("2026-10-25T01:30:00Z"), 7.25)
	w.event("LON", "Z1", utc("2026-10-25T23:30:00Z"), 1)
	// London, Sunday 29 Mar 2026 (23 hours): 00:30 GMT (minute 0, how 144),
	// 02:30 BST (01:00 UTC: minute 60, how 146), 23:30 BST (22:00 UTC: minute 1320, how 167).
	w.event("LON", "Z1", utc("2026-03-29T00:30:00Z"), 1)
	w.event("LON", "Z1", utc("2026-03-29T01:30:00Z"), 1)
	w.event("LON", "Z1", utc("2026-03-29T22:30:00Z"), 1)
	// Kolkata (+05:30), Tuesday 20 Oct 2026: 00:10 IST is 18:40 UTC the day
	// before, its hour 18:30 UTC (minute −330, how 24); 23:50 IST is
	// 18:20 UTC, its hour 23:00 IST = 17:30 UTC (minute 1050, how 47).
	w.event("KOL", "Z1", utc("2026-10-19T18:40:00Z"), 3)
	w.event("KOL", "Z1", utc("2026-10-20T18:20:00Z"), 4)
	w.refresh()

	rows, err := w.pool.Query(w.ctx, `SELECT s.code, t.local_date::text, m
    FROM kpi_method_hours t JOIN stores s ON s.id = t.store_id CROSS JOIN LATERAL unnest(t.minutes) m
    ORDER BY 1, 2, 3`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var code, d string
		var m int
		if err := rows.Scan(&code, &d, &m); err != nil {
			t.Fatal(err)
		}
		got = append(got, code+" "+d+" "+strconv.Itoa(m))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"KOL 2026-10-20 -330", "KOL 2026-10-20 1050",
		"LON 2026-03-29 0", "LON 2026-03-29 60", "LON 2026-03-29 1320",
		"LON 2026-10-25 -60", "LON 2026-10-25 0", "LON 2026-10-25 60", "LON 2026-10-25 1380",
	}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("packed cells (store, local date, minute):\n%s\nwant\n%s", strings.Join(got, ", "), strings.Join(want, ", "))
	}

	rows, err = w.pool.Query(w.ctx, `SELECT concat_ws(' ', s.code, to_char(k.hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI'), k.local_date, k.how,
        k.detections, k.events, k.est_loss, k.concealed_value, k.lost, k.open, k.open_value, k.responded, k.response)
    FROM kpi_method_hourly k JOIN stores s ON s.id = k.store_id ORDER BY s.code, k.hour`)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// The walked-out event answered in 60 s: sketch bucket
	// ⌊ln 60 / ln 1.02⌋ = ⌊206.75⌋ = 206, one response: 206·2³² + 1.
	want = []string{
		"KOL 2026-10-19T18:30 2026-10-20 24 1 1 3.00 3.00 0 1 3.00 0 {}",
		"KOL 2026-10-20T17:30 2026-10-20 47 1 1 4.00 4.00 0 1 4.00 0 {}",
		"LON 2026-03-29T00:00 2026-03-29 144 1 1 1.00 1.00 0 1 1.00 0 {}",
		"LON 2026-03-29T01:00 2026-03-29 146 1 1 1.00 1.00 0 1 1.00 0 {}",
		"LON 2026-03-29T22:00 2026-03-29 167 1 1 1.00 1.00 0 1 1.00 0 {}",
		"LON 2026-10-24T23:00 2026-10-25 144 1 1 12.50 12.50 0 1 12.50 0 {}",
		"LON 2026-10-25T00:00 2026-10-25 145 1 1 20.00 20.00 1 0 0 1 {884763262977}",
		"LON 2026-10-25T01:00 2026-10-25 145 1 1 7.25 7.25 0 1 7.25 0 {}",
		"LON 2026-10-25T23:00 2026-10-25 167 1 1 1.00 1.00 0 1 1.00 0 {}",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("kpi_method_hourly:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// No events on London's 26 Oct: no packed row for it.
	var n int
	w.scan(`SELECT count(*) FROM kpi_method_hours t JOIN stores s ON s.id = t.store_id WHERE s.code = 'LON' AND t.local_date = '2026-10-26'`, &n)
	if n != 0 {
		t.Errorf("an empty day has %d packed rows", n)
	}

	// A late event in the repeated hour recomputes the whole day, the
	// other cells unchanged.
	w.event("LON", "Z1", utc("2026-10-25T01:45:00Z"), 0.75)
	w.refresh()
	var hour1 string
	w.scan(`SELECT concat_ws(' ', k.detections, k.est_loss) FROM kpi_method_hourly k JOIN stores s ON s.id = k.store_id
        WHERE s.code = 'LON' AND k.hour = '2026-10-25T01:00:00Z'`, &hour1)
	w.scan(`SELECT count(*) FROM kpi_method_hourly k JOIN stores s ON s.id = k.store_id WHERE s.code = 'LON' AND k.local_date = '2026-10-25'`, &n)
	if hour1 != "2 8.00" || n != 4 {
		t.Errorf("after a late event: the repeated GMT hour %q (want 2 events, 7.25 + 0.75 = 8.00), %d cells on the day (want 4)", hour1, n)
	}
}
