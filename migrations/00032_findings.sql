-- +goose Up
-- Findings: the series that changed in a week (findings/). One row per finding; a rerun of a
-- week replaces its rows. findings_weeks records each judged week: how many series were judged
-- (the m of the Benjamini-Hochberg correction) and at what false discovery rate.
CREATE TABLE findings_weeks (
    week       date PRIMARY KEY,
    judged     int NOT NULL,
    found      int NOT NULL,
    fdr        float8 NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE findings (
    id         bigserial PRIMARY KEY,
    week       date NOT NULL REFERENCES findings_weeks (week) ON DELETE CASCADE,
    store_id   bigint NOT NULL,
    zone       text NOT NULL,      -- zone code; '' for a store's method series
    block      smallint NOT NULL,  -- -1: the whole week; else day x 3 hours, 0 = Monday 00-03 local
    method     text NOT NULL,      -- '' unless a method series
    direction  text NOT NULL CHECK (direction IN ('up', 'down')),
    observed   bigint NOT NULL,
    expected   float8 NOT NULL,
    weeks      int NOT NULL,       -- the tested window's length (1, or a CUSUM run)
    running    int NOT NULL,       -- weeks the CUSUM in this direction has been above zero
    ratio      float8,             -- NULL: no baseline events (unbounded)
    ratio_lo   float8,
    ratio_hi   float8,             -- NULL: unbounded
    p          float8 NOT NULL,
    q          float8 NOT NULL,
    sentence   text NOT NULL,
    -- The names as they were when judged: a finding is a record of that week.
    store_name text NOT NULL,
    zone_name  text NOT NULL,
    category   text NOT NULL,
    UNIQUE (week, store_id, zone, block, method)
);
CREATE INDEX findings_store ON findings (store_id, week);

-- +goose Down
DROP TABLE findings;
DROP TABLE findings_weeks;
