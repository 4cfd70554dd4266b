-- +goose Up
-- What a zone holds beyond its category and value, versioned with the planogram (the features of
-- layout_versions carry the same properties): the fixture kind, how visible it is to staff and
-- cameras, and the walking distance to the nearest staffed point (till, desk, guard post).
ALTER TABLE zones
    ADD COLUMN fixture            text NOT NULL DEFAULT 'shelf',
    ADD COLUMN visibility         text NOT NULL DEFAULT 'open' CHECK (visibility IN ('open', 'partial', 'blind_spot')),
    ADD COLUMN staffed_distance_m double precision NOT NULL DEFAULT 0 CHECK (staffed_distance_m >= 0);

-- layout_version_at is the version of a store's planogram in force at ts — the latest effective
-- from at or before ts, the later upload on a tie: every event is attributed to it by its store and
-- occurred_at; 0 before the first version.
CREATE FUNCTION layout_version_at(store bigint, ts timestamptz) RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT version FROM layout_versions WHERE store_id = store AND effective_from <= ts
                     ORDER BY effective_from DESC, version DESC LIMIT 1), 0)
$$;

-- Suggestions for a merchandiser. status moves proposed -> accepted -> implemented (by a layout
-- change naming it), or proposed/accepted -> rejected with a reason. expected_* are the rate
-- ratio the change is expected to bring, with its 95% range, and based_on the number of this
-- estate's evaluated changes of the kind behind it.
CREATE TABLE recommendations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id      bigint NOT NULL REFERENCES stores (id),
    kind          text NOT NULL,
    zones         text[] NOT NULL,
    category      text NOT NULL DEFAULT '',
    rationale     text NOT NULL,
    expected_rr   double precision NOT NULL,
    expected_low  double precision NOT NULL,
    expected_high double precision NOT NULL,
    based_on      int NOT NULL,
    status        text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted', 'rejected', 'implemented')),
    reason        text NOT NULL DEFAULT '',
    decided_by    text NOT NULL DEFAULT '',
    decided_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- One open suggestion per store, kind and zone set: regenerating never duplicates it.
CREATE UNIQUE INDEX recommendations_open ON recommendations (store_id, kind, zones) WHERE status IN ('proposed', 'accepted');

-- A change made to a store's layout on a local date. Windows: before_days ending the day before
-- implemented_at, then gap_days of settling, then after_days.
CREATE TABLE layout_changes (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id          bigint NOT NULL REFERENCES stores (id),
    zones             text[] NOT NULL,
    kind              text NOT NULL,
    description       text NOT NULL DEFAULT '',
    implemented_at    date NOT NULL,
    recommendation_id bigint REFERENCES recommendations (id),
    layout_version    int NOT NULL,
    before_days       int NOT NULL CHECK (before_days BETWEEN 7 AND 365),
    after_days        int NOT NULL CHECK (after_days BETWEEN 7 AND 365),
    gap_days          int NOT NULL CHECK (gap_days BETWEEN 0 AND 90),
    created_by        text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX layout_changes_store ON layout_changes (store_id, implemented_at);
CREATE UNIQUE INDEX layout_changes_recommendation ON layout_changes (recommendation_id);

-- The measured effect of a change, computed once its after window is complete. log_rr and se are
-- the estimate on the log scale that recommendations pool; result is the whole answer, series
-- included, so it can be refitted elsewhere.
CREATE TABLE layout_evaluations (
    change_id   bigint PRIMARY KEY REFERENCES layout_changes (id),
    method      text NOT NULL,
    log_rr      double precision,
    se          double precision,
    verdict     text NOT NULL,
    result      jsonb NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE layout_evaluations;
DROP TABLE layout_changes;
DROP TABLE recommendations;
DROP FUNCTION layout_version_at(bigint, timestamptz);
ALTER TABLE zones DROP COLUMN staffed_distance_m, DROP COLUMN visibility, DROP COLUMN fixture;
