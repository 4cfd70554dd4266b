-- +goose Up
-- The zone, category and method figures per hour packed into one row per store and local day
-- (issue 28). kpi_method_hourly held a row per store, zone, category, method and hour — about one
-- event each — with 19 figures, a response sketch and two indexes: 246 bytes per event on the
-- 100-store benchmark estate, the largest rollup.
--
-- A row of kpi_method_hours holds the day's cells (one per hour, zone, category and method with
-- events), ordered by (minute, zone, category, method), as one array per column, element i of
-- each being cell i:
--   minutes     the cell's hour instant in minutes from 00:00 UTC of the local date, as
--               kpi_visitors_hours keeps it: a 23- or 25-hour day, the repeated autumn hour
--               (two cells with their own instants) and half-hour or 45-minute offsets need
--               nothing special;
--   zone_ids, categories, methods: the cell's key;
--   one array per figure (figureColumns' order), money in minor units (whole cents: every
--   amount is a sum of numeric(12, 2) values);
--   responses   the cell's response sketch as the text of its bigint[] ('{}' for none).
-- Arrays of a day's 60-80 cells of mostly 0 and 1 are compressed by TOAST; readers unnest them in
-- one C call. A bytea of varints was measured first (docs/BENCHMARKS.md, "Packed method hours"):
-- 17 instead of 36 bytes per event, but decoding it in PL/pgSQL cost ~30 ms a store-day on this
-- machine, twenty times the arrays' unnest, and cuts over hours read up to 180 days.
--
-- The migration converts the rows in place (the hours of weeks whose facts retention purged keep
-- their figures, as in 00034); the refresh packs a day in the statement that computes it
-- (kpi/method_hours.go), and readers keep reading kpi_method_hourly, now a view that unpacks the
-- days their conditions on store_id and local_date select.

-- kpi_cents is an amount in minor units, refused unless whole.
-- +goose StatementBegin
CREATE FUNCTION kpi_cents(x numeric) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    IF x * 100 <> trunc(x * 100) THEN
        RAISE EXCEPTION 'kpi_cents: % is not whole minor units', x;
    END IF;
    RETURN (x * 100)::bigint;
END
$$;
-- +goose StatementEnd

CREATE TABLE kpi_method_hours (
    store_id             bigint NOT NULL,
    local_date           date NOT NULL,
    minutes              smallint[] NOT NULL,
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
    CHECK (cardinality(zone_ids) = cardinality(minutes) AND cardinality(categories) = cardinality(minutes)
        AND cardinality(methods) = cardinality(minutes) AND cardinality(detections) = cardinality(minutes)
        AND cardinality(paid_value) = cardinality(minutes) AND cardinality(responses) = cardinality(minutes))
);
-- Estate-wide cuts over hours select days across stores.
CREATE INDEX kpi_method_hours_date ON kpi_method_hours (local_date);

-- Filled from the rows before it, not by a refresh: the hours of weeks whose facts retention
-- purged keep their figures. The refresh packs a day the same way (kpi/method_hours.go).
INSERT INTO kpi_method_hours (store_id, local_date, minutes, zone_ids, categories, methods, detections, events, est_loss,
    recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid,
    blocked_recovered, intervened_recovered, unresolved, interventions, responded, confirmed,
    open_value, paid_value, responses)
SELECT store_id, local_date,
    array_agg(minute ORDER BY minute, zone_id, category, method),
    array_agg(zone_id ORDER BY minute, zone_id, category, method),
    array_agg(category ORDER BY minute, zone_id, category, method),
    array_agg(method ORDER BY minute, zone_id, category, method),
    array_agg(detections ORDER BY minute, zone_id, category, method),
    array_agg(events ORDER BY minute, zone_id, category, method),
    array_agg(kpi_cents(est_loss) ORDER BY minute, zone_id, category, method),
    array_agg(kpi_cents(recovered_value) ORDER BY minute, zone_id, category, method),
    array_agg(kpi_cents(concealed_value) ORDER BY minute, zone_id, category, method),
    array_agg(recovered ORDER BY minute, zone_id, category, method),
    array_agg(lost ORDER BY minute, zone_id, category, method),
    array_agg(false_positive ORDER BY minute, zone_id, category, method),
    array_agg(open ORDER BY minute, zone_id, category, method),
    array_agg(paid ORDER BY minute, zone_id, category, method),
    array_agg(nudged_paid ORDER BY minute, zone_id, category, method),
    array_agg(blocked_recovered ORDER BY minute, zone_id, category, method),
    array_agg(intervened_recovered ORDER BY minute, zone_id, category, method),
    array_agg(unresolved ORDER BY minute, zone_id, category, method),
    array_agg(interventions ORDER BY minute, zone_id, category, method),
    array_agg(responded ORDER BY minute, zone_id, category, method),
    array_agg(confirmed ORDER BY minute, zone_id, category, method),
    array_agg(kpi_cents(open_value) ORDER BY minute, zone_id, category, method),
    array_agg(kpi_cents(paid_value) ORDER BY minute, zone_id, category, method),
    array_agg(response::text ORDER BY minute, zone_id, category, method)
FROM (SELECT k.*, (extract(epoch FROM k.hour)::bigint / 60 - (k.local_date - date '1970-01-01') * 1440)::smallint AS minute
    FROM kpi_method_hourly k) c
GROUP BY store_id, local_date;

DROP TABLE kpi_method_hourly;

-- The cells as rows again, for readers: what kpi_method_hourly held. Conditions on store_id and
-- local_date select the days to unpack; readers of hours bound the local dates (a day either side
-- of the UTC dates) so that only those days are unpacked. The join to stores is only made when
-- how is read.
CREATE VIEW kpi_method_hourly AS
SELECT t.store_id, u.zone_id, u.category, h.hour, t.local_date,
    ((extract(isodow FROM t.local_date)::int - 1) * 24 + extract(hour FROM h.hour AT TIME ZONE s.timezone)::int)::smallint AS how,
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
    u.response::bigint[] AS response, u.method, u.confirmed,
    CASE WHEN u.open_value = 0 THEN 0 ELSE u.open_value * 0.01 END AS open_value,
    CASE WHEN u.paid_value = 0 THEN 0 ELSE u.paid_value * 0.01 END AS paid_value
FROM kpi_method_hours t
CROSS JOIN LATERAL unnest(t.minutes, t.zone_ids, t.categories, t.methods, t.detections, t.events, t.est_loss,
        t.recovered_value, t.concealed_value, t.recovered, t.lost, t.false_positive, t.open, t.paid,
        t.nudged_paid, t.blocked_recovered, t.intervened_recovered, t.unresolved, t.interventions,
        t.responded, t.confirmed, t.open_value, t.paid_value, t.responses)
    u(minute, zone_id, category, method, detections, events, est_loss, recovered_value,
        concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered,
        intervened_recovered, unresolved, interventions, responded, confirmed, open_value,
        paid_value, response)
CROSS JOIN LATERAL (SELECT 'epoch'::timestamptz + ((t.local_date - date '1970-01-01') * 1440 + u.minute) * interval '1 minute' AS hour) h
LEFT JOIN stores s ON s.id = t.store_id;

-- +goose Down
-- The rows again, built beside the view (which reads the packed table) and renamed into place.
CREATE TABLE kpi_method_hourly_rows (
    store_id             bigint NOT NULL,
    zone_id              bigint NOT NULL,
    category             text NOT NULL,
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
    response             bigint[] NOT NULL DEFAULT '{}',
    method               text NOT NULL DEFAULT 'unknown',
    confirmed            int NOT NULL DEFAULT 0,
    open_value           numeric NOT NULL DEFAULT 0,
    paid_value           numeric NOT NULL DEFAULT 0
);
INSERT INTO kpi_method_hourly_rows SELECT * FROM kpi_method_hourly;
DROP VIEW kpi_method_hourly;
DROP TABLE kpi_method_hours;
DROP FUNCTION kpi_cents(numeric);
ALTER TABLE kpi_method_hourly_rows RENAME TO kpi_method_hourly;
ALTER TABLE kpi_method_hourly ADD CONSTRAINT kpi_method_hourly_pkey PRIMARY KEY (store_id, hour, zone_id, category, method);
CREATE INDEX kpi_method_hourly_day ON kpi_method_hourly (store_id, local_date);
