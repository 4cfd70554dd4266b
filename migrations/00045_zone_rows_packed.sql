-- +goose Up
-- The zone rows per day and week packed into one row per store and day or week, split by method
-- only (issue 28), as 00038 packed the method hours. kpi_method_daily, kpi_daily,
-- kpi_method_weekly and kpi_weekly held a row per store, zone, category (and method) and day or
-- week — about 0.4 rows per event for kpi_method_daily — with 19 figures, a response sketch, a
-- primary key and a date index: 115 + 44 + 40 + 10 = 209 bytes per event at 2,000 stores × 91
-- days (docs/BENCHMARKS.md), the largest rollups after 00038.
--
-- A row of kpi_method_days holds a store-day's cells, one per zone, category and method with
-- events, ordered by (zone, category, method), as one array per column, element i of each being
-- cell i: zone_ids, categories and methods the cell's key; one array per figure (figureColumns'
-- order), money in minor units (kpi_cents); responses the cell's response sketch as the text of
-- its bigint[]. kpi_method_weeks holds a store-week's the same way, keyed by the week's Monday.
-- A CHECK holds every array to one element per cell. Rows longer than TOAST's threshold (about
-- 2 kB: most weeks, some days) are compressed.
--
-- kpi_daily and kpi_weekly go: each of their rows was the sum of its zone and category's method
-- rows, which the readers of zone rows now sum (a store's 90 days by zone read some 3,000 cells
-- instead of 1,000; measured in docs/BENCHMARKS.md). Packed, they would have cost 34 bytes per
-- event more: rows of a dozen cells stay under the threshold, uncompressed.
--
-- Readers keep reading kpi_method_daily and kpi_method_weekly, now views that unpack the rows
-- their conditions on store_id and local_date (week) select; the refresh packs a day or week in
-- the statement that computes it (kpi/rollup_sql.go, zoneRollup). The rows are converted in
-- place: the days and weeks whose facts retention purged keep their figures.
CREATE TABLE kpi_method_days (
    store_id             bigint NOT NULL,
    local_date           date NOT NULL,
    zone_ids             bigint[] NOT NULL,
    categories           text[] NOT NULL,
    methods              text[] NOT NULL,
    detections           int[] NOT NULL,
    events               int[] NOT NULL,
    est_loss             bigint[] NOT NULL,
    recovered_value      bigint[] NOT NULL,
    concealed_value      bigint[] NOT NULL,
    recovered            int[] NOT NULL,
    lost                 int[] NOT NULL,
    false_positive       int[] NOT NULL,
    open                 int[] NOT NULL,
    paid                 int[] NOT NULL,
    nudged_paid          int[] NOT NULL,
    blocked_recovered    int[] NOT NULL,
    intervened_recovered int[] NOT NULL,
    unresolved           int[] NOT NULL,
    interventions        int[] NOT NULL,
    responded            int[] NOT NULL,
    confirmed            int[] NOT NULL,
    open_value           bigint[] NOT NULL,
    paid_value           bigint[] NOT NULL,
    responses            text[] NOT NULL,
    PRIMARY KEY (store_id, local_date),
    -- Every array holds one element per cell.
    CHECK (cardinality(zone_ids) = ALL (ARRAY[
        cardinality(categories), cardinality(methods), cardinality(detections),
        cardinality(events), cardinality(est_loss), cardinality(recovered_value),
        cardinality(concealed_value), cardinality(recovered), cardinality(lost),
        cardinality(false_positive), cardinality(open), cardinality(paid),
        cardinality(nudged_paid), cardinality(blocked_recovered),
        cardinality(intervened_recovered), cardinality(unresolved), cardinality(interventions),
        cardinality(responded), cardinality(confirmed), cardinality(open_value),
        cardinality(paid_value), cardinality(responses)]))
);
CREATE INDEX kpi_method_days_date ON kpi_method_days (local_date);
INSERT INTO kpi_method_days (store_id, local_date, zone_ids, categories, methods, detections, events, est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded, confirmed, open_value, paid_value, responses)
SELECT store_id, local_date,
    array_agg(zone_id ORDER BY zone_id, category, method),
    array_agg(category ORDER BY zone_id, category, method),
    array_agg(method ORDER BY zone_id, category, method),
    array_agg(detections ORDER BY zone_id, category, method),
    array_agg(events ORDER BY zone_id, category, method),
    array_agg(kpi_cents(est_loss) ORDER BY zone_id, category, method),
    array_agg(kpi_cents(recovered_value) ORDER BY zone_id, category, method),
    array_agg(kpi_cents(concealed_value) ORDER BY zone_id, category, method),
    array_agg(recovered ORDER BY zone_id, category, method),
    array_agg(lost ORDER BY zone_id, category, method),
    array_agg(false_positive ORDER BY zone_id, category, method),
    array_agg(open ORDER BY zone_id, category, method),
    array_agg(paid ORDER BY zone_id, category, method),
    array_agg(nudged_paid ORDER BY zone_id, category, method),
    array_agg(blocked_recovered ORDER BY zone_id, category, method),
    array_agg(intervened_recovered ORDER BY zone_id, category, method),
    array_agg(unresolved ORDER BY zone_id, category, method),
    array_agg(interventions ORDER BY zone_id, category, method),
    array_agg(responded ORDER BY zone_id, category, method),
    array_agg(confirmed ORDER BY zone_id, category, method),
    array_agg(kpi_cents(open_value) ORDER BY zone_id, category, method),
    array_agg(kpi_cents(paid_value) ORDER BY zone_id, category, method),
    array_agg(response::text ORDER BY zone_id, category, method)
FROM kpi_method_daily GROUP BY store_id, local_date;
DROP TABLE kpi_method_daily;

CREATE TABLE kpi_method_weeks (
    store_id             bigint NOT NULL,
    week                 date NOT NULL,
    zone_ids             bigint[] NOT NULL,
    categories           text[] NOT NULL,
    methods              text[] NOT NULL,
    detections           int[] NOT NULL,
    events               int[] NOT NULL,
    est_loss             bigint[] NOT NULL,
    recovered_value      bigint[] NOT NULL,
    concealed_value      bigint[] NOT NULL,
    recovered            int[] NOT NULL,
    lost                 int[] NOT NULL,
    false_positive       int[] NOT NULL,
    open                 int[] NOT NULL,
    paid                 int[] NOT NULL,
    nudged_paid          int[] NOT NULL,
    blocked_recovered    int[] NOT NULL,
    intervened_recovered int[] NOT NULL,
    unresolved           int[] NOT NULL,
    interventions        int[] NOT NULL,
    responded            int[] NOT NULL,
    confirmed            int[] NOT NULL,
    open_value           bigint[] NOT NULL,
    paid_value           bigint[] NOT NULL,
    responses            text[] NOT NULL,
    PRIMARY KEY (store_id, week),
    -- Every array holds one element per cell.
    CHECK (cardinality(zone_ids) = ALL (ARRAY[
        cardinality(categories), cardinality(methods), cardinality(detections),
        cardinality(events), cardinality(est_loss), cardinality(recovered_value),
        cardinality(concealed_value), cardinality(recovered), cardinality(lost),
        cardinality(false_positive), cardinality(open), cardinality(paid),
        cardinality(nudged_paid), cardinality(blocked_recovered),
        cardinality(intervened_recovered), cardinality(unresolved), cardinality(interventions),
        cardinality(responded), cardinality(confirmed), cardinality(open_value),
        cardinality(paid_value), cardinality(responses)]))
);
CREATE INDEX kpi_method_weeks_week ON kpi_method_weeks (week);
INSERT INTO kpi_method_weeks (store_id, week, zone_ids, categories, methods, detections, events, est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded, confirmed, open_value, paid_value, responses)
SELECT store_id, week,
    array_agg(zone_id ORDER BY zone_id, category, method),
    array_agg(category ORDER BY zone_id, category, method),
    array_agg(method ORDER BY zone_id, category, method),
    array_agg(detections ORDER BY zone_id, category, method),
    array_agg(events ORDER BY zone_id, category, method),
    array_agg(kpi_cents(est_loss) ORDER BY zone_id, category, method),
    array_agg(kpi_cents(recovered_value) ORDER BY zone_id, category, method),
    array_agg(kpi_cents(concealed_value) ORDER BY zone_id, category, method),
    array_agg(recovered ORDER BY zone_id, category, method),
    array_agg(lost ORDER BY zone_id, category, method),
    array_agg(false_positive ORDER BY zone_id, category, method),
    array_agg(open ORDER BY zone_id, category, method),
    array_agg(paid ORDER BY zone_id, category, method),
    array_agg(nudged_paid ORDER BY zone_id, category, method),
    array_agg(blocked_recovered ORDER BY zone_id, category, method),
    array_agg(intervened_recovered ORDER BY zone_id, category, method),
    array_agg(unresolved ORDER BY zone_id, category, method),
    array_agg(interventions ORDER BY zone_id, category, method),
    array_agg(responded ORDER BY zone_id, category, method),
    array_agg(confirmed ORDER BY zone_id, category, method),
    array_agg(kpi_cents(open_value) ORDER BY zone_id, category, method),
    array_agg(kpi_cents(paid_value) ORDER BY zone_id, category, method),
    array_agg(response::text ORDER BY zone_id, category, method)
FROM kpi_method_weekly GROUP BY store_id, week;
DROP TABLE kpi_method_weekly;

-- The zone rows without the method: each is the sum of its method rows, which readers now sum.
DROP TABLE kpi_daily, kpi_weekly;

CREATE VIEW kpi_method_daily AS
SELECT t.store_id,
    u.zone_id,
    u.category,
    t.local_date,
    u.detections,
    u.events,
    CASE WHEN u.est_loss = 0 THEN 0 ELSE u.est_loss * 0.01 END AS est_loss,
    CASE WHEN u.recovered_value = 0 THEN 0 ELSE u.recovered_value * 0.01 END AS recovered_value,
    CASE WHEN u.concealed_value = 0 THEN 0 ELSE u.concealed_value * 0.01 END AS concealed_value,
    u.recovered,
    u.lost,
    u.false_positive,
    u.open,
    u.paid,
    u.nudged_paid,
    u.blocked_recovered,
    u.intervened_recovered,
    u.unresolved,
    u.interventions,
    u.responded,
    u.response::bigint[] AS response,
    u.method,
    u.confirmed,
    CASE WHEN u.open_value = 0 THEN 0 ELSE u.open_value * 0.01 END AS open_value,
    CASE WHEN u.paid_value = 0 THEN 0 ELSE u.paid_value * 0.01 END AS paid_value
FROM kpi_method_days t
CROSS JOIN LATERAL unnest(t.zone_ids, t.categories, t.methods, t.detections, t.events, t.est_loss, t.recovered_value, t.concealed_value, t.recovered, t.lost, t.false_positive, t.open, t.paid, t.nudged_paid, t.blocked_recovered, t.intervened_recovered, t.unresolved, t.interventions, t.responded, t.confirmed, t.open_value, t.paid_value, t.responses)
    u(zone_id, category, method, detections, events, est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded, confirmed, open_value, paid_value, response);

CREATE VIEW kpi_method_weekly AS
SELECT t.store_id,
    u.zone_id,
    u.category,
    t.week,
    u.detections,
    u.events,
    CASE WHEN u.est_loss = 0 THEN 0 ELSE u.est_loss * 0.01 END AS est_loss,
    CASE WHEN u.recovered_value = 0 THEN 0 ELSE u.recovered_value * 0.01 END AS recovered_value,
    CASE WHEN u.concealed_value = 0 THEN 0 ELSE u.concealed_value * 0.01 END AS concealed_value,
    u.recovered,
    u.lost,
    u.false_positive,
    u.open,
    u.paid,
    u.nudged_paid,
    u.blocked_recovered,
    u.intervened_recovered,
    u.unresolved,
    u.interventions,
    u.responded,
    u.response::bigint[] AS response,
    u.method,
    u.confirmed,
    CASE WHEN u.open_value = 0 THEN 0 ELSE u.open_value * 0.01 END AS open_value,
    CASE WHEN u.paid_value = 0 THEN 0 ELSE u.paid_value * 0.01 END AS paid_value
FROM kpi_method_weeks t
CROSS JOIN LATERAL unnest(t.zone_ids, t.categories, t.methods, t.detections, t.events, t.est_loss, t.recovered_value, t.concealed_value, t.recovered, t.lost, t.false_positive, t.open, t.paid, t.nudged_paid, t.blocked_recovered, t.intervened_recovered, t.unresolved, t.interventions, t.responded, t.confirmed, t.open_value, t.paid_value, t.responses)
    u(zone_id, category, method, detections, events, est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded, confirmed, open_value, paid_value, response);

-- +goose Down
-- The method rows again, built beside the views (which read the packed tables) and renamed into
-- place; then the zone rows summed from them.
CREATE TABLE kpi_method_daily_rows (
    store_id             bigint NOT NULL,
    zone_id              bigint NOT NULL,
    category             text NOT NULL,
    local_date           date NOT NULL,
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
    response             bigint[] NOT NULL DEFAULT '{}',
    method               text NOT NULL DEFAULT 'unknown',
    confirmed            int NOT NULL DEFAULT 0,
    open_value           numeric NOT NULL DEFAULT 0,
    paid_value           numeric NOT NULL DEFAULT 0
);
INSERT INTO kpi_method_daily_rows SELECT * FROM kpi_method_daily;
DROP VIEW kpi_method_daily;
DROP TABLE kpi_method_days;
ALTER TABLE kpi_method_daily_rows RENAME TO kpi_method_daily;
ALTER TABLE kpi_method_daily ADD CONSTRAINT kpi_method_daily_pkey PRIMARY KEY (store_id, local_date, zone_id, category, method);
CREATE INDEX kpi_method_daily_date ON kpi_method_daily (local_date);

CREATE TABLE kpi_method_weekly_rows (
    store_id             bigint NOT NULL,
    zone_id              bigint NOT NULL,
    category             text NOT NULL,
    week                 date NOT NULL,
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
    response             bigint[] NOT NULL DEFAULT '{}',
    method               text NOT NULL DEFAULT 'unknown',
    confirmed            int NOT NULL DEFAULT 0,
    open_value           numeric NOT NULL DEFAULT 0,
    paid_value           numeric NOT NULL DEFAULT 0
);
INSERT INTO kpi_method_weekly_rows SELECT * FROM kpi_method_weekly;
DROP VIEW kpi_method_weekly;
DROP TABLE kpi_method_weeks;
ALTER TABLE kpi_method_weekly_rows RENAME TO kpi_method_weekly;
ALTER TABLE kpi_method_weekly ADD CONSTRAINT kpi_method_weekly_pkey PRIMARY KEY (store_id, week, zone_id, category, method);
CREATE INDEX kpi_method_weekly_week ON kpi_method_weekly (week);

-- The zone rows again, summed from the method rows with their sketches merged.
CREATE TABLE kpi_daily (
    store_id             bigint NOT NULL,
    zone_id              bigint NOT NULL,
    category             text NOT NULL,
    local_date           date NOT NULL,
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
    response             bigint[] NOT NULL DEFAULT '{}',
    confirmed            int NOT NULL DEFAULT 0,
    open_value           numeric NOT NULL DEFAULT 0,
    paid_value           numeric NOT NULL DEFAULT 0
);
INSERT INTO kpi_daily (store_id, zone_id, category, local_date, detections, events, est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded, confirmed, open_value, paid_value, response)
SELECT g.*, coalesce(r.response, '{}') FROM (
    SELECT store_id, zone_id, category, local_date, sum(detections), sum(events), sum(est_loss), sum(recovered_value), sum(concealed_value), sum(recovered), sum(lost), sum(false_positive), sum(open), sum(paid), sum(nudged_paid), sum(blocked_recovered), sum(intervened_recovered), sum(unresolved), sum(interventions), sum(responded), sum(confirmed), sum(open_value), sum(paid_value)
    FROM kpi_method_daily GROUP BY store_id, zone_id, category, local_date) g
LEFT JOIN (SELECT store_id, zone_id, category, local_date, array_agg((b << 32) | n ORDER BY b) AS response FROM (
        SELECT store_id, zone_id, category, local_date, x >> 32 AS b, sum(x & 4294967295)::bigint AS n FROM kpi_method_daily, unnest(response) x GROUP BY store_id, zone_id, category, local_date, b) q
    GROUP BY store_id, zone_id, category, local_date) r USING (store_id, zone_id, category, local_date);
ALTER TABLE kpi_daily ADD CONSTRAINT kpi_daily_pkey PRIMARY KEY (store_id, local_date, zone_id, category);
CREATE INDEX kpi_daily_date ON kpi_daily (local_date);

CREATE TABLE kpi_weekly (
    store_id             bigint NOT NULL,
    zone_id              bigint NOT NULL,
    category             text NOT NULL,
    week                 date NOT NULL,
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
    response             bigint[] NOT NULL DEFAULT '{}',
    confirmed            int NOT NULL DEFAULT 0,
    open_value           numeric NOT NULL DEFAULT 0,
    paid_value           numeric NOT NULL DEFAULT 0
);
INSERT INTO kpi_weekly (store_id, zone_id, category, week, detections, events, est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered, intervened_recovered, unresolved, interventions, responded, confirmed, open_value, paid_value, response)
SELECT g.*, coalesce(r.response, '{}') FROM (
    SELECT store_id, zone_id, category, week, sum(detections), sum(events), sum(est_loss), sum(recovered_value), sum(concealed_value), sum(recovered), sum(lost), sum(false_positive), sum(open), sum(paid), sum(nudged_paid), sum(blocked_recovered), sum(intervened_recovered), sum(unresolved), sum(interventions), sum(responded), sum(confirmed), sum(open_value), sum(paid_value)
    FROM kpi_method_weekly GROUP BY store_id, zone_id, category, week) g
LEFT JOIN (SELECT store_id, zone_id, category, week, array_agg((b << 32) | n ORDER BY b) AS response FROM (
        SELECT store_id, zone_id, category, week, x >> 32 AS b, sum(x & 4294967295)::bigint AS n FROM kpi_method_weekly, unnest(response) x GROUP BY store_id, zone_id, category, week, b) q
    GROUP BY store_id, zone_id, category, week) r USING (store_id, zone_id, category, week);
ALTER TABLE kpi_weekly ADD CONSTRAINT kpi_weekly_pkey PRIMARY KEY (store_id, week, zone_id, category);
CREATE INDEX kpi_weekly_week ON kpi_weekly (week);
