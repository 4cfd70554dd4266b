-- +goose Up
-- Browser sessions (internal/tokens): signing in with a token opens a session whose random id
-- is the cookie; only its SHA-256 is stored, so a copy of this table opens nothing. A session
-- acts as its token and ends at expires_at (absolute), after the configured idle time since
-- seen_at (recorded at most once a minute), at sign-out (the row is deleted), or when its token
-- is revoked (the revoke deletes its sessions; a lookup also joins the token's revoked_at).
CREATE TABLE web_sessions (
    hash       bytea PRIMARY KEY CHECK (length(hash) = 32),
    token_id   bigint NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    seen_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX web_sessions_token ON web_sessions (token_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

-- Job runs (reports/): final marks the attempt that ends its tick (ok, skipped, or failed with
-- its retries spent, when job.failed is sent). A tick whose latest attempt is not final and
-- whose job lock is free was interrupted (stopped by shutdown, or its replica died mid-run or
-- in a retry's wait) and is due again on every replica. Rows from before this column are
-- history and count as final, so an upgrade resumes nothing.
ALTER TABLE job_runs ADD COLUMN final boolean NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE job_runs DROP COLUMN final;
DROP TABLE web_sessions;
