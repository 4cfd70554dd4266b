-- +goose Up
-- API tokens: only a SHA-256 of the secret is kept. stores NULL means every store.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('admin', 'ops', 'planner', 'merchandiser', 'ingest')),
    stores       text[],
    hash         bytea NOT NULL UNIQUE,
    prefix       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- Scheduled job runs (reports/), one row per run.
CREATE TABLE job_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job         text NOT NULL,
    scheduled   timestamptz NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed')),
    node        text NOT NULL DEFAULT '',
    detail      text NOT NULL DEFAULT '',
    UNIQUE (job, scheduled)
);

-- +goose Down
DROP TABLE job_runs;
DROP TABLE api_tokens;
