-- +goose Up
-- Live alerts (alerts/): an event ingested for a store on the soc model opens an alert in the
-- ingest transaction; operators claim, release and close it, and its close is written as the
-- event's outcome through kpi's outcome path.

-- Operators: the soc role reads and acts on its stores' alerts and sees nothing else.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
    CHECK (role IN ('admin', 'ops', 'planner', 'merchandiser', 'ingest', 'soc'));

CREATE VIEW store_operating_model AS
SELECT id, operating_model FROM stores;
COMMENT ON VIEW store_operating_model IS
    'Owned by package layout: each store''s operating model, for the ingest transaction that opens alerts of soc stores. Other packages read it, not the table.';

-- Escalation settings per store; a store without a row takes the defaults (60 s, 30 min).
CREATE TABLE alert_settings (
    store_id       bigint PRIMARY KEY REFERENCES stores (id),
    claim_seconds  int NOT NULL CHECK (claim_seconds BETWEEN 5 AND 3600),
    expire_minutes int NOT NULL CHECK (expire_minutes BETWEEN 1 AND 1440),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One alert per event. The event's fields are copied in (events are immutable once stored: a
-- different payload under an id is refused), so the console never reads the partitioned events.
-- responded_at is the first claim and stays when a claim is released.
CREATE TABLE alerts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid NOT NULL UNIQUE,
    store_id        bigint NOT NULL REFERENCES stores (id),
    zone            text NOT NULL,
    camera          text NOT NULL,
    category        text NOT NULL,
    est_value       numeric(12, 2) NOT NULL,
    method          text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    opened_at       timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'claimed', 'closed')),
    holder_token    bigint,
    holder          text NOT NULL DEFAULT '',
    claimed_at      timestamptz,
    responded_at    timestamptz,
    escalated_at    timestamptz,
    closed_at       timestamptz,
    closed_by       text NOT NULL DEFAULT '',
    outcome         text NOT NULL DEFAULT '',
    value_recovered numeric(12, 2),
    note            text NOT NULL DEFAULT '',
    CHECK ((status = 'claimed') = (holder_token IS NOT NULL)),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX alerts_live ON alerts (opened_at) WHERE status <> 'closed';
CREATE INDEX alerts_store_time ON alerts (store_id, occurred_at DESC);

-- The outbox the stream reads: one row per change of an alert, its data the alert as JSON
-- after the change, written in the change's transaction with no lock. Ids are drawn in
-- transaction order, not commit order, so the stream does not read by id: a sequencer (any
-- replica's hub, or the escalation tick) gives committed rows their seq, in id order, under the
-- row lock of alert_sequence; one sequencer commits before the next begins, so seqs become
-- visible in increasing order and a console resuming after seq N never misses a smaller one.
-- purged_through is the highest seq deleted by the outbox's retention: a resume from below it
-- answers resync.
CREATE TABLE alert_changes (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq      bigint UNIQUE,
    alert_id bigint NOT NULL,
    store_id bigint NOT NULL,
    change   text NOT NULL CHECK (change IN ('opened', 'claimed', 'released', 'closed', 'escalated', 'expired', 'evidence')),
    at       timestamptz NOT NULL,
    data     jsonb NOT NULL
);
CREATE INDEX alert_changes_unsequenced ON alert_changes (id) WHERE seq IS NULL;
CREATE INDEX alert_changes_at ON alert_changes (at);
CREATE TABLE alert_sequence (
    one            boolean PRIMARY KEY DEFAULT true CHECK (one),
    last_seq       bigint NOT NULL,
    purged_through bigint NOT NULL
);
INSERT INTO alert_sequence (last_seq, purged_through) VALUES (0, 0);

-- Evidence clips of alerts (MP4, uploaded by the vision tier after the event): the only images
-- that leave a camera, kept for the configured retention (72 h) and then deleted by the escalation
-- tick; never read by reports, exports or webhooks. Each view is recorded, and the record outlives
-- the clip.
CREATE TABLE alert_evidence (
    event_id     uuid PRIMARY KEY REFERENCES alerts (event_id) ON DELETE CASCADE,
    content_type text NOT NULL,
    bytes        bytea NOT NULL,
    sha256       bytea NOT NULL,
    uploaded_at  timestamptz NOT NULL
);
CREATE INDEX alert_evidence_uploaded ON alert_evidence (uploaded_at);
CREATE TABLE alert_evidence_views (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id  bigint NOT NULL,
    token_id  bigint NOT NULL,
    viewer    text NOT NULL,
    role      text NOT NULL,
    viewed_at timestamptz NOT NULL
);
CREATE INDEX alert_evidence_views_alert ON alert_evidence_views (alert_id, viewed_at);

-- +goose Down
DROP TABLE alert_evidence_views;
DROP TABLE alert_evidence;
DROP TABLE alert_sequence;
DROP TABLE alert_changes;
DROP TABLE alerts;
DROP TABLE alert_settings;
DROP VIEW store_operating_model;
DELETE FROM api_tokens WHERE role = 'soc';
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
    CHECK (role IN ('admin', 'ops', 'planner', 'merchandiser', 'ingest'));
