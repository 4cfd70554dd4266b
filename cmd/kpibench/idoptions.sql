-- Usage: createdb ss_idoptions && psql -q -f internal/bench/idoptions/options.sql ss_idoptions
-- (docs/BENCHMARKS.md, "Ingest: an id names one event"). Prints the time of each insert, then of a refresh-style read.
-- Database-side cost of ways to make an event id unique on its own, 200k events
-- (10 stores x a year each, v7 ids from occurred_at), INSERT ... SELECT from a prepared table.
\set ON_ERROR_STOP on
SET synchronous_commit = on;
CREATE FUNCTION v7(ts timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT (lpad(to_hex((extract(epoch FROM ts) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 3)
          || to_hex(8 + (random() * 3)::int) || substr(md5(random()::text), 1, 15))::uuid $$;
CREATE TABLE src AS
SELECT v7(t) AS id, s AS store_id, s * 10 + g % 7 AS zone_id, 'C1'::text AS camera, 't-1'::text AS track, t AS occurred_at,
       0.9::real AS score, 'pocket'::text AS method, 'cosmetics'::text AS category, 12.50::numeric(12, 2) AS est_value
FROM generate_series(1, 10) s, generate_series(1, 20000) g,
     LATERAL (SELECT timestamptz '2025-01-01' + (g * interval '1577 seconds')) x(t)
ORDER BY s, g;
-- (A) as before: events by month of occurred_at, key (id, occurred_at)
CREATE TABLE ev_a (LIKE src, received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (id, occurred_at)) PARTITION BY RANGE (occurred_at);
-- (B) A plus event_ids (this change)
CREATE TABLE ev_b (LIKE ev_a INCLUDING ALL) PARTITION BY RANGE (occurred_at);
CREATE TABLE ids_b (id uuid PRIMARY KEY, store_id bigint NOT NULL, occurred_at timestamptz NOT NULL);
-- (C) events by month of the time inside the v7 id, key (id) alone; other ids to a default partition
CREATE TABLE ev_c (LIKE src, received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (id)) PARTITION BY RANGE (id);
DO $$
DECLARE m timestamptz;
BEGIN
  FOR i IN 0..13 LOOP
    m := timestamptz '2025-01-01 00:00Z' + i * interval '1 month';
    EXECUTE format('CREATE TABLE ev_a_%s PARTITION OF ev_a FOR VALUES FROM (%L) TO (%L)', i, m, m + interval '1 month');
    EXECUTE format('CREATE TABLE ev_b_%s PARTITION OF ev_b FOR VALUES FROM (%L) TO (%L)', i, m, m + interval '1 month');
    EXECUTE format('CREATE TABLE ev_c_%s PARTITION OF ev_c FOR VALUES FROM (%L) TO (%L)', i,
      (lpad(to_hex((extract(epoch FROM m) * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid,
      (lpad(to_hex((extract(epoch FROM m + interval '1 month') * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid);
  END LOOP;
END $$;
CREATE TABLE ev_c_other PARTITION OF ev_c DEFAULT;
-- (D) B without events' own key: event_ids alone keeps ids unique
CREATE TABLE ev_d (LIKE src, received_at timestamptz NOT NULL DEFAULT now()) PARTITION BY RANGE (occurred_at);
CREATE TABLE ids_d (id uuid PRIMARY KEY, store_id bigint NOT NULL, occurred_at timestamptz NOT NULL);
DO $$
DECLARE m timestamptz;
BEGIN
  FOR i IN 0..13 LOOP
    m := timestamptz '2025-01-01 00:00Z' + i * interval '1 month';
    EXECUTE format('CREATE TABLE ev_d_%s PARTITION OF ev_d FOR VALUES FROM (%L) TO (%L)', i, m, m + interval '1 month');
  END LOOP;
END $$;
CREATE INDEX ON ev_d (store_id, occurred_at);
CREATE INDEX ON ev_a (store_id, occurred_at);
CREATE INDEX ON ev_b (store_id, occurred_at);
CREATE INDEX ON ev_c (store_id, occurred_at);
CHECKPOINT;
\timing on
\echo A1
INSERT INTO ev_a SELECT * FROM src;
\echo B1
BEGIN; INSERT INTO ids_b SELECT id, store_id, occurred_at FROM src; INSERT INTO ev_b SELECT * FROM src; COMMIT;
\echo D1
BEGIN; INSERT INTO ids_d SELECT id, store_id, occurred_at FROM src; INSERT INTO ev_d SELECT * FROM src; COMMIT;
\echo C1
INSERT INTO ev_c SELECT * FROM src;
\timing off
TRUNCATE ev_a, ev_b, ids_b, ev_c, ev_d, ids_d; CHECKPOINT;
\timing on
\echo C2
INSERT INTO ev_c SELECT * FROM src;
\echo D2
BEGIN; INSERT INTO ids_d SELECT id, store_id, occurred_at FROM src; INSERT INTO ev_d SELECT * FROM src; COMMIT;
\echo B2
BEGIN; INSERT INTO ids_b SELECT id, store_id, occurred_at FROM src; INSERT INTO ev_b SELECT * FROM src; COMMIT;
\echo A2
INSERT INTO ev_a SELECT * FROM src;
\timing off
TRUNCATE ev_a, ev_b, ids_b, ev_c, ev_d, ids_d; CHECKPOINT;
\timing on
\echo B3
BEGIN; INSERT INTO ids_b SELECT id, store_id, occurred_at FROM src; INSERT INTO ev_b SELECT * FROM src; COMMIT;
\echo D3
BEGIN; INSERT INTO ids_d SELECT id, store_id, occurred_at FROM src; INSERT INTO ev_d SELECT * FROM src; COMMIT;
\echo A3
INSERT INTO ev_a SELECT * FROM src;
\echo C3
INSERT INTO ev_c SELECT * FROM src;
\timing off
-- A rollup-style read: one store's day, by occurred_at (A and B prune to one month, C probes all 15 partitions).
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF, TIMING OFF) SELECT count(*) FROM ev_a WHERE store_id = 3 AND occurred_at >= '2025-06-01' AND occurred_at < '2025-06-02';
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF, TIMING OFF) SELECT count(*) FROM ev_c WHERE store_id = 3 AND occurred_at >= '2025-06-01' AND occurred_at < '2025-06-02';
-- What a rollup refresh does: 1,200 store-hours, each counted by a probe of (store_id, occurred_at),
-- three times each, interleaved. A prunes each probe to one month at run time; C probes every partition.
ANALYZE ev_a; ANALYZE ev_c;
CREATE FUNCTION refresh_read(t regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format($q$SELECT sum(c.n) FROM generate_series(1, 10) s, generate_series(0, 119) k,
    LATERAL (SELECT timestamptz '2025-01-01' + ((k * 73) %% 8760) * interval '1 hour') x(h),
    LATERAL (SELECT count(*) AS n FROM %s e WHERE e.store_id = s AND e.occurred_at >= x.h
             AND e.occurred_at < x.h + interval '1 hour' OFFSET 0) c$q$, t) INTO n;
  RETURN n;
END $$;
\timing on
\echo read A1
SELECT refresh_read('ev_a');
\echo read C1
SELECT refresh_read('ev_c');
\echo read A2
SELECT refresh_read('ev_a');
\echo read C2
SELECT refresh_read('ev_c');
\echo read A3
SELECT refresh_read('ev_a');
\echo read C3
SELECT refresh_read('ev_c');
\timing off
