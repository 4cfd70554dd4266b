-- +goose Up
-- Targets on additive KPIs state their period (kpi/targets.go): a target on events, visitors,
-- est_loss or recovered_value is per day, week or month, and a request is judged against it
-- scaled to the request's length. Ratio targets have none. The targets set before this were
-- judged on whatever period a request asked for; the pages' default is the last 30 days, so
-- each becomes a daily target of a thirtieth of its value: over 30 days it is judged exactly as
-- it was, and a 7-day request now gets its 7 days' share instead of the whole. The history's
-- closed targets are converted too, so it reads on one basis.
ALTER TABLE kpi_targets ADD COLUMN period text CHECK (period IN ('day', 'week', 'month'));
UPDATE kpi_targets SET period = 'day', value = value / 30
WHERE kpi IN ('events', 'visitors', 'est_loss', 'recovered_value');

-- One SOC workload definition (workforce.SOCParams): a staffing policy's handle_seconds,
-- service_level and answer_seconds are now the store's overrides of the configured SOC
-- definition, absent meaning the default. Every policy stored before held the old plan
-- defaults (120 s, 80% within 60 s) whether or not a planner chose them, since a policy had to
-- carry all three; those exact values are dropped, so the store follows the configured
-- definition the segments already used. A policy with any other value keeps all three.
UPDATE staffing_policies SET policy = policy - 'handle_seconds' - 'service_level' - 'answer_seconds'
WHERE (policy->>'handle_seconds')::float8 = 120 AND (policy->>'service_level')::float8 = 0.8
  AND (policy->>'answer_seconds')::float8 = 60;

-- +goose Down
UPDATE kpi_targets SET value = CASE period WHEN 'day' THEN value * 30 WHEN 'week' THEN value * 30 / 7
    ELSE value * 30 / 30.4375 END
WHERE period IS NOT NULL;
ALTER TABLE kpi_targets DROP COLUMN period;
