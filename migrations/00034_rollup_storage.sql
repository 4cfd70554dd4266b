-- +goose Up
-- Rollups at the grain their readers need (issue 28). On the 200-store benchmark estate the
-- hourly tables were 58 % of the rollups' bytes: a row per zone, category and hour holds about one
-- event, and a row per zone and hour of footfall holds one number.

-- Store-level hours: the store page's heatmap (by=hour_of_week), a store's or the estate's KPIs
-- over instants, the expected-loss basis and the coverage over instants read one row per store
-- and hour instead of one per zone and category.
CREATE TABLE kpi_store_hourly (
    store_id             bigint NOT NULL,
    hour                 timestamptz NOT NULL,
    local_date           date NOT NULL,
    how                  smallint NOT NULL,
    detections           int NOT NULL,
    events               int NOT NULL,
    est_loss             numeric NOT NULL,
    recovered_value      numeric NOT NULL,
    concealed_value      numeric NOT NULL,
    recovered            int NOT NULL,
    lost                 int NOT NULL,
    false_positive       int NOT NULL,
    open                 int NOT NULL,
    paid                 int NOT NULL,
    nudged_paid          int NOT NULL,
    blocked_recovered    int NOT NULL,
    intervened_recovered int NOT NULL,
    unresolved           int NOT NULL,
    interventions        int NOT NULL,
    responded            int NOT NULL,
    confirmed            int NOT NULL,
    open_value           numeric NOT NULL,
    paid_value           numeric NOT NULL,
    response             bigint[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (store_id, hour)
);
CREATE INDEX kpi_store_hourly_day ON kpi_store_hourly (store_id, local_date);

-- Filled from the method rows (sums, sketches merged bucket by bucket), not by a refresh, so the
-- hours of weeks whose raw facts retention purged keep their figures.
INSERT INTO kpi_store_hourly (store_id, hour, local_date, how, detections, events, est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded, confirmed, open_value, paid_value, response)
SELECT g.*, coalesce(r.response, '{}') FROM (
    SELECT store_id, hour, local_date, how, sum(detections), sum(events), sum(est_loss), sum(recovered_value), sum(concealed_value), sum(recovered), sum(lost), sum(false_positive), sum(open), sum(paid), sum(nudged_paid), sum(blocked_recovered), sum(intervened_recovered), sum(unresolved), sum(interventions), sum(responded), sum(confirmed), sum(open_value), sum(paid_value)
    FROM kpi_method_hourly GROUP BY store_id, hour, local_date, how) g
LEFT JOIN (
    SELECT store_id, hour, array_agg((b << 32) | n ORDER BY b) AS response FROM (
        SELECT store_id, hour, x >> 32 AS b, sum(x & 4294967295)::bigint AS n FROM kpi_method_hourly, unnest(response) x GROUP BY store_id, hour, b) q
    GROUP BY store_id, hour) r USING (store_id, hour);

-- The zone rows per hour go: the method rows per hour hold the same figures split by method, and
-- the few readers of zone hours (a zone or category cut over instants or by hour of week) sum
-- them. kpi_daily is now summed from kpi_method_daily.
DROP TABLE kpi_hourly;

-- Footfall per hour: one row per store, zone and local day, its hours in two arrays. minutes[i] is
-- the instant the i-th hour began, in minutes from 00:00 UTC of the row's local date (so any
-- offset, half-hour and 45-minute ones included, and both daylight-saving changes — a day of 23 or
-- 25 hours, the repeated hour twice with its own instant — need nothing special), visitors[i] its
-- count. Hours without footfall have no element.
CREATE TABLE kpi_visitors_hours (
    store_id   bigint NOT NULL,
    zone_id    bigint NOT NULL,
    local_date date NOT NULL,
    minutes    smallint[] NOT NULL,
    visitors   bigint[] NOT NULL,
    PRIMARY KEY (store_id, local_date, zone_id),
    CHECK (cardinality(minutes) = cardinality(visitors))
);
INSERT INTO kpi_visitors_hours (store_id, zone_id, local_date, minutes, visitors)
SELECT store_id, zone_id, local_date,
    array_agg((extract(epoch FROM hour)::bigint / 60 - (local_date - date '1970-01-01') * 1440)::smallint ORDER BY hour),
    array_agg(visitors ORDER BY hour)
FROM kpi_visitors_hourly GROUP BY store_id, zone_id, local_date;
DROP TABLE kpi_visitors_hourly;

-- The hours as rows again, for readers: the instant, the local date and the hour of week (Monday
-- 00:00 = 0) of each element. The join to stores is only made when how is read.
CREATE VIEW kpi_visitors_hourly AS
SELECT t.store_id, t.zone_id, h.hour, t.local_date,
    ((extract(isodow FROM t.local_date)::int - 1) * 24 + extract(hour FROM h.hour AT TIME ZONE s.timezone)::int)::smallint AS how,
    u.visitors
FROM kpi_visitors_hours t
CROSS JOIN LATERAL unnest(t.minutes, t.visitors) u(minute, visitors)
CROSS JOIN LATERAL (SELECT 'epoch'::timestamptz + ((t.local_date - date '1970-01-01') * 1440 + u.minute) * interval '1 minute' AS hour) h
LEFT JOIN stores s ON s.id = t.store_id;

-- Estate-wide reads (a grouping of every store: by category, method, hour of week, or over
-- instants) select rows by date, week or hour across stores; the keys lead with the store, so each
-- such read scanned its whole table (on the 200-store estate, by=method over 30 days read all of
-- kpi_method_daily: 5 s).
CREATE INDEX kpi_store_hourly_date ON kpi_store_hourly (local_date);
CREATE INDEX kpi_store_hourly_hour ON kpi_store_hourly (hour);
CREATE INDEX kpi_visitors_hours_date ON kpi_visitors_hours (local_date);
CREATE INDEX kpi_daily_date ON kpi_daily (local_date);
CREATE INDEX kpi_weekly_week ON kpi_weekly (week);
CREATE INDEX kpi_method_daily_date ON kpi_method_daily (local_date);
CREATE INDEX kpi_method_weekly_week ON kpi_method_weekly (week);
CREATE INDEX kpi_visitors_daily_date ON kpi_visitors_daily (local_date);
CREATE INDEX kpi_visitors_weekly_week ON kpi_visitors_weekly (week);

-- The dirty log is appended to and deleted from in chunks, never updated: vacuum it by the count
-- of dead rows, not a share of a table that is small between refreshes, and after inserts too, so
-- that its pages are reused instead of the table and its indexes growing.
ALTER TABLE kpi_dirty SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000,
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000);

-- +goose Down
DROP INDEX kpi_visitors_weekly_week, kpi_visitors_daily_date, kpi_method_weekly_week, kpi_method_daily_date, kpi_weekly_week, kpi_daily_date;
ALTER TABLE kpi_dirty RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
    autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_insert_threshold);
DROP VIEW kpi_visitors_hourly;
CREATE TABLE kpi_visitors_hourly (
    store_id   bigint NOT NULL,
    zone_id    bigint NOT NULL,
    hour       timestamptz NOT NULL,
    local_date date NOT NULL,
    how        smallint NOT NULL,
    visitors   bigint NOT NULL,
    PRIMARY KEY (store_id, hour, zone_id)
);
CREATE INDEX kpi_visitors_hourly_day ON kpi_visitors_hourly (store_id, local_date);
INSERT INTO kpi_visitors_hourly (store_id, zone_id, hour, local_date, how, visitors)
SELECT t.store_id, t.zone_id, h.hour, t.local_date,
    ((extract(isodow FROM t.local_date)::int - 1) * 24 + extract(hour FROM h.hour AT TIME ZONE s.timezone)::int)::smallint,
    u.visitors
FROM kpi_visitors_hours t JOIN stores s ON s.id = t.store_id
CROSS JOIN LATERAL unnest(t.minutes, t.visitors) u(minute, visitors)
CROSS JOIN LATERAL (SELECT 'epoch'::timestamptz + ((t.local_date - date '1970-01-01') * 1440 + u.minute) * interval '1 minute' AS hour) h;
DROP TABLE kpi_visitors_hours;

CREATE TABLE kpi_hourly (LIKE kpi_method_hourly INCLUDING DEFAULTS);
ALTER TABLE kpi_hourly DROP COLUMN method, ADD PRIMARY KEY (store_id, hour, zone_id, category);
CREATE INDEX kpi_hourly_day ON kpi_hourly (store_id, local_date);
INSERT INTO kpi_hourly (store_id, zone_id, category, hour, local_date, how, detections, events, est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded, confirmed, open_value, paid_value, response)
SELECT g.*, coalesce(r.response, '{}') FROM (
    SELECT store_id, zone_id, category, hour, local_date, how, sum(detections), sum(events), sum(est_loss), sum(recovered_value), sum(concealed_value), sum(recovered), sum(lost), sum(false_positive), sum(open), sum(paid), sum(nudged_paid), sum(blocked_recovered), sum(intervened_recovered), sum(unresolved), sum(interventions), sum(responded), sum(confirmed), sum(open_value), sum(paid_value)
    FROM kpi_method_hourly GROUP BY store_id, zone_id, category, hour, local_date, how) g
LEFT JOIN (
    SELECT store_id, zone_id, category, hour, array_agg((b << 32) | n ORDER BY b) AS response FROM (
        SELECT store_id, zone_id, category, hour, x >> 32 AS b, sum(x & 4294967295)::bigint AS n FROM kpi_method_hourly, unnest(response) x GROUP BY store_id, zone_id, category, hour, b) q
    GROUP BY store_id, zone_id, category, hour) r USING (store_id, zone_id, category, hour);
DROP TABLE kpi_store_hourly;
