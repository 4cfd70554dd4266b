-- +goose Up
-- The segments job's daily record: each store's segment over the 90 days ending day, as
-- GET /api/v1/segments answered it that day (segment), with the fields a history is read by
-- beside it. A rerun on the same day replaces that day's row. Stores are never deleted, so the
-- store id needs no cascade.
CREATE TABLE segment_snapshots (
    store_id          bigint NOT NULL,
    day               date NOT NULL,
    status            text NOT NULL,
    tier              text NOT NULL DEFAULT '',
    risk_index        double precision,
    current_model     text NOT NULL,
    recommended_model text NOT NULL DEFAULT '',
    mismatch          boolean NOT NULL,
    rationale         text NOT NULL,
    segment           jsonb NOT NULL,
    computed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, day)
);
CREATE INDEX segment_snapshots_day ON segment_snapshots (day);

-- +goose Down
DROP TABLE segment_snapshots;
