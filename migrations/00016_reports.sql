-- +goose Up
-- Job runs (reports/): one row per attempt of a tick. The first attempt's row is the claim that
-- makes a tick run once across replicas (UNIQUE (job, scheduled, attempt)); retries add rows.
ALTER TABLE job_runs DROP CONSTRAINT job_runs_job_scheduled_key;
ALTER TABLE job_runs DROP CONSTRAINT job_runs_status_check;
ALTER TABLE job_runs
    ADD CONSTRAINT job_runs_status_check CHECK (status IN ('running', 'ok', 'failed', 'skipped')),
    ADD COLUMN attempt int NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    ADD COLUMN trigger text NOT NULL DEFAULT 'schedule' CHECK (trigger IN ('schedule', 'catch_up', 'manual')),
    ADD COLUMN rows bigint,
    ADD COLUMN error text NOT NULL DEFAULT '',
    ADD CONSTRAINT job_runs_tick UNIQUE (job, scheduled, attempt);
CREATE INDEX job_runs_recent ON job_runs (job, scheduled DESC, attempt DESC);

-- Retention (kpi/): raw facts of a store before kept_from (a local Monday) have been purged; its
-- rollups before that date are the only record and no rebuild or refresh may touch them.
CREATE TABLE kpi_retention (
    store_id  bigint PRIMARY KEY REFERENCES stores (id),
    kept_from date NOT NULL,
    purged_at timestamptz NOT NULL DEFAULT now()
);

-- Report snapshots (reports/): the weekly HTML document of a store (store_id) or of the estate
-- (store_id NULL) for the local ISO week starting week. html holds everything but the ECharts
-- script, which is inlined when the document is served or delivered. Rows are never changed.
CREATE TABLE report_snapshots (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id   bigint REFERENCES stores (id),
    week       date NOT NULL CHECK (extract(isodow FROM week) = 1),
    title      text NOT NULL,
    html       text NOT NULL,
    sha256     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX report_snapshots_key ON report_snapshots (coalesce(store_id, 0), week);

-- +goose StatementBegin
CREATE FUNCTION report_snapshots_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'report snapshots never change after they are written';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER report_snapshots_frozen BEFORE UPDATE ON report_snapshots
    FOR EACH ROW EXECUTE FUNCTION report_snapshots_frozen();

-- Per-store webhook for new reports: each snapshot is POSTed to url, signed with HMAC-SHA256 of
-- the body under secret.
CREATE TABLE report_webhooks (
    store_id   bigint PRIMARY KEY REFERENCES stores (id),
    url        text NOT NULL,
    secret     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One delivery per snapshot and webhook, retried with backoff until delivered or given up.
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

-- +goose Down
DROP TABLE report_deliveries;
DROP TABLE report_webhooks;
DROP TABLE report_snapshots;
DROP FUNCTION report_snapshots_frozen();
DROP TABLE kpi_retention;
DROP INDEX job_runs_recent;
ALTER TABLE job_runs DROP CONSTRAINT job_runs_tick, DROP COLUMN error, DROP COLUMN rows, DROP COLUMN trigger,
    DROP COLUMN attempt, DROP CONSTRAINT job_runs_status_check;
ALTER TABLE job_runs ADD CONSTRAINT job_runs_status_check CHECK (status IN ('running', 'ok', 'failed')),
    ADD CONSTRAINT job_runs_job_scheduled_key UNIQUE (job, scheduled);
