-- +goose Up
-- Events keyed by their id alone. Until now events were partitioned by the month of occurred_at,
-- so their key had to include occurred_at, and a second table, event_ids, kept each id unique:
-- every batch was COPYed twice (docs/BENCHMARKS.md, "Ingest: an id names one event").
--
-- Now events are range-partitioned on the id itself. A UUIDv7 (RFC 9562, what our clients make)
-- starts with its 48-bit unix milliseconds, so a month of v7 ids is one range of uuids: from the
-- uuid whose first 48 bits are the month's first millisecond, all other bits zero, to the next
-- month's. The partition key is the primary key, so PostgreSQL keeps an id unique across the
-- whole table, whatever its occurred_at, in one index per partition, and ingest COPYs once.
--
-- Partitions exist only for id months near now (ingest makes them: kpi/ingest.go,
-- eventPartitionWindow); everything else lands in events_default: ids of any other UUID version
-- (whose first bits are random: they are accepted and kept unique the same way, only unpruned),
-- and v7 ids from a clock far off, which must not create a partition for 2099.
-- ensure_event_partition moves the default partition's rows of a month into it when that month
-- comes near, so a range never lives in two places.
--
-- Reads by (store_id, occurred_at) — rollup refreshes, retention, verify — use events_store_time
-- in every partition: they cannot prune by occurred_at any more, and each probe descends one
-- index per partition (measured in docs/BENCHMARKS.md). Since ids are minted when events occur,
-- a store's hour lives in one id month but for late senders.

-- event_id_floor is the smallest UUIDv7 minted at ts (its milliseconds, every other bit zero).
CREATE FUNCTION event_id_floor(ts timestamptz) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (lpad(to_hex(floor(extract(epoch FROM ts) * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid;

-- event_id_time is the instant in an id's first 48 bits: when a UUIDv7 was minted (for any other
-- version, a meaningless time).
CREATE FUNCTION event_id_time(id uuid) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN to_timestamp(('x' || substr(replace(id::text, '-', ''), 1, 12))::bit(48)::bigint / 1000.0);

-- The table as it was, renamed with its partitions and their indexes out of the way.
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.relname AS rel, ic.relname AS idx
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             JOIN pg_index x ON x.indrelid = c.oid JOIN pg_class ic ON ic.oid = x.indexrelid
             WHERE i.inhparent = 'events'::regclass LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', r.idx, 'old_' || r.idx);
    END LOOP;
    FOR r IN SELECT c.relname AS rel FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'events'::regclass LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', r.rel, 'old_' || r.rel);
    END LOOP;
END
$$;
-- +goose StatementEnd
ALTER TABLE events RENAME TO old_events;
ALTER INDEX events_store_time RENAME TO old_events_store_time;
ALTER TABLE old_events RENAME CONSTRAINT events_pkey TO old_events_pkey;

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
    PRIMARY KEY (id)
) PARTITION BY RANGE (id);
CREATE INDEX events_store_time ON events (store_id, occurred_at);
CREATE TABLE events_default PARTITION OF events DEFAULT;

-- ensure_event_partition creates the partition of the ids minted in ts's month (UTC), named
-- events_YYYYMM, if it is missing, moving that month's rows out of the default partition. It
-- locks events while it does, so ingest waits for it rather than racing it.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ensure_event_partition(ts timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    m    timestamp := date_trunc('month', ts AT TIME ZONE 'UTC');
    lo   uuid := event_id_floor(m AT TIME ZONE 'UTC');
    hi   uuid := event_id_floor((m + interval '1 month') AT TIME ZONE 'UTC');
    name text := 'events_' || to_char(m, 'YYYYMM');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;
    LOCK TABLE events IN ACCESS EXCLUSIVE MODE;
    IF to_regclass(name) IS NOT NULL THEN -- made while we waited
        RETURN name;
    END IF;
    IF EXISTS (SELECT 1 FROM events_default WHERE id >= lo AND id < hi) THEN
        EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
        EXECUTE format('WITH moved AS (DELETE FROM events_default WHERE id >= %L AND id < %L RETURNING *) INSERT INTO %I SELECT * FROM moved', lo, hi, name);
        EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
    ELSE
        EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
    END IF;
    RETURN name;
END
$$;
-- +goose StatementEnd

-- Partitions for the id months of stored events that ingest would make now (the 24 months before
-- this one to the next; kpi/ingest.go), then the events, each id once: event_ids names the row
-- its id stands for. Rows it does not name — the same id stored again under another time before
-- migration 00007 — are not events any more (00007 left them to be removed by hand); they are
-- kept in events_clashed, if there are any, rather than lost.
SELECT ensure_event_partition(m)
FROM (SELECT DISTINCT date_trunc('month', event_id_time(id) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m FROM old_events) x
WHERE m >= (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '24 months') AT TIME ZONE 'UTC'
  AND m <= (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC'
ORDER BY m;

INSERT INTO events (id, store_id, zone_id, camera, track, occurred_at, score, method, category, est_value, received_at)
SELECT e.id, e.store_id, e.zone_id, e.camera, e.track, e.occurred_at, e.score, e.method, e.category, e.est_value, e.received_at
FROM old_events e JOIN event_ids i ON i.id = e.id AND i.occurred_at = e.occurred_at
ORDER BY e.id;

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_events e WHERE NOT EXISTS (SELECT 1 FROM event_ids i WHERE i.id = e.id AND i.occurred_at = e.occurred_at)) THEN
        CREATE TABLE events_clashed AS
        SELECT e.* FROM old_events e WHERE NOT EXISTS (SELECT 1 FROM event_ids i WHERE i.id = e.id AND i.occurred_at = e.occurred_at);
        COMMENT ON TABLE events_clashed IS
            'Events whose id was stored again under another time before migration 00007; not counted since 00037 (the first received is the event its id names).';
    END IF;
END
$$;
-- +goose StatementEnd

DROP TABLE old_events;
DROP TABLE event_ids;
ANALYZE events;

-- +goose Down
ALTER TABLE events RENAME TO new_events;
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.relname AS rel, ic.relname AS idx
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             JOIN pg_index x ON x.indrelid = c.oid JOIN pg_class ic ON ic.oid = x.indexrelid
             WHERE i.inhparent = 'new_events'::regclass LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', r.idx, 'new_' || r.idx);
    END LOOP;
    FOR r IN SELECT c.relname AS rel FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'new_events'::regclass LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', r.rel, 'new_' || r.rel);
    END LOOP;
END
$$;
-- +goose StatementEnd
ALTER INDEX events_store_time RENAME TO new_events_store_time;
ALTER TABLE new_events RENAME CONSTRAINT events_pkey TO new_events_pkey;

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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ensure_event_partition(ts timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    lo   timestamptz := date_trunc('month', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    hi   timestamptz := (date_trunc('month', ts AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
    name text := 'events_' || to_char(ts AT TIME ZONE 'UTC', 'YYYYMM');
BEGIN
    IF to_regclass(name) IS NULL THEN
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

SELECT ensure_event_partition(m) FROM (SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m FROM new_events) x;
INSERT INTO events SELECT * FROM new_events;
CREATE TABLE event_ids (
    id          uuid PRIMARY KEY,
    store_id    bigint NOT NULL,
    occurred_at timestamptz NOT NULL
);
INSERT INTO event_ids (id, store_id, occurred_at) SELECT id, store_id, occurred_at FROM events;
DROP TABLE new_events;
DROP FUNCTION event_id_time(uuid);
DROP FUNCTION event_id_floor(timestamptz);
