-- +goose Up
-- Concealment events, partitioned by month of occurred_at (UTC). Partitions are created on demand
-- by ingest (ensure_event_partition). The key leads with id so a replayed id is found by an
-- index probe; ids are client-made UUIDs (v7 from our clients, so inserts stay ordered).
CREATE TABLE events (
    id          uuid NOT NULL,
    store_id    bigint NOT NULL,
    zone_id     bigint NOT NULL,
    camera      text NOT NULL DEFAULT '',
    track       text NOT NULL DEFAULT '',
    occurred_at timestamptz NOT NULL,
    score       real NOT NULL CHECK (score >= 0 AND score <= 1),
    method      text NOT NULL,
    category    text NOT NULL,
    est_value   numeric(12, 2) NOT NULL CHECK (est_value >= 0),
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE INDEX events_store_time ON events (store_id, occurred_at);

-- ensure_event_partition creates the month partition holding ts if it is missing.
-- +goose StatementBegin
CREATE FUNCTION ensure_event_partition(ts timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    lo   timestamptz := date_trunc('month', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    hi   timestamptz := (date_trunc('month', ts AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
    name text := 'events_' || to_char(ts AT TIME ZONE 'UTC', 'YYYYMM');
BEGIN
    IF to_regclass(name) IS NULL THEN
        -- Two ingest transactions may race to create the same month: the loser finds it made.
        BEGIN
            EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
        EXCEPTION WHEN duplicate_table OR unique_violation THEN
            NULL;
        END;
    END IF;
    RETURN name;
END
$$;
-- +goose StatementEnd

-- The latest outcome of each event. store_id and occurred_at are the event's, so the outcome
-- counts in its event's time bucket however late it arrives.
CREATE TABLE outcomes (
    event_id        uuid PRIMARY KEY,
    store_id        bigint NOT NULL,
    occurred_at     timestamptz NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('paid', 'nudged_paid', 'blocked_recovered',
                        'intervened_recovered', 'walked_out', 'false_positive', 'unresolved')),
    at              timestamptz NOT NULL,
    responded_at    timestamptz,
    value_recovered numeric(12, 2),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outcomes_store_time ON outcomes (store_id, occurred_at);

-- Hourly visitor counts; zone_id NULL is the store entrance.
CREATE TABLE footfall (
    store_id   bigint NOT NULL,
    zone_id    bigint,
    hour       timestamptz NOT NULL,
    visitors   bigint NOT NULL CHECK (visitors >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT footfall_key UNIQUE NULLS NOT DISTINCT (store_id, hour, zone_id)
);

-- Daily sales per store, by local calendar date.
CREATE TABLE sales (
    store_id   bigint NOT NULL,
    day        date NOT NULL,
    amount     numeric(14, 2) NOT NULL CHECK (amount >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, day)
);

-- +goose Down
DROP TABLE sales;
DROP TABLE footfall;
DROP TABLE outcomes;
DROP TABLE events;
DROP FUNCTION ensure_event_partition(timestamptz);
