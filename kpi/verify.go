package kpi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Drift is one figure of one rollup row that differs from a recomputation
// from the raw facts.
type Drift struct {
	Store  string // store code
	Level  string // the rollup table
	Key    string // the row: local hour, day or week, and zone/category/method where the table has them
	Figure string
	Rollup string // the rollup's value ("" for no row)
	Raw    string // the value recomputed from the facts
}

func (d Drift) String() string {
	return fmt.Sprintf("%s %s %s %s: rollup %s, facts %s", d.Store, d.Level, d.Key, d.Figure, orNone(d.Rollup), orNone(d.Raw))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// VerifyReport is what Verify checked and found.
type VerifyReport struct {
	Stores  int     // stores checked
	Chunks  int     // store x four-week chunks read
	Pending int     // local days skipped because a refresh is due for them
	Drift   []Drift // nil when the rollups match the facts
}

// verifyWeeks is the chunk Verify reads at once: four local weeks of one
// store, so a year of a busy store is read in thirteen bounded pieces.
const verifyWeeks = 4

// Verify recomputes the figures of every rollup table — hours, days and
// weeks per zone and category, and per method too, store days and weeks with visitors
// and sales, the store's records in the estate rows and the estate's cuts — from the raw
// events, outcomes, footfall and sales of the local dates from..to
// (extended to whole ISO weeks), and reports every figure that differs.
// stores are codes; empty means every store. Each chunk is read in one
// snapshot, and days with a refresh still due in it are skipped and
// counted, so Verify can run on a live estate.
func (r *Rollups) Verify(ctx context.Context, stores []string, from, to time.Time) (VerifyReport, error) {
	var rep VerifyReport
	rows, err := r.pool.Query(ctx, `SELECT id, code FROM store_directory WHERE coalesce(cardinality($1::text[]), 0) = 0 OR code = ANY($1) ORDER BY code`, stores)
	if err != nil {
		return rep, fmt.Errorf("kpi: verify: %w", err)
	}
	type ref struct {
		id   int64
		code string
	}
	var refs []ref
	var x ref
	if _, err := pgx.ForEachRow(rows, []any{&x.id, &x.code}, func() error { refs = append(refs, x); return nil }); err != nil {
		return rep, fmt.Errorf("kpi: verify: %w", err)
	}
	if len(refs) < len(stores) {
		return rep, fmt.Errorf("kpi: verify: %d of the %d stores named are unknown", len(stores)-len(refs), len(stores))
	}
	monday := from.AddDate(0, 0, -((int(from.Weekday()) + 6) % 7))
	kept, err := r.keptFrom(ctx)
	if err != nil {
		return rep, fmt.Errorf("kpi: verify: %w", err)
	}
	for _, s := range refs {
		rep.Stores++
		// Weeks before kept_from have rollups but no facts (retention.go).
		for lo := later(monday, kept[s.id]); !lo.After(to); lo = lo.AddDate(0, 0, 7*verifyWeeks) {
			hi := lo.AddDate(0, 0, 7*verifyWeeks-1)
			if err := r.verifyChunk(ctx, s.id, s.code, lo, hi, &rep); err != nil {
				return rep, fmt.Errorf("kpi: verify store %s %s..%s: %w", s.code, lo.Format(time.DateOnly), hi.Format(time.DateOnly), err)
			}
			rep.Chunks++
		}
	}
	return rep, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (r *Rollups) verifyChunk(ctx context.Context, store int64, code string, lo, hi time.Time, rep *VerifyReport) error {
	return pgx.BeginTxFunc(ctx, r.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var pending int
		if err := tx.QueryRow(ctx, verifyPendingSQL, store, lo, hi).Scan(&pending); err != nil {
			return err
		}
		rep.Pending += pending
		// The rollups, then the store's records in the estate's cuts (verify_cuts.go).
		for _, q := range []string{verifySQL, verifyCutsSQL} {
			rows, err := tx.Query(ctx, q, store, lo, hi)
			if err != nil {
				return err
			}
			var d Drift
			_, err = pgx.ForEachRow(rows, []any{&d.Level, &d.Key, &d.Figure, &d.Rollup, &d.Raw}, func() error {
				d.Store = code
				rep.Drift = append(rep.Drift, d)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// The checks share their parameters: $1 the store id, $2 and $3 the first
// and last local date (a Monday and a Sunday).

// verifyPendingSQL counts the local days of the chunk with a refresh due.
const verifyPendingSQL = verifyPending + `SELECT count(*) FROM pend`

// verifyPending is the local days of store $1 with dirty marks: their
// rollups are due to change, so they are not compared.
const verifyPending = `WITH s AS (SELECT id, timezone AS tz FROM store_directory WHERE id = $1),
pend AS (SELECT DISTINCT (d.hour AT TIME ZONE s.tz)::date AS d FROM kpi_dirty d JOIN s ON s.id = d.store_id
    WHERE (d.hour AT TIME ZONE s.tz)::date BETWEEN $2::date AND $3::date) `

// verifyEvents is every event of the chunk with its outcome class, local
// wall-clock hour, date and week. The instant range, a day wider than the
// local dates, lets the events index bound the scan.
var verifyEvents = `, e AS MATERIALIZED (
    SELECT e.zone_id, e.category, e.method, e.est_value, o.outcome, o.value_recovered,
        ` + responseBucket + ` AS rb, ` + classify + ` AS cls,
        date_trunc('hour', e.occurred_at AT TIME ZONE s.tz) AS wh, local_hour(e.occurred_at, s.tz) AS h,
        (e.occurred_at AT TIME ZONE s.tz)::date AS d,
        date_trunc('week', e.occurred_at AT TIME ZONE s.tz)::date AS w
    FROM s JOIN events e ON e.store_id = s.id
    LEFT JOIN outcomes o ON o.event_id = e.id AND o.store_id = s.id
    WHERE e.occurred_at >= $2::date - 1 AND e.occurred_at < $3::date + 2
      AND (e.occurred_at AT TIME ZONE s.tz)::date BETWEEN $2::date AND $3::date)`

// verifyFootfall is every footfall row of the chunk, likewise.
const verifyFootfall = `, f AS MATERIALIZED (
    SELECT coalesce(f.zone_id, 0) AS zone_id, f.visitors,
        f.hour AT TIME ZONE s.tz AS wh, (f.hour AT TIME ZONE s.tz)::date AS d,
        date_trunc('week', f.hour AT TIME ZONE s.tz)::date AS w
    FROM s JOIN footfall f ON f.store_id = s.id
    WHERE f.hour >= $2::date - 1 AND f.hour < $3::date + 2
      AND (f.hour AT TIME ZONE s.tz)::date BETWEEN $2::date AND $3::date)`

// check is one comparison: the rows of a rollup table (roll) against the
// same rows recomputed from the facts (raw), both selecting cols.
type check struct {
	level, cols, raw, roll, compare string
}

// Conditions on a compared row's date {d} (and key) that skip it while a
// refresh is due: for a day row, that day; for a week row, any of its days.
const (
	skipDay  = `{d} IN (SELECT d FROM pend)`
	skipWeek = `EXISTS (SELECT 1 FROM pend WHERE pend.d >= {d} AND pend.d < {d} + 7)`
	// kpi_estate holds both: its keys start with their kind.
	skipEither = `EXISTS (SELECT 1 FROM pend WHERE pend.d >= {d} AND pend.d < {d} + CASE WHEN key LIKE 'week%' THEN 7 ELSE 1 END)`
)

// compare builds a check. raw and roll select the columns d (the local
// date, or the Monday of the week, the row belongs to), key, then figs in
// order; rows passing skip are not compared. compare is the check's part of
// the one verify statement, reading the CTEs {raw} and {roll}.
func compare(level, raw, roll string, figs []string, skip string) check {
	vals := make([]string, len(figs))
	for i, f := range figs {
		vals[i] = fmt.Sprintf("('%s', k.%s::text, r.%s::text)", f, f, f)
	}
	return check{level: level, cols: "d, key, " + strings.Join(figs, ", "), raw: raw, roll: roll,
		compare: `SELECT '` + level + `' AS level, key, v.figure, coalesce(v.rollup, '') AS rollup, coalesce(v.raw, '') AS raw
FROM {raw} r FULL JOIN {roll} k USING (d, key)
CROSS JOIN LATERAL (VALUES ` + strings.Join(vals, ", ") + `) v(figure, rollup, raw)
WHERE NOT (` + strings.ReplaceAll(skip, "{d}", "coalesce(r.d, k.d)") + `)
  AND coalesce(v.rollup, '0')::numeric IS DISTINCT FROM coalesce(v.raw, '0')::numeric`}
}

// verifySQL is every check of a chunk in one statement, so that the
// chunk's events and footfall are read once (the MATERIALIZED e and f)
// for all of them; its rows are level, key, figure, rollup and raw.
var verifySQL = func() string {
	var ctes, parts []string
	for i, c := range verifyChecks {
		raw, roll := fmt.Sprintf("raw%d", i), fmt.Sprintf("roll%d", i)
		ctes = append(ctes, raw+" ("+c.cols+") AS ("+c.raw+")", roll+" ("+c.cols+") AS ("+c.roll+")")
		parts = append(parts, strings.NewReplacer("{raw}", raw, "{roll}", roll).Replace(c.compare))
	}
	return verifyPending + verifyEvents + verifyFootfall + ",\n" + strings.Join(ctes, ",\n") +
		"\nSELECT * FROM (\n" + strings.Join(parts, "\nUNION ALL\n") + "\n) x ORDER BY 1, 2, 3"
}()

// estateColumns are the figures of a store's record in a kpi_estate row
// that Verify compares, by their int8 position (see migration 00005).
var estateColumns = []struct {
	name string
	pos  int
}{{"events", 1}, {"est_loss_cents", 2}, {"recovered_value_cents", 3}, {"recovered", 4}, {"lost", 5},
	{"false_positive", 6}, {"open", 7}, {"interventions", 8}, {"visitors", 9}, {"sales_cents", 10},
	{"confirmed", 11}, {"open_value_cents", 12}, {"paid_value_cents", 13}}

var verifyChecks = func() []check {
	figs := figureColumns
	sumK := sums("k")
	zone := func(level, grain, table, tableGrain, dateCond, skip string) check {
		const cols = "zone_id, category, method"
		key := func(g string) string { return `concat_ws(' ', ` + g + `, 'zone', ` + cols + `)` }
		return compare(level,
			`SELECT `+grain+"::date"+`, `+key(grain)+`, `+eventFigures+` FROM e GROUP BY `+grain+`, `+cols,
			`SELECT `+tableGrain+"::date"+`, `+key(tableGrain)+`, `+sumK+` FROM `+table+` k JOIN s ON s.id = k.store_id
    WHERE `+dateCond+` GROUP BY `+tableGrain+`, `+cols, figs, skip)
	}
	storeFigs := append(append([]string{}, figs...), "visitors", "sales")
	// storeRaw is a store's figures per grain from the facts: columns g,
	// then storeFigs.
	storeRaw := func(grain string, weekly bool) string {
		return `SELECT g, ` + prefixed("ev.", figs) + `, coalesce(ff.visitors, 0) AS visitors, sa.amount AS sales FROM
    (SELECT ` + grain + ` AS g, ` + eventFigures + ` FROM e GROUP BY 1) ev(g, ` + strings.Join(figs, ", ") + `)
    FULL JOIN (SELECT ` + grain + ` AS g, sum(visitors) AS visitors FROM f WHERE zone_id = 0 GROUP BY 1) ff USING (g)
    FULL JOIN (SELECT ` + salesGrain(weekly) + ` AS g, sum(x.amount) AS amount FROM sales x JOIN s ON s.id = x.store_id
        WHERE x.day BETWEEN $2::date AND $3::date GROUP BY 1) sa USING (g)`
	}
	storeLevel := func(level, grain, table, tableGrain, skip string) check {
		return compare(level,
			`SELECT g, g::text, `+strings.Join(storeFigs, ", ")+` FROM (`+storeRaw(grain, skip == skipWeek)+`) r`,
			`SELECT k.`+tableGrain+`, k.`+tableGrain+`::text, `+prefixed("k.", storeFigs)+` FROM `+table+` k
    WHERE k.store_id = $1 AND k.`+tableGrain+` BETWEEN $2::date AND $3::date`, storeFigs, skip)
	}
	visitors := func(level, grain, table, tableGrain, skip string) check {
		tg := "k." + tableGrain
		if tableGrain == "hour" {
			tg = "(k.hour AT TIME ZONE s.tz)"
		}
		days := "" // the rows of the chunk's days, and those a day either side that could hold its hours
		if tableGrain == "hour" {
			days = `k.local_date BETWEEN $2::date - 1 AND $3::date + 1 AND `
		}
		return compare(level,
			`SELECT `+grain+"::date"+`, concat_ws(' ', `+grain+`, 'zone', zone_id), sum(visitors) FROM f GROUP BY `+grain+`, zone_id`,
			`SELECT `+tg+"::date"+`, concat_ws(' ', `+tg+`, 'zone', zone_id), sum(k.visitors) FROM `+table+` k JOIN s ON s.id = k.store_id
    WHERE `+days+tg+`::date BETWEEN $2::date AND $3::date GROUP BY `+tg+`, zone_id`, []string{"visitors"}, skip)
	}
	// A store's hours, keyed by the hour's instant (the repeated hour of a
	// daylight-saving change is two rows).
	storeHours := compare("kpi_store_hourly",
		`SELECT d, concat_ws(' ', 'hour', h), `+eventFigures+` FROM e GROUP BY d, h`,
		`SELECT k.local_date, concat_ws(' ', 'hour', k.hour), `+sumK+` FROM kpi_store_hourly k
    WHERE k.store_id = $1 AND k.local_date BETWEEN $2::date AND $3::date GROUP BY k.local_date, k.hour`, figs, skipDay)
	estFigs := make([]string, len(estateColumns))
	estRaw := make([]string, len(estateColumns))
	estRoll := make([]string, len(estateColumns))
	for i, c := range estateColumns {
		estFigs[i] = c.name
		estRoll[i] = fmt.Sprintf(`('x' || encode(substring(x.figures FROM x.at + %d FOR 8), 'hex'))::bit(64)::bigint`, c.pos*8+1)
	}
	copy(estRaw, []string{"k.events", "(k.est_loss * 100)::bigint", "(k.recovered_value * 100)::bigint", "k.recovered", "k.lost",
		"k.false_positive", "k.open", "k.interventions", "k.visitors", "coalesce((k.sales * 100)::bigint, -1)",
		"k.confirmed", "(k.open_value * 100)::bigint", "(k.paid_value * 100)::bigint"})
	// The store's records in the estate rows, against its figures per day
	// and per week from the facts.
	estate := compare("kpi_estate",
		`SELECT k.g, k.kind || ' ' || k.g, `+strings.Join(estRaw, ", ")+` FROM (
        SELECT 'day' AS kind, * FROM (`+storeRaw("d", false)+`) d
        UNION ALL SELECT 'week', * FROM (`+storeRaw("w", true)+`) w) k`,
		`SELECT x.start, x.kind || ' ' || x.start, `+strings.Join(estRoll, ", ")+` FROM (
        SELECT k.kind, k.start, k.figures, i * `+fmt.Sprint(estateRecord)+` AS at FROM kpi_estate k
        CROSS JOIN LATERAL generate_series(0, length(k.figures) / `+fmt.Sprint(estateRecord)+` - 1) i
        WHERE k.start BETWEEN $2::date AND $3::date
          AND ('x' || encode(substring(k.figures FROM i * `+fmt.Sprint(estateRecord)+` + 1 FOR 8), 'hex'))::bit(64)::bigint = $1) x`,
		estFigs, skipEither)
	return []check{
		zone("kpi_method_hourly", "wh", "kpi_method_hourly", "(k.hour AT TIME ZONE s.tz)", "k.local_date BETWEEN $2::date AND $3::date", skipDay),
		storeHours,
		zone("kpi_method_daily", "d", "kpi_method_daily", "k.local_date", "k.local_date BETWEEN $2::date AND $3::date", skipDay),
		zone("kpi_method_weekly", "w", "kpi_method_weekly", "k.week", "k.week BETWEEN $2::date AND $3::date", skipWeek),
		storeLevel("kpi_store_daily", "d", "kpi_store_daily", "local_date", skipDay),
		storeLevel("kpi_store_weekly", "w", "kpi_store_weekly", "week", skipWeek),
		visitors("kpi_visitors_hourly", "wh", "kpi_visitors_hourly", "hour", skipDay),
		visitors("kpi_visitors_daily", "d", "kpi_visitors_daily", "local_date", skipDay),
		visitors("kpi_visitors_weekly", "w", "kpi_visitors_weekly", "week", skipWeek),
		estate,
	}
}()

func salesGrain(weekly bool) string {
	if weekly {
		return "date_trunc('week', x.day)::date"
	}
	return "x.day"
}

func prefixed(p string, cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = p + c
	}
	return strings.Join(out, ", ")
}
