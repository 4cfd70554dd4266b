package kpi

// The rollup statements. Hourly ones take $1 store id, $2 the local-hour
// instants to recompute, $3 the store's time zone; daily ones take $1 store
// id and $2 the local dates.

// classify names an event's outcome class (DESIGN.md "KPI definitions").
const classify = `CASE
    WHEN o.outcome IN ('paid', 'nudged_paid', 'blocked_recovered', 'intervened_recovered') THEN 'recovered'
    WHEN o.outcome = 'walked_out' THEN 'lost'
    WHEN o.outcome = 'false_positive' THEN 'false'
    ELSE 'open' END`

// outcomeOf is an event's outcome, looked up by its key, for a few hours'
// events. The LIMIT keeps the planner from turning the lookup into a hash
// join over every outcome of the estate, which cost half a second per
// statement on five million events.
const outcomeOf = `LEFT JOIN LATERAL (
    SELECT o.outcome, o.value_recovered, o.responded_at FROM outcomes o WHERE o.event_id = e.id LIMIT 1) o ON true`

// storeOutcomes joins a whole store's outcomes at once, for rebuilds.
const storeOutcomes = `LEFT JOIN outcomes o ON o.event_id = e.id AND o.store_id = $1`

// hourKeys are a local-hour instant's local date and hour of week (Monday 00:00 = 0).
const hourKeys = `(h.hour AT TIME ZONE $3)::date,
    ((extract(isodow FROM h.hour AT TIME ZONE $3)::int - 1) * 24 + extract(hour FROM h.hour AT TIME ZONE $3)::int)::smallint`

// eventFigures are the summed figures of kpi_hourly, in column order.
const eventColumns = `detections, events, est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open,
    paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded`

// responseBucket is the sketch bucket of a response time: log base 1.02 of
// the seconds, so a bucket's midpoint is within 1% of every value in it.
const responseBucket = `CASE WHEN extract(epoch FROM o.responded_at - e.occurred_at) < 1 THEN 0
    ELSE least(floor(ln(extract(epoch FROM o.responded_at - e.occurred_at)) / ln(1.02)), 32767) END::smallint`

// Two ways to find a bucket's events, giving the same rows. A few hours: an
// index probe per hour (LATERAL forces the planner to probe, not to filter a
// whole store's events against every hour). Many hours (a rebuild): one range
// scan of the store's events, hash-joined to the hours on their local hour.
const (
	eventsPerHour = `unnest($2::timestamptz[]) h(hour) CROSS JOIN LATERAL (
    SELECT * FROM events e WHERE e.store_id = $1 AND e.occurred_at >= h.hour AND e.occurred_at < h.hour + interval '1 hour') e`
	eventsInRange = `events e JOIN unnest($2::timestamptz[]) h(hour) ON h.hour = local_hour(e.occurred_at, $3)
    AND e.store_id = $1 AND e.occurred_at >= $4 AND e.occurred_at < $5`
)

// perHourLimit is the most hours recomputed with one probe each.
const perHourLimit = 200

var hourlySQL = []string{
	`DELETE FROM kpi_hourly WHERE store_id = $1 AND hour = ANY($2::timestamptz[])`,
	`INSERT INTO kpi_hourly (store_id, zone_id, category, hour, local_date, how, ` + eventColumns + `)
SELECT e.store_id, e.zone_id, e.category, h.hour, ` + hourKeys + `,
    count(*),
    count(*) FILTER (WHERE c.cls <> 'false'),
    coalesce(sum(e.est_value) FILTER (WHERE c.cls IN ('lost', 'open')), 0),
    coalesce(sum(coalesce(o.value_recovered, e.est_value)) FILTER (WHERE c.cls = 'recovered'), 0),
    coalesce(sum(e.est_value) FILTER (WHERE c.cls <> 'false'), 0),
    count(*) FILTER (WHERE c.cls = 'recovered'),
    count(*) FILTER (WHERE c.cls = 'lost'),
    count(*) FILTER (WHERE c.cls = 'false'),
    count(*) FILTER (WHERE c.cls = 'open'),
    count(*) FILTER (WHERE o.outcome = 'paid'),
    count(*) FILTER (WHERE o.outcome = 'nudged_paid'),
    count(*) FILTER (WHERE o.outcome = 'blocked_recovered'),
    count(*) FILTER (WHERE o.outcome = 'intervened_recovered'),
    count(*) FILTER (WHERE o.outcome = 'unresolved'),
    count(*) FILTER (WHERE o.outcome IN ('nudged_paid', 'blocked_recovered', 'intervened_recovered')),
    count(o.responded_at)
FROM {{events}}
{{outcomes}}
CROSS JOIN LATERAL (SELECT ` + classify + ` AS cls) c
GROUP BY e.store_id, e.zone_id, e.category, h.hour`,

	`DELETE FROM kpi_response WHERE store_id = $1 AND hour = ANY($2::timestamptz[])`,
	`INSERT INTO kpi_response (store_id, zone_id, category, hour, local_date, how, bucket, n)
SELECT e.store_id, e.zone_id, e.category, h.hour, ` + hourKeys + `, ` + responseBucket + `, count(*)
FROM {{events}}
{{outcomes}}
WHERE o.responded_at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7`,

	`DELETE FROM kpi_visitors_hourly WHERE store_id = $1 AND hour = ANY($2::timestamptz[])`,
	`INSERT INTO kpi_visitors_hourly (store_id, zone_id, hour, local_date, how, visitors)
SELECT f.store_id, coalesce(f.zone_id, 0), h.hour, ` + hourKeys + `, f.visitors
FROM unnest($2::timestamptz[]) h(hour)
JOIN footfall f ON f.store_id = $1 AND f.hour = h.hour`,
}

var dailySQL = []string{
	`DELETE FROM kpi_daily WHERE store_id = $1 AND local_date = ANY($2::date[])`,
	`INSERT INTO kpi_daily (store_id, zone_id, category, local_date, ` + eventColumns + `)
SELECT store_id, zone_id, category, local_date,
    sum(detections), sum(events), sum(est_loss), sum(recovered_value), sum(concealed_value), sum(recovered), sum(lost),
    sum(false_positive), sum(open), sum(paid), sum(nudged_paid), sum(blocked_recovered),
    sum(intervened_recovered), sum(unresolved), sum(interventions), sum(responded)
FROM kpi_hourly WHERE store_id = $1 AND local_date = ANY($2::date[])
GROUP BY store_id, zone_id, category, local_date`,

	`DELETE FROM kpi_visitors_daily WHERE store_id = $1 AND local_date = ANY($2::date[])`,
	`INSERT INTO kpi_visitors_daily (store_id, zone_id, local_date, visitors)
SELECT store_id, zone_id, local_date, sum(visitors)
FROM kpi_visitors_hourly WHERE store_id = $1 AND local_date = ANY($2::date[])
GROUP BY store_id, zone_id, local_date`,

	`DELETE FROM kpi_store_daily WHERE store_id = $1 AND local_date = ANY($2::date[])`,
	`INSERT INTO kpi_store_daily (store_id, local_date, ` + eventColumns + `, visitors, response)
SELECT $1, d.local_date,
    coalesce(sum(k.detections), 0), coalesce(sum(k.events), 0), coalesce(sum(k.est_loss), 0),
    coalesce(sum(k.recovered_value), 0), coalesce(sum(k.concealed_value), 0), coalesce(sum(k.recovered), 0), coalesce(sum(k.lost), 0),
    coalesce(sum(k.false_positive), 0), coalesce(sum(k.open), 0), coalesce(sum(k.paid), 0),
    coalesce(sum(k.nudged_paid), 0), coalesce(sum(k.blocked_recovered), 0),
    coalesce(sum(k.intervened_recovered), 0), coalesce(sum(k.unresolved), 0),
    coalesce(sum(k.interventions), 0), coalesce(sum(k.responded), 0),
    coalesce((SELECT v.visitors FROM kpi_visitors_daily v WHERE v.store_id = $1 AND v.local_date = d.local_date AND v.zone_id = 0), 0),
    coalesce((SELECT array_agg((r.bucket::bigint << 32) | r.n ORDER BY r.bucket) FROM (
        SELECT bucket, sum(n) AS n FROM kpi_response
        WHERE store_id = $1 AND local_date = d.local_date GROUP BY bucket) r), '{}')
FROM unnest($2::date[]) d(local_date)
LEFT JOIN kpi_daily k ON k.store_id = $1 AND k.local_date = d.local_date
GROUP BY d.local_date
HAVING count(k.store_id) > 0 OR EXISTS (SELECT 1 FROM kpi_visitors_daily v WHERE v.store_id = $1 AND v.local_date = d.local_date)`,
}
