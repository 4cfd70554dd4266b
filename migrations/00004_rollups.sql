-- +goose Up
-- local_hour is the instant the local clock hour containing ts began in time zone tz. It subtracts
-- the minutes and seconds shown on the local clock, so it is unambiguous on the repeated hour of
-- a daylight-saving change and right for half-hour offsets. kpi.LocalHour is the same in Go.
CREATE FUNCTION local_hour(ts timestamptz, tz text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ts - ((ts AT TIME ZONE tz) - date_trunc('hour', ts AT TIME ZONE tz))
$$;

-- Buckets whose rollups must be recomputed: ingest adds them in its own transaction, the refresh
-- job takes them away in the transaction that recomputes them.
CREATE TABLE kpi_dirty (
    store_id bigint NOT NULL,
    hour     timestamptz NOT NULL,
    PRIMARY KEY (store_id, hour)
);

-- Event figures per store x zone x category x local hour. hour is the instant the local hour
-- began; local_date and how (hour of week, Monday 00:00 = 0) are in the store's time zone.
CREATE TABLE kpi_hourly (
    store_id             bigint NOT NULL,
    zone_id              bigint NOT NULL,
    category             text NOT NULL,
    hour                 timestamptz NOT NULL,
    local_date           date NOT NULL,
    how                  smallint NOT NULL,
    detections           int NOT NULL,  -- every event, false positives included
    events               int NOT NULL,  -- events whose outcome is not false
    est_loss             numeric(14, 2) NOT NULL,  -- est_value of lost and open events
    recovered_value      numeric(14, 2) NOT NULL,
    concealed_value      numeric(14, 2) NOT NULL,  -- est_value of every event not false
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
    PRIMARY KEY (store_id, hour, zone_id, category)
);

CREATE INDEX kpi_hourly_day ON kpi_hourly (store_id, local_date);

-- The same figures per local day, and per store and day for estate-wide requests.
CREATE TABLE kpi_daily (LIKE kpi_hourly);
ALTER TABLE kpi_daily DROP COLUMN hour, DROP COLUMN how, ADD PRIMARY KEY (store_id, local_date, zone_id, category);
CREATE TABLE kpi_store_daily (LIKE kpi_daily);
-- response packs the day's response-time sketch (below) as bucket << 32 | count, so an estate
-- request merges one small array per store-day instead of scanning sketch rows.
ALTER TABLE kpi_store_daily DROP COLUMN zone_id, DROP COLUMN category, ADD COLUMN visitors bigint NOT NULL DEFAULT 0,
    ADD COLUMN response bigint[] NOT NULL DEFAULT '{}', ADD PRIMARY KEY (store_id, local_date);

-- Visitors per local hour and day; zone_id 0 is the store entrance.
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
CREATE TABLE kpi_visitors_daily (
    store_id   bigint NOT NULL,
    zone_id    bigint NOT NULL,
    local_date date NOT NULL,
    visitors   bigint NOT NULL,
    PRIMARY KEY (store_id, local_date, zone_id)
);

-- Response-time sketch: counts of responses per log-spaced bucket (bucket b holds
-- [1.02^b, 1.02^(b+1)) seconds), so percentiles merge by adding counts.
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

-- KPI targets set by operations, per store or for the estate (store_id NULL). Rows are never
-- changed but to close them: the history of targets is kept.
CREATE TABLE kpi_targets (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id      bigint REFERENCES stores (id),
    kpi           text NOT NULL,
    op            text NOT NULL CHECK (op IN ('<=', '>=')),
    value         double precision NOT NULL,
    note          text NOT NULL DEFAULT '',
    set_by        text NOT NULL,
    set_at        timestamptz NOT NULL DEFAULT now(),
    superseded_at timestamptz
);
CREATE UNIQUE INDEX kpi_targets_live ON kpi_targets (coalesce(store_id, 0), kpi) WHERE superseded_at IS NULL;

-- Every hour that already holds facts needs its rollup.
INSERT INTO kpi_dirty (store_id, hour)
SELECT DISTINCT e.store_id, local_hour(e.occurred_at, s.timezone) FROM events e JOIN stores s ON s.id = e.store_id
UNION
SELECT DISTINCT f.store_id, f.hour FROM footfall f;

-- +goose Down
DROP TABLE kpi_targets;
DROP TABLE kpi_response;
DROP TABLE kpi_visitors_daily;
DROP TABLE kpi_visitors_hourly;
DROP TABLE kpi_store_daily;
DROP TABLE kpi_daily;
DROP TABLE kpi_hourly;
DROP TABLE kpi_dirty;
DROP FUNCTION local_hour(timestamptz, text);
