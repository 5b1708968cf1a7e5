-- 0022 the campaign manager's console: the campaign's own disclosures, a service
-- campaign's coverage target, and the what-if planner's jobs.

-- what the rep must read out on this campaign's calls, after the product's disclosure
ALTER TABLE campaigns
    ADD COLUMN disclosures text NOT NULL DEFAULT '',
    -- 回访: the share of the target accounts to reach (coverage_target) within
    -- coverage_days of the start; NULL on a marketing campaign
    ADD COLUMN coverage_target numeric(5, 4)
        CHECK (coverage_target IS NULL OR (coverage_target > 0 AND coverage_target <= 1)),
    ADD COLUMN coverage_days integer CHECK (coverage_days IS NULL OR coverage_days > 0);

-- the rules that blocked a number (the gate's rule ids), for the list penetration's
-- "blocked by which rule"; empty for a number not blocked by the gate
ALTER TABLE campaign_numbers
    ADD COLUMN blocked_rules text[] NOT NULL DEFAULT '{}';

-- a what-if question ("how many reps to finish this list by Friday?") and its forecast,
-- run in the background by whichever process claims it: web processes stay stateless
CREATE TABLE planner_jobs (
    planner_job_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id    bigint NOT NULL REFERENCES campaigns,
    status         text NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'running', 'done', 'failed')),
    question       jsonb NOT NULL,
    result         jsonb,
    error          text,
    created_by     bigint REFERENCES users,
    created_at     timestamptz NOT NULL,
    claimed_by     text,
    heartbeat_at   timestamptz,
    finished_at    timestamptz,
    CHECK (status <> 'done' OR result IS NOT NULL),
    CHECK (status <> 'failed' OR error IS NOT NULL)
);
CREATE INDEX planner_jobs_queued ON planner_jobs (created_at) WHERE status IN ('queued', 'running');
CREATE INDEX planner_jobs_campaign ON planner_jobs (campaign_id, created_at DESC);
