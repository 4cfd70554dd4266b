-- +goose Up
-- KPIs by method move to tables of their own. Splitting the zone rows of kpi_hourly, kpi_daily and
-- kpi_weekly by method (00006) multiplied the rows every zone, category and hour-of-week read
-- scans — on the 200-store benchmark estate kpi_daily grew 2.7x and kpi_weekly 4.9x, and the
-- store-by-zone request lost half its lead over raw events. The method tables hold the full split;
-- the zone tables go back to one row per zone and category, summed over methods.
CREATE TABLE kpi_method_hourly (LIKE kpi_hourly INCLUDING DEFAULTS);
ALTER TABLE kpi_method_hourly ADD PRIMARY KEY (store_id, hour, zone_id, category, method);
CREATE INDEX kpi_method_hourly_day ON kpi_method_hourly (store_id, local_date);
CREATE TABLE kpi_method_daily (LIKE kpi_daily INCLUDING DEFAULTS);
ALTER TABLE kpi_method_daily ADD PRIMARY KEY (store_id, local_date, zone_id, category, method);
CREATE TABLE kpi_method_weekly (LIKE kpi_weekly INCLUDING DEFAULTS);
ALTER TABLE kpi_method_weekly ADD PRIMARY KEY (store_id, week, zone_id, category, method);
INSERT INTO kpi_method_hourly SELECT * FROM kpi_hourly;
INSERT INTO kpi_method_daily SELECT * FROM kpi_daily;
INSERT INTO kpi_method_weekly SELECT * FROM kpi_weekly;

-- The zone tables are refilled here from the method rows (sums, and sketches merged bucket by
-- bucket), not by a refresh: the rollups of weeks whose raw facts retention purged survive too.
TRUNCATE kpi_hourly, kpi_daily, kpi_weekly;
ALTER TABLE kpi_hourly DROP CONSTRAINT kpi_hourly_pkey, DROP COLUMN method, ADD PRIMARY KEY (store_id, hour, zone_id, category);
ALTER TABLE kpi_daily DROP CONSTRAINT kpi_daily_pkey, DROP COLUMN method, ADD PRIMARY KEY (store_id, local_date, zone_id, category);
ALTER TABLE kpi_weekly DROP CONSTRAINT kpi_weekly_pkey, DROP COLUMN method, ADD PRIMARY KEY (store_id, week, zone_id, category);
INSERT INTO kpi_hourly (store_id, zone_id, category, hour, local_date, how, detections, events, est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded, response)
SELECT g.*, coalesce(r.response, '{}') FROM (
    SELECT store_id, zone_id, category, hour, local_date, how, sum(detections), sum(events), sum(est_loss), sum(recovered_value), sum(concealed_value), sum(recovered), sum(lost), sum(false_positive), sum(open), sum(paid), sum(nudged_paid), sum(blocked_recovered), sum(intervened_recovered), sum(unresolved), sum(interventions), sum(responded) FROM kpi_method_hourly GROUP BY store_id, zone_id, category, hour, local_date, how) g
LEFT JOIN (
    SELECT store_id, zone_id, category, hour, local_date, how, array_agg((b << 32) | n ORDER BY b) AS response FROM (
        SELECT store_id, zone_id, category, hour, local_date, how, x >> 32 AS b, sum(x & 4294967295)::bigint AS n FROM kpi_method_hourly, unnest(response) x GROUP BY store_id, zone_id, category, hour, local_date, how, b) q
    GROUP BY store_id, zone_id, category, hour, local_date, how) r USING (store_id, zone_id, category, hour, local_date, how);
INSERT INTO kpi_daily (store_id, zone_id, category, local_date, detections, events, est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded, response)
SELECT g.*, coalesce(r.response, '{}') FROM (
    SELECT store_id, zone_id, category, local_date, sum(detections), sum(events), sum(est_loss), sum(recovered_value), sum(concealed_value), sum(recovered), sum(lost), sum(false_positive), sum(open), sum(paid), sum(nudged_paid), sum(blocked_recovered), sum(intervened_recovered), sum(unresolved), sum(interventions), sum(responded) FROM kpi_method_daily GROUP BY store_id, zone_id, category, local_date) g
LEFT JOIN (
    SELECT store_id, zone_id, category, local_date, array_agg((b << 32) | n ORDER BY b) AS response FROM (
        SELECT store_id, zone_id, category, local_date, x >> 32 AS b, sum(x & 4294967295)::bigint AS n FROM kpi_method_daily, unnest(response) x GROUP BY store_id, zone_id, category, local_date, b) q
    GROUP BY store_id, zone_id, category, local_date) r USING (store_id, zone_id, category, local_date);
INSERT INTO kpi_weekly (store_id, zone_id, category, week, detections, events, est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded, response)
SELECT g.*, coalesce(r.response, '{}') FROM (
    SELECT store_id, zone_id, category, week, sum(detections), sum(events), sum(est_loss), sum(recovered_value), sum(concealed_value), sum(recovered), sum(lost), sum(false_positive), sum(open), sum(paid), sum(nudged_paid), sum(blocked_recovered), sum(intervened_recovered), sum(unresolved), sum(interventions), sum(responded) FROM kpi_method_weekly GROUP BY store_id, zone_id, category, week) g
LEFT JOIN (
    SELECT store_id, zone_id, category, week, array_agg((b << 32) | n ORDER BY b) AS response FROM (
        SELECT store_id, zone_id, category, week, x >> 32 AS b, sum(x & 4294967295)::bigint AS n FROM kpi_method_weekly, unnest(response) x GROUP BY store_id, zone_id, category, week, b) q
    GROUP BY store_id, zone_id, category, week) r USING (store_id, zone_id, category, week);

-- +goose Down
TRUNCATE kpi_hourly, kpi_daily, kpi_weekly;
ALTER TABLE kpi_hourly ADD COLUMN method text NOT NULL DEFAULT 'unknown';
ALTER TABLE kpi_hourly DROP CONSTRAINT kpi_hourly_pkey, ADD PRIMARY KEY (store_id, hour, zone_id, category, method);
ALTER TABLE kpi_daily ADD COLUMN method text NOT NULL DEFAULT 'unknown';
ALTER TABLE kpi_daily DROP CONSTRAINT kpi_daily_pkey, ADD PRIMARY KEY (store_id, local_date, zone_id, category, method);
ALTER TABLE kpi_weekly ADD COLUMN method text NOT NULL DEFAULT 'unknown';
ALTER TABLE kpi_weekly DROP CONSTRAINT kpi_weekly_pkey, ADD PRIMARY KEY (store_id, week, zone_id, category, method);
INSERT INTO kpi_hourly SELECT * FROM kpi_method_hourly;
INSERT INTO kpi_daily SELECT * FROM kpi_method_daily;
INSERT INTO kpi_weekly SELECT * FROM kpi_method_weekly;
DROP TABLE kpi_method_weekly, kpi_method_daily, kpi_method_hourly;
