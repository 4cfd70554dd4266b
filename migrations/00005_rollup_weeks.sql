-- +goose Up
-- Response-time sketches move into the rollup rows themselves, packed as bucket << 32 | count in
-- ascending buckets: a zone or hour request reads one row per group and hour or day instead of
-- one row per sketch bucket, and the hourly rollup is computed in one pass over the events.
ALTER TABLE kpi_hourly ADD COLUMN response bigint[] NOT NULL DEFAULT '{}';
ALTER TABLE kpi_daily ADD COLUMN response bigint[] NOT NULL DEFAULT '{}';
DROP TABLE kpi_response;

-- Store rows carry their sales (NULL: none reported) and their sketch as bytes, six per bucket
-- (int2 bucket, int4 count, big-endian, ascending): an estate request reads thousands of them,
-- and bytes cost a third of what an array costs to send and decode.
ALTER TABLE kpi_store_daily DROP COLUMN response, ADD COLUMN sales numeric(14, 2),
    ADD COLUMN sketch bytea NOT NULL DEFAULT '';
CREATE INDEX kpi_store_daily_date ON kpi_store_daily (local_date);

-- The same figures per local ISO week (week is its Monday): a request over a month or a quarter
-- reads whole weeks from these and only the days at its ends from the daily tables.
CREATE TABLE kpi_weekly (LIKE kpi_daily INCLUDING DEFAULTS);
ALTER TABLE kpi_weekly RENAME COLUMN local_date TO week;
ALTER TABLE kpi_weekly ADD PRIMARY KEY (store_id, week, zone_id, category);
CREATE TABLE kpi_visitors_weekly (LIKE kpi_visitors_daily);
ALTER TABLE kpi_visitors_weekly RENAME COLUMN local_date TO week;
ALTER TABLE kpi_visitors_weekly ADD PRIMARY KEY (store_id, week, zone_id);
CREATE TABLE kpi_store_weekly (LIKE kpi_store_daily INCLUDING DEFAULTS);
ALTER TABLE kpi_store_weekly RENAME COLUMN local_date TO week;
ALTER TABLE kpi_store_weekly ADD PRIMARY KEY (store_id, week);
-- Estate-wide reads select by date across every store.
CREATE INDEX kpi_store_weekly_week ON kpi_store_weekly (week);

-- Every store's figures for one local day or week in one row. figures holds, per store in store
-- id order, twelve big-endian int8: store id, events, est_loss and recovered_value in cents,
-- recovered, lost, false_positive, open, interventions, visitors, sales in cents (-1: none
-- reported), and the end offset of the store's sketch in sketches. An estate request over a
-- month reads some twenty of these rows instead of tens of thousands of store rows.
CREATE TABLE kpi_estate (
    kind     text NOT NULL CHECK (kind IN ('day', 'week')),
    start    date NOT NULL,
    figures  bytea NOT NULL,
    sketches bytea NOT NULL,
    PRIMARY KEY (kind, start)
);
-- Read whole and often, rewritten as a store's day changes: stored uncompressed.
ALTER TABLE kpi_estate ALTER COLUMN figures SET STORAGE EXTERNAL, ALTER COLUMN sketches SET STORAGE EXTERNAL;

-- Everything is recomputed by the refresh job: every hour with facts, and each day with sales
-- through its local noon (an hour every time zone has on every day).
INSERT INTO kpi_dirty (store_id, hour)
SELECT store_id, hour FROM kpi_hourly
UNION SELECT store_id, hour FROM kpi_visitors_hourly
UNION SELECT s.id, local_hour((x.day + time '12:00') AT TIME ZONE s.timezone, s.timezone) FROM sales x JOIN stores s ON s.id = x.store_id
ON CONFLICT DO NOTHING;

-- +goose Down
DROP TABLE kpi_estate;
DROP TABLE kpi_store_weekly;
DROP TABLE kpi_visitors_weekly;
DROP TABLE kpi_weekly;
DROP INDEX kpi_store_daily_date;
ALTER TABLE kpi_store_daily DROP COLUMN sketch, DROP COLUMN sales, ADD COLUMN response bigint[] NOT NULL DEFAULT '{}';
CREATE TABLE kpi_response (
    store_id   bigint NOT NULL,
    zone_id    bigint NOT NULL,
    category   text NOT NULL,
    hour       timestamptz NOT NULL,
    local_date date NOT NULL,
    how        smallint NOT NULL,
    bucket     smallint NOT NULL,
    n          int NOT NULL,
    PRIMARY KEY (store_id, hour, zone_id, category, bucket)
);
CREATE INDEX kpi_response_day ON kpi_response (store_id, local_date);
ALTER TABLE kpi_daily DROP COLUMN response;
ALTER TABLE kpi_hourly DROP COLUMN response;
INSERT INTO kpi_dirty (store_id, hour) SELECT store_id, hour FROM kpi_hourly ON CONFLICT DO NOTHING;
