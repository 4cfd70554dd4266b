-- +goose Up
-- The fifth outcome class (DESIGN.md, "KPI definitions"): confirmed, a reviewed real concealment
-- that nobody intervened on, as a detection store's review finds it.
ALTER TABLE outcomes DROP CONSTRAINT outcomes_outcome_check;
ALTER TABLE outcomes ADD CONSTRAINT outcomes_outcome_check CHECK (outcome IN ('paid', 'nudged_paid',
    'blocked_recovered', 'intervened_recovered', 'walked_out', 'confirmed', 'false_positive', 'unresolved'));

-- Every event rollup gains the confirmed count, open_value (est_value of open events: est_loss
-- holds lost, confirmed and open value, and a read takes the open events' expected false share
-- out of it) and paid_value (what shoppers paid for unprompted, so recovered_value splits into
-- recovered_by_intervention and paid_unprompted). Rows of weeks that retention purged keep 0:
-- their open value stays counted whole, as it was.
ALTER TABLE kpi_hourly ADD COLUMN confirmed int NOT NULL DEFAULT 0, ADD COLUMN open_value numeric NOT NULL DEFAULT 0,
    ADD COLUMN paid_value numeric NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily ADD COLUMN confirmed int NOT NULL DEFAULT 0, ADD COLUMN open_value numeric NOT NULL DEFAULT 0,
    ADD COLUMN paid_value numeric NOT NULL DEFAULT 0;
ALTER TABLE kpi_weekly ADD COLUMN confirmed int NOT NULL DEFAULT 0, ADD COLUMN open_value numeric NOT NULL DEFAULT 0,
    ADD COLUMN paid_value numeric NOT NULL DEFAULT 0;
ALTER TABLE kpi_method_hourly ADD COLUMN confirmed int NOT NULL DEFAULT 0, ADD COLUMN open_value numeric NOT NULL DEFAULT 0,
    ADD COLUMN paid_value numeric NOT NULL DEFAULT 0;
ALTER TABLE kpi_method_daily ADD COLUMN confirmed int NOT NULL DEFAULT 0, ADD COLUMN open_value numeric NOT NULL DEFAULT 0,
    ADD COLUMN paid_value numeric NOT NULL DEFAULT 0;
ALTER TABLE kpi_method_weekly ADD COLUMN confirmed int NOT NULL DEFAULT 0, ADD COLUMN open_value numeric NOT NULL DEFAULT 0,
    ADD COLUMN paid_value numeric NOT NULL DEFAULT 0;
ALTER TABLE kpi_store_daily ADD COLUMN confirmed int NOT NULL DEFAULT 0, ADD COLUMN open_value numeric NOT NULL DEFAULT 0,
    ADD COLUMN paid_value numeric NOT NULL DEFAULT 0;
ALTER TABLE kpi_store_weekly ADD COLUMN confirmed int NOT NULL DEFAULT 0, ADD COLUMN open_value numeric NOT NULL DEFAULT 0,
    ADD COLUMN paid_value numeric NOT NULL DEFAULT 0;

-- kpi_estate records grow from twelve to fifteen int8: confirmed, open_value and paid_value in
-- cents go before the sketch end offset. Every row is rewritten from the store rows (purged weeks
-- included), then the refresh recomputes every hour that has facts.
DELETE FROM kpi_estate;
INSERT INTO kpi_estate (kind, start, figures, sketches)
SELECT k.kind, k.start, string_agg(int8send((k.store_id)::bigint) || int8send((k.events)::bigint) || int8send((k.est_loss * 100)::bigint) || int8send((k.recovered_value * 100)::bigint) || int8send((k.recovered)::bigint) || int8send((k.lost)::bigint) || int8send((k.false_positive)::bigint) || int8send((k.open)::bigint) || int8send((k.interventions)::bigint) || int8send((k.visitors)::bigint) || int8send((coalesce(k.sales * 100, -1))::bigint) || int8send((k.confirmed)::bigint) || int8send((k.open_value * 100)::bigint) || int8send((k.paid_value * 100)::bigint) || int8send((k.sketch_end)::bigint), ''::bytea ORDER BY k.store_id),
    string_agg(k.sketch, ''::bytea ORDER BY k.store_id)
FROM (
    SELECT 'day' AS kind, k.local_date AS start, k.store_id, k.detections, k.events, k.est_loss, k.recovered_value, k.concealed_value, k.recovered, k.lost, k.false_positive, k.open, k.paid, k.nudged_paid, k.blocked_recovered, k.intervened_recovered, k.unresolved, k.interventions, k.responded, k.confirmed, k.open_value, k.paid_value, k.visitors, k.sales, k.sketch,
        sum(length(k.sketch)) OVER (PARTITION BY k.local_date ORDER BY k.store_id) AS sketch_end
    FROM kpi_store_daily k WHERE true
    UNION ALL
    SELECT 'week', k.week, k.store_id, k.detections, k.events, k.est_loss, k.recovered_value, k.concealed_value, k.recovered, k.lost, k.false_positive, k.open, k.paid, k.nudged_paid, k.blocked_recovered, k.intervened_recovered, k.unresolved, k.interventions, k.responded, k.confirmed, k.open_value, k.paid_value, k.visitors, k.sales, k.sketch,
        sum(length(k.sketch)) OVER (PARTITION BY k.week ORDER BY k.store_id)
    FROM kpi_store_weekly k WHERE true) k
GROUP BY k.kind, k.start;
INSERT INTO kpi_dirty (store_id, hour) SELECT DISTINCT store_id, hour FROM kpi_hourly;

-- +goose Down
DELETE FROM outcomes WHERE outcome = 'confirmed';
ALTER TABLE outcomes DROP CONSTRAINT outcomes_outcome_check;
ALTER TABLE outcomes ADD CONSTRAINT outcomes_outcome_check CHECK (outcome IN ('paid', 'nudged_paid',
    'blocked_recovered', 'intervened_recovered', 'walked_out', 'false_positive', 'unresolved'));
ALTER TABLE kpi_hourly DROP COLUMN confirmed, DROP COLUMN open_value, DROP COLUMN paid_value;
ALTER TABLE kpi_daily DROP COLUMN confirmed, DROP COLUMN open_value, DROP COLUMN paid_value;
ALTER TABLE kpi_weekly DROP COLUMN confirmed, DROP COLUMN open_value, DROP COLUMN paid_value;
ALTER TABLE kpi_method_hourly DROP COLUMN confirmed, DROP COLUMN open_value, DROP COLUMN paid_value;
ALTER TABLE kpi_method_daily DROP COLUMN confirmed, DROP COLUMN open_value, DROP COLUMN paid_value;
ALTER TABLE kpi_method_weekly DROP COLUMN confirmed, DROP COLUMN open_value, DROP COLUMN paid_value;
ALTER TABLE kpi_store_daily DROP COLUMN confirmed, DROP COLUMN open_value, DROP COLUMN paid_value;
ALTER TABLE kpi_store_weekly DROP COLUMN confirmed, DROP COLUMN open_value, DROP COLUMN paid_value;
DELETE FROM kpi_estate;
INSERT INTO kpi_estate (kind, start, figures, sketches)
SELECT k.kind, k.start, string_agg(int8send((k.store_id)::bigint) || int8send((k.events)::bigint) || int8send((k.est_loss * 100)::bigint) || int8send((k.recovered_value * 100)::bigint) || int8send((k.recovered)::bigint) || int8send((k.lost)::bigint) || int8send((k.false_positive)::bigint) || int8send((k.open)::bigint) || int8send((k.interventions)::bigint) || int8send((k.visitors)::bigint) || int8send((coalesce(k.sales * 100, -1))::bigint) || int8send((k.sketch_end)::bigint), ''::bytea ORDER BY k.store_id),
    string_agg(k.sketch, ''::bytea ORDER BY k.store_id)
FROM (
    SELECT 'day' AS kind, k.local_date AS start, k.store_id, k.detections, k.events, k.est_loss, k.recovered_value, k.concealed_value, k.recovered, k.lost, k.false_positive, k.open, k.paid, k.nudged_paid, k.blocked_recovered, k.intervened_recovered, k.unresolved, k.interventions, k.responded, k.visitors, k.sales, k.sketch,
        sum(length(k.sketch)) OVER (PARTITION BY k.local_date ORDER BY k.store_id) AS sketch_end
    FROM kpi_store_daily k WHERE true
    UNION ALL
    SELECT 'week', k.week, k.store_id, k.detections, k.events, k.est_loss, k.recovered_value, k.concealed_value, k.recovered, k.lost, k.false_positive, k.open, k.paid, k.nudged_paid, k.blocked_recovered, k.intervened_recovered, k.unresolved, k.interventions, k.responded, k.visitors, k.sales, k.sketch,
        sum(length(k.sketch)) OVER (PARTITION BY k.week ORDER BY k.store_id)
    FROM kpi_store_weekly k WHERE true) k
GROUP BY k.kind, k.start;
INSERT INTO kpi_dirty (store_id, hour) SELECT DISTINCT store_id, hour FROM kpi_hourly;
