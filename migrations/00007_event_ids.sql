-- +goose Up
-- An event id names one event, whatever its occurred_at. events is partitioned by occurred_at, so
-- its key must include occurred_at and cannot catch the same id sent again with another time.
-- event_ids holds every stored id once, unpartitioned and keyed by the id alone, with the store
-- and time that locate its row. Ingest COPYs each batch's ids here in the same transaction as
-- its events: a replayed id fails this key (SQLSTATE 23505) and only then does ingest read the
-- stored rows and compare payloads — an identical replay is a duplicate, a different one a
-- conflict (409). Outcomes find their event's store and time here by the id alone, without
-- probing every month's partition.
--
-- Ids are client-made. UUIDv7 ids (our clients') start with their creation time, so inserts
-- append at the right edge of this index. Any other UUID version is accepted and handled the
-- same way, correctly: it lands at a random leaf of the index, which costs page splits and cache
-- misses at volume (DESIGN.md, "Data") but never a missed replay. (Partitioning events on the
-- time inside a v7 id would make the id alone the key, but would send non-v7 ids to one default
-- partition and lose pruning by occurred_at for every rollup; see docs/BENCHMARKS.md.)
--
-- A row here whose event row is gone (a dropped partition) still names its id: a replay of it
-- counts as a duplicate rather than storing the event again.
CREATE TABLE event_ids (
    id          uuid PRIMARY KEY,
    store_id    bigint NOT NULL,
    occurred_at timestamptz NOT NULL
);

-- Events stored before this migration. Where one id was stored twice under different times
-- (possible until now), the first received is the one its id names; the other rows stay in
-- events and are counted until removed by hand.
INSERT INTO event_ids (id, store_id, occurred_at)
SELECT DISTINCT ON (id) id, store_id, occurred_at FROM events ORDER BY id, received_at, occurred_at;

-- +goose Down
DROP TABLE event_ids;
