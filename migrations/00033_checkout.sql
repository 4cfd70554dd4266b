-- +goose Up
-- The aisle-to-checkout hand-off (checkout/): an event of a store on the checkout model that
-- carries an anonymous floor track is an open concealment of that track; the vision tier reports
-- which track stands at which till (lane) and which left through an entrance; the point of sale
-- asks what a lane's track has on it and posts what happened, written as the events' outcomes
-- through kpi's outcome path.

-- A point of sale: the checkout role reads its stores' lanes and posts their outcomes, nothing else.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
    CHECK (role IN ('admin', 'ops', 'planner', 'merchandiser', 'ingest', 'soc', 'checkout'));

-- A checkout zone's till id as the point of sale knows it; '' for none (and for every other kind).
-- Unique among a store's current zones: the upload checks it (a swap of two lanes in one upload
-- would trip a unique index between its upserts).
ALTER TABLE zones ADD COLUMN lane text NOT NULL DEFAULT '';

CREATE VIEW checkout_zones AS
SELECT store_id, code AS zone, kind, lane FROM zones WHERE kind IN ('checkout', 'entrance') AND retired_at IS NULL;
COMMENT ON VIEW checkout_zones IS
    'Owned by package layout: each store''s current checkout zones (with their lanes, the tills) and entrances, for package checkout. Other packages read it, not the table.';

-- The store's rules for a flagged track at a lane; a store without a row takes the defaults
-- (checkout.DefaultPolicy). Amounts in the store's currency.
CREATE TABLE checkout_policy (
    store_id        bigint PRIMARY KEY REFERENCES stores (id),
    nudge_min_value numeric(12, 2) NOT NULL CHECK (nudge_min_value >= 0),
    block_min_value numeric(12, 2) NOT NULL CHECK (block_min_value >= 0),
    block_min_items int NOT NULL CHECK (block_min_items BETWEEN 0 AND 100),
    block_on_repeat boolean NOT NULL,
    visit_minutes   int NOT NULL CHECK (visit_minutes BETWEEN 1 AND 720),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The concealments of each floor track, copied from the event in the ingest transaction (events
-- are immutable once stored), so the lane state never reads the partitioned events. resolved_at
-- and outcome are set when the point of sale or the visit window decides them.
CREATE TABLE checkout_items (
    event_id    uuid PRIMARY KEY,
    store_id    bigint NOT NULL REFERENCES stores (id),
    track       text NOT NULL,
    zone        text NOT NULL,
    category    text NOT NULL,
    est_value   numeric(12, 2) NOT NULL,
    method      text NOT NULL,
    occurred_at timestamptz NOT NULL,
    outcome     text NOT NULL DEFAULT '',
    lane        text NOT NULL DEFAULT '',
    resolved_at timestamptz,
    CHECK ((outcome = '') = (resolved_at IS NULL))
);
CREATE INDEX checkout_items_track ON checkout_items (store_id, track, occurred_at);
CREATE INDEX checkout_items_open ON checkout_items (occurred_at) WHERE resolved_at IS NULL;

-- A track at a lane from at until left_at (NULL: still there). (store, lane, track, at) names
-- one presence: a replay changes nothing, and its left_at, once sent, is fixed.
CREATE TABLE checkout_presence (
    store_id bigint NOT NULL REFERENCES stores (id),
    lane     text NOT NULL,
    track    text NOT NULL,
    at       timestamptz NOT NULL,
    left_at  timestamptz,
    PRIMARY KEY (store_id, lane, track, at),
    CHECK (left_at IS NULL OR left_at >= at)
);
CREATE INDEX checkout_presence_here ON checkout_presence (at) WHERE left_at IS NULL;

-- A track seen leaving the store through an entrance zone at at.
CREATE TABLE checkout_exits (
    store_id bigint NOT NULL REFERENCES stores (id),
    track    text NOT NULL,
    at       timestamptz NOT NULL,
    zone     text NOT NULL,
    PRIMARY KEY (store_id, track, at)
);

-- +goose Down
DROP TABLE checkout_exits;
DROP TABLE checkout_presence;
DROP TABLE checkout_items;
DROP TABLE checkout_policy;
DROP VIEW checkout_zones;
ALTER TABLE zones DROP COLUMN lane;
DELETE FROM api_tokens WHERE role = 'checkout';
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
    CHECK (role IN ('admin', 'ops', 'planner', 'merchandiser', 'ingest', 'soc'));
