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

-- +goose Down
DROP TABLE web_sessions;
