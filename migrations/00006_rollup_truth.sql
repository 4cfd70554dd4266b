-- +goose Up
-- Dirty marks become an append-only log. With one row per (store, hour), a writer whose bucket was
-- already marked inserted nothing (ON CONFLICT DO NOTHING takes no lock on the existing row), so
-- a refresh could delete that mark and recompute before the writer committed, and the writer's
-- change was never counted. Now every writer appends its own marks in its own transaction; a
-- refresh deletes only marks it can see, which are those of committed writers, and recomputes
-- after deleting them, so it sees every change whose mark it took. Marks the refresh cannot see
-- yet stay for the next one. A refresh takes every visible mark of the buckets it recomputes, so
-- duplicates cost one recompute.
ALTER TABLE kpi_dirty DROP CONSTRAINT kpi_dirty_pkey;
ALTER TABLE kpi_dirty ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
CREATE INDEX kpi_dirty_bucket ON kpi_dirty (store_id, hour);

-- Stores whose buckets failed to refresh: their marks wait until retry_at (backing off), so one
-- store's bad data cannot stop every other store's KPIs.
CREATE TABLE kpi_refresh_failures (
    store_id        bigint PRIMARY KEY,
    attempts        int NOT NULL,
    first_failed_at timestamptz NOT NULL,
    last_failed_at  timestamptz NOT NULL,
    retry_at        timestamptz NOT NULL,
    error           text NOT NULL
);

-- Money in the rollups is unbounded numeric: a sum of accepted events can no longer overflow its
-- column (numeric(14, 2) held 101 batches of 10,000 events of 1,000,000 in one zone and hour no
-- more). Counts stay int: 2^31 events in one zone and category in one week is out of reach of
-- any ingest rate this service reaches, and a refresh failure now stays with its own store.
-- Widening numeric's typmod rewrites no rows.
ALTER TABLE kpi_hourly ALTER COLUMN est_loss TYPE numeric, ALTER COLUMN recovered_value TYPE numeric,
    ALTER COLUMN concealed_value TYPE numeric;
ALTER TABLE kpi_daily ALTER COLUMN est_loss TYPE numeric, ALTER COLUMN recovered_value TYPE numeric,
    ALTER COLUMN concealed_value TYPE numeric;
ALTER TABLE kpi_weekly ALTER COLUMN est_loss TYPE numeric, ALTER COLUMN recovered_value TYPE numeric,
    ALTER COLUMN concealed_value TYPE numeric;
ALTER TABLE kpi_store_daily ALTER COLUMN est_loss TYPE numeric, ALTER COLUMN recovered_value TYPE numeric,
    ALTER COLUMN concealed_value TYPE numeric, ALTER COLUMN sales TYPE numeric;
ALTER TABLE kpi_store_weekly ALTER COLUMN est_loss TYPE numeric, ALTER COLUMN recovered_value TYPE numeric,
    ALTER COLUMN concealed_value TYPE numeric, ALTER COLUMN sales TYPE numeric;

-- Zone rows are split by concealment method too, so KPIs by method read the rollups.
ALTER TABLE kpi_hourly ADD COLUMN method text NOT NULL DEFAULT 'unknown';
ALTER TABLE kpi_hourly DROP CONSTRAINT kpi_hourly_pkey, ADD PRIMARY KEY (store_id, hour, zone_id, category, method);
ALTER TABLE kpi_daily ADD COLUMN method text NOT NULL DEFAULT 'unknown';
ALTER TABLE kpi_daily DROP CONSTRAINT kpi_daily_pkey, ADD PRIMARY KEY (store_id, local_date, zone_id, category, method);
ALTER TABLE kpi_weekly ADD COLUMN method text NOT NULL DEFAULT 'unknown';
ALTER TABLE kpi_weekly DROP CONSTRAINT kpi_weekly_pkey, ADD PRIMARY KEY (store_id, week, zone_id, category, method);

-- Every hour with events is recomputed by the refresh job, now split by method.
INSERT INTO kpi_dirty (store_id, hour) SELECT DISTINCT store_id, hour FROM kpi_hourly;

-- +goose Down
DELETE FROM kpi_hourly WHERE method <> 'unknown';
DELETE FROM kpi_daily WHERE method <> 'unknown';
DELETE FROM kpi_weekly WHERE method <> 'unknown';
ALTER TABLE kpi_weekly DROP CONSTRAINT kpi_weekly_pkey, ADD PRIMARY KEY (store_id, week, zone_id, category), DROP COLUMN method;
ALTER TABLE kpi_daily DROP CONSTRAINT kpi_daily_pkey, ADD PRIMARY KEY (store_id, local_date, zone_id, category), DROP COLUMN method;
ALTER TABLE kpi_hourly DROP CONSTRAINT kpi_hourly_pkey, ADD PRIMARY KEY (store_id, hour, zone_id, category), DROP COLUMN method;
DROP TABLE kpi_refresh_failures;
DELETE FROM kpi_dirty a USING kpi_dirty b WHERE a.store_id = b.store_id AND a.hour = b.hour AND a.seq > b.seq;
ALTER TABLE kpi_dirty DROP COLUMN seq;
ALTER TABLE kpi_dirty ADD PRIMARY KEY (store_id, hour);
INSERT INTO kpi_dirty (store_id, hour) SELECT DISTINCT store_id, hour FROM kpi_hourly ON CONFLICT DO NOTHING;
