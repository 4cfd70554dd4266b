-- +goose Up
-- Webhooks (reports/): 00016's per-store tables held one URL per store and one delivery per
-- snapshot; they were never written. They are replaced by webhooks that subscribe to events and
-- an outbox of deliveries, one row per event and webhook, written in the transaction of the event.
DROP TABLE report_deliveries;
DROP TABLE report_webhooks;

CREATE TABLE report_webhooks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url        text NOT NULL CHECK (url ~ '^https?://'),
    events     text[] NOT NULL CHECK (cardinality(events) > 0),
    secret     text NOT NULL CHECK (secret <> ''),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- body is the exact JSON POSTed on every attempt, so the signature of a retry is the same.
-- A pending row is due at next_attempt_at; a worker that takes it moves next_attempt_at past its
-- send timeout (a lease), so a crashed worker's delivery is retried later: at-least-once.
CREATE TABLE report_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    webhook_id      bigint NOT NULL REFERENCES report_webhooks (id) ON DELETE CASCADE,
    event           text NOT NULL,
    body            text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_status     int,
    last_error      text NOT NULL DEFAULT '',
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);
CREATE INDEX report_deliveries_due ON report_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX report_deliveries_history ON report_deliveries (webhook_id, created_at DESC);

-- +goose Down
DROP TABLE report_deliveries;
DROP TABLE report_webhooks;
CREATE TABLE report_webhooks (
    store_id   bigint PRIMARY KEY REFERENCES stores (id),
    url        text NOT NULL,
    secret     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE report_deliveries (
    snapshot_id  bigint PRIMARY KEY REFERENCES report_snapshots (id),
    store_id     bigint NOT NULL REFERENCES stores (id),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts     int NOT NULL DEFAULT 0,
    next_at      timestamptz NOT NULL DEFAULT now(),
    last_error   text NOT NULL DEFAULT '',
    delivered_at timestamptz
);
CREATE INDEX report_deliveries_due ON report_deliveries (next_at) WHERE status = 'pending';
