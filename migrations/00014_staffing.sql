-- +goose Up
-- Staffing policy per store (workforce/); a store without a row uses the default policy.
CREATE TABLE staffing_policies (
    store_id   bigint PRIMARY KEY REFERENCES stores (id),
    policy     jsonb NOT NULL,
    set_by     text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Weekly staffing plans, one per store and local week (its Monday). A plan is derived: it can
-- be rebuilt from the facts and the policy at any time, and rebuilding replaces it. shifts and
-- hours hold the plan's shift list and hourly table as the API returns them.
CREATE TABLE staffing_plans (
    store_id       bigint NOT NULL REFERENCES stores (id),
    week           date NOT NULL,
    paid_hours     int NOT NULL,
    cost           numeric NOT NULL,
    uncovered_loss numeric NOT NULL,
    plan           jsonb NOT NULL,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, week)
);
CREATE INDEX staffing_plans_week ON staffing_plans (week);

-- +goose Down
DROP TABLE staffing_plans;
DROP TABLE staffing_policies;
