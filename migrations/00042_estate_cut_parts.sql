-- +goose Up
-- The estate's cut rows split by store part: a row holds the stores whose ids are part × 64 …
-- part × 64 + 63 (part = store_id / 64), in store id order as before, with their sketches'
-- end offsets counted within the row. A refresh rewrites the rows of the days and weeks it
-- touches in the parts of the stores it refreshes, where it rewrote every store's: one store's
-- three late hours rewrote 200 stores' records in 0.9 s on a 200-store estate, and that grew
-- with the estate (docs/BENCHMARKS.md, "The refresh with 00039, measured"). Readers sum a key's
-- rows over the parts. The rows are refilled from the rollups, split (the statement kpi's
-- rebuild runs, kpi/rollup_cuts.go).
DELETE FROM kpi_estate_cuts;
ALTER TABLE kpi_estate_cuts ADD COLUMN part int NOT NULL DEFAULT 0,
    DROP CONSTRAINT kpi_estate_cuts_pkey, ADD PRIMARY KEY (cut, kind, start, key, part);
ALTER TABLE kpi_estate_cuts ALTER COLUMN part DROP DEFAULT;
WITH src AS MATERIALIZED (
    SELECT 'category' AS cut, 'day' AS kind, k.local_date AS start, k.category AS key, k.store_id, k.events, k.est_loss, k.recovered_value, k.recovered, k.lost, k.false_positive, k.open, k.interventions, k.confirmed, k.open_value, k.paid_value, k.response, NULL::bigint AS visitors FROM kpi_daily k WHERE true
    UNION ALL SELECT 'category' AS cut, 'week' AS kind, k.week AS start, k.category AS key, k.store_id, k.events, k.est_loss, k.recovered_value, k.recovered, k.lost, k.false_positive, k.open, k.interventions, k.confirmed, k.open_value, k.paid_value, k.response, NULL::bigint AS visitors FROM kpi_weekly k WHERE true
    UNION ALL SELECT 'method' AS cut, 'day' AS kind, k.local_date AS start, k.method AS key, k.store_id, k.events, k.est_loss, k.recovered_value, k.recovered, k.lost, k.false_positive, k.open, k.interventions, k.confirmed, k.open_value, k.paid_value, k.response, NULL::bigint AS visitors FROM kpi_method_daily k WHERE true
    UNION ALL SELECT 'method' AS cut, 'week' AS kind, k.week AS start, k.method AS key, k.store_id, k.events, k.est_loss, k.recovered_value, k.recovered, k.lost, k.false_positive, k.open, k.interventions, k.confirmed, k.open_value, k.paid_value, k.response, NULL::bigint AS visitors FROM kpi_method_weekly k WHERE true
    UNION ALL SELECT 'hour_of_week' AS cut, 'day' AS kind, k.local_date AS start, k.how::text AS key, k.store_id, k.events, k.est_loss, k.recovered_value, k.recovered, k.lost, k.false_positive, k.open, k.interventions, k.confirmed, k.open_value, k.paid_value, k.response, NULL::bigint AS visitors FROM kpi_store_hourly k WHERE true
    UNION ALL SELECT 'hour_of_week' AS cut, 'day' AS kind, k.local_date AS start, k.how::text AS key, k.store_id, 0 AS events, 0 AS est_loss, 0 AS recovered_value, 0 AS recovered, 0 AS lost, 0 AS false_positive, 0 AS open, 0 AS interventions, 0 AS confirmed, 0 AS open_value, 0 AS paid_value, '{}'::bigint[] AS response, k.visitors::bigint FROM kpi_visitors_hourly k WHERE k.zone_id = 0 AND true
    UNION ALL SELECT 'entrance' AS cut, 'day' AS kind, k.local_date AS start, '' AS key, k.store_id, 0 AS events, 0 AS est_loss, 0 AS recovered_value, 0 AS recovered, 0 AS lost, 0 AS false_positive, 0 AS open, 0 AS interventions, 0 AS confirmed, 0 AS open_value, 0 AS paid_value, '{}'::bigint[] AS response, k.visitors::bigint FROM kpi_visitors_daily k WHERE k.zone_id = 0 AND true
    UNION ALL SELECT 'entrance' AS cut, 'week' AS kind, k.week AS start, '' AS key, k.store_id, 0 AS events, 0 AS est_loss, 0 AS recovered_value, 0 AS recovered, 0 AS lost, 0 AS false_positive, 0 AS open, 0 AS interventions, 0 AS confirmed, 0 AS open_value, 0 AS paid_value, '{}'::bigint[] AS response, k.visitors::bigint FROM kpi_visitors_weekly k WHERE k.zone_id = 0 AND true),
g AS (SELECT cut, kind, start, key, store_id, store_id / 64 AS part, sum(src.events) AS events, sum(src.est_loss) AS est_loss, sum(src.recovered_value) AS recovered_value, sum(src.recovered) AS recovered, sum(src.lost) AS lost, sum(src.false_positive) AS false_positive, sum(src.open) AS open, sum(src.interventions) AS interventions, sum(src.confirmed) AS confirmed, sum(src.open_value) AS open_value, sum(src.paid_value) AS paid_value, coalesce(sum(src.visitors), -1) AS visitors
    FROM src GROUP BY 1, 2, 3, 4, 5),
b AS (SELECT cut, kind, start, key, store_id, x >> 32 AS b, sum(x & 4294967295) AS n
    FROM src, unnest(src.response) x GROUP BY 1, 2, 3, 4, 5, 6),
sk AS (SELECT cut, kind, start, key, store_id, string_agg(int2send(b::smallint) || int4send(n::int), ''::bytea ORDER BY b) AS sketch
    FROM b GROUP BY 1, 2, 3, 4, 5),
k AS (SELECT g.*, NULL::numeric AS sales, coalesce(sk.sketch, ''::bytea) AS sketch,
        sum(length(coalesce(sk.sketch, ''::bytea))) OVER (PARTITION BY g.cut, g.kind, g.start, g.key, g.part ORDER BY g.store_id) AS sketch_end
    FROM g LEFT JOIN sk USING (cut, kind, start, key, store_id))
INSERT INTO kpi_estate_cuts (cut, kind, start, key, part, figures, sketches)
SELECT k.cut, k.kind, k.start, k.key, k.part, string_agg(int8send((k.store_id)::bigint) || int8send((k.events)::bigint) || int8send((k.est_loss * 100)::bigint) || int8send((k.recovered_value * 100)::bigint) || int8send((k.recovered)::bigint) || int8send((k.lost)::bigint) || int8send((k.false_positive)::bigint) || int8send((k.open)::bigint) || int8send((k.interventions)::bigint) || int8send((k.visitors)::bigint) || int8send((coalesce(k.sales * 100, -1))::bigint) || int8send((k.confirmed)::bigint) || int8send((k.open_value * 100)::bigint) || int8send((k.paid_value * 100)::bigint) || int8send((k.sketch_end)::bigint), ''::bytea ORDER BY k.store_id),
    string_agg(k.sketch, ''::bytea ORDER BY k.store_id)
FROM k GROUP BY 1, 2, 3, 4, 5;;

-- +goose Down
DELETE FROM kpi_estate_cuts;
ALTER TABLE kpi_estate_cuts DROP CONSTRAINT kpi_estate_cuts_pkey, DROP COLUMN part, ADD PRIMARY KEY (cut, kind, start, key);
WITH src AS MATERIALIZED (
    SELECT 'category' AS cut, 'day' AS kind, k.local_date AS start, k.category AS key, k.store_id, k.events, k.est_loss, k.recovered_value, k.recovered, k.lost, k.false_positive, k.open, k.interventions, k.confirmed, k.open_value, k.paid_value, k.response, NULL::bigint AS visitors FROM kpi_daily k WHERE true
    UNION ALL SELECT 'category' AS cut, 'week' AS kind, k.week AS start, k.category AS key, k.store_id, k.events, k.est_loss, k.recovered_value, k.recovered, k.lost, k.false_positive, k.open, k.interventions, k.confirmed, k.open_value, k.paid_value, k.response, NULL::bigint AS visitors FROM kpi_weekly k WHERE true
    UNION ALL SELECT 'method' AS cut, 'day' AS kind, k.local_date AS start, k.method AS key, k.store_id, k.events, k.est_loss, k.recovered_value, k.recovered, k.lost, k.false_positive, k.open, k.interventions, k.confirmed, k.open_value, k.paid_value, k.response, NULL::bigint AS visitors FROM kpi_method_daily k WHERE true
    UNION ALL SELECT 'method' AS cut, 'week' AS kind, k.week AS start, k.method AS key, k.store_id, k.events, k.est_loss, k.recovered_value, k.recovered, k.lost, k.false_positive, k.open, k.interventions, k.confirmed, k.open_value, k.paid_value, k.response, NULL::bigint AS visitors FROM kpi_method_weekly k WHERE true
    UNION ALL SELECT 'hour_of_week' AS cut, 'day' AS kind, k.local_date AS start, k.how::text AS key, k.store_id, k.events, k.est_loss, k.recovered_value, k.recovered, k.lost, k.false_positive, k.open, k.interventions, k.confirmed, k.open_value, k.paid_value, k.response, NULL::bigint AS visitors FROM kpi_store_hourly k WHERE true
    UNION ALL SELECT 'hour_of_week' AS cut, 'day' AS kind, k.local_date AS start, k.how::text AS key, k.store_id, 0 AS events, 0 AS est_loss, 0 AS recovered_value, 0 AS recovered, 0 AS lost, 0 AS false_positive, 0 AS open, 0 AS interventions, 0 AS confirmed, 0 AS open_value, 0 AS paid_value, '{}'::bigint[] AS response, k.visitors::bigint FROM kpi_visitors_hourly k WHERE k.zone_id = 0 AND true
    UNION ALL SELECT 'entrance' AS cut, 'day' AS kind, k.local_date AS start, '' AS key, k.store_id, 0 AS events, 0 AS est_loss, 0 AS recovered_value, 0 AS recovered, 0 AS lost, 0 AS false_positive, 0 AS open, 0 AS interventions, 0 AS confirmed, 0 AS open_value, 0 AS paid_value, '{}'::bigint[] AS response, k.visitors::bigint FROM kpi_visitors_daily k WHERE k.zone_id = 0 AND true
    UNION ALL SELECT 'entrance' AS cut, 'week' AS kind, k.week AS start, '' AS key, k.store_id, 0 AS events, 0 AS est_loss, 0 AS recovered_value, 0 AS recovered, 0 AS lost, 0 AS false_positive, 0 AS open, 0 AS interventions, 0 AS confirmed, 0 AS open_value, 0 AS paid_value, '{}'::bigint[] AS response, k.visitors::bigint FROM kpi_visitors_weekly k WHERE k.zone_id = 0 AND true),
g AS (SELECT cut, kind, start, key, store_id, sum(src.events) AS events, sum(src.est_loss) AS est_loss, sum(src.recovered_value) AS recovered_value, sum(src.recovered) AS recovered, sum(src.lost) AS lost, sum(src.false_positive) AS false_positive, sum(src.open) AS open, sum(src.interventions) AS interventions, sum(src.confirmed) AS confirmed, sum(src.open_value) AS open_value, sum(src.paid_value) AS paid_value, coalesce(sum(src.visitors), -1) AS visitors
    FROM src GROUP BY 1, 2, 3, 4, 5),
b AS (SELECT cut, kind, start, key, store_id, x >> 32 AS b, sum(x & 4294967295) AS n
    FROM src, unnest(src.response) x GROUP BY 1, 2, 3, 4, 5, 6),
sk AS (SELECT cut, kind, start, key, store_id, string_agg(int2send(b::smallint) || int4send(n::int), ''::bytea ORDER BY b) AS sketch
    FROM b GROUP BY 1, 2, 3, 4, 5),
k AS (SELECT g.*, NULL::numeric AS sales, coalesce(sk.sketch, ''::bytea) AS sketch,
        sum(length(coalesce(sk.sketch, ''::bytea))) OVER (PARTITION BY g.cut, g.kind, g.start, g.key ORDER BY g.store_id) AS sketch_end
    FROM g LEFT JOIN sk USING (cut, kind, start, key, store_id))
INSERT INTO kpi_estate_cuts (cut, kind, start, key, figures, sketches)
SELECT k.cut, k.kind, k.start, k.key, string_agg(int8send((k.store_id)::bigint) || int8send((k.events)::bigint) || int8send((k.est_loss * 100)::bigint) || int8send((k.recovered_value * 100)::bigint) || int8send((k.recovered)::bigint) || int8send((k.lost)::bigint) || int8send((k.false_positive)::bigint) || int8send((k.open)::bigint) || int8send((k.interventions)::bigint) || int8send((k.visitors)::bigint) || int8send((coalesce(k.sales * 100, -1))::bigint) || int8send((k.confirmed)::bigint) || int8send((k.open_value * 100)::bigint) || int8send((k.paid_value * 100)::bigint) || int8send((k.sketch_end)::bigint), ''::bytea ORDER BY k.store_id),
    string_agg(k.sketch, ''::bytea ORDER BY k.store_id)
FROM k GROUP BY 1, 2, 3, 4;
