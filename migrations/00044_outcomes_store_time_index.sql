-- +goose Up
-- outcomes_store_time (store, occurred_at) served one statement, retention's purge of a store's
-- outcomes before its kept date; it was 425 MB at 2,000 stores × 91 days, 33 bytes per event
-- (docs/BENCHMARKS.md, "2,000 stores × 91 days, after"). The purge now deletes the outcomes of the
-- events it purges (kpi/retention.go), by the events' (store, occurred_at) index and the outcomes'
-- primary key; every other reader of outcomes joins them by event id.
DROP INDEX outcomes_store_time;

-- +goose Down
CREATE INDEX outcomes_store_time ON outcomes (store_id, occurred_at);
