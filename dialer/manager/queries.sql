-- name: campaign_overview
-- Every campaign with its dials and, for a service campaign (回访), its coverage: the
-- target accounts (those queued for it) and those reached (a call answered by a person
-- and talked to a rep) within coverage_days of the start.
SELECT c.campaign_id, c.name, c.purpose, c.status, c.pacing_mode, p.code AS product_code,
       c.coverage_target::float8 AS coverage_target, c.coverage_days, c.started_at,
       (SELECT count(*) FROM call_attempts a WHERE a.campaign_id = c.campaign_id) AS dials,
       (SELECT count(DISTINCT n.account_id) FROM campaign_numbers n
        WHERE n.campaign_id = c.campaign_id) AS targets,
       (SELECT count(DISTINCT a.account_id) FROM call_attempts a
        WHERE a.campaign_id = c.campaign_id AND a.agent_user_id IS NOT NULL
          AND coalesce(a.answered_by, 'human') <> 'machine'
          AND (c.coverage_days IS NULL
               OR a.created_at < c.started_at + make_interval(days => c.coverage_days))
       ) AS reached
FROM campaigns c LEFT JOIN products p USING (product_id)
WHERE $1::bigint IS NULL OR c.campaign_id = $1
ORDER BY c.status = 'finished', c.campaign_id DESC;

-- name: form_products
SELECT code, name, risk_level FROM products ORDER BY code;

-- name: form_lists
SELECT list_id, name FROM lists ORDER BY list_id DESC;

-- name: planner_basis
-- What the campaign's calls since $2 say: outcome shares, ring, talk and wrap times, and
-- warm leads per person reached (a person-answer as figures.sql counts it).
WITH calls AS (
    SELECT * FROM call_attempts WHERE campaign_id = $1 AND created_at >= $2
), wraps AS (
    SELECT extract(epoch FROM lead(c.at) OVER w - c.at) AS seconds, c.to_state
    FROM agent_state_changes c JOIN agent_sessions s USING (agent_session_id)
    WHERE s.campaign_id = $1 AND c.at >= $2
    WINDOW w AS (PARTITION BY c.agent_session_id ORDER BY c.at, c.change_id)
)
SELECT count(*) AS dials,
       count(*) FILTER (WHERE (agent_user_id IS NOT NULL OR abandoned)
                        AND coalesce(answered_by, 'human') <> 'machine') AS persons,
       count(*) FILTER (WHERE answered_by = 'machine') AS machines,
       count(*) FILTER (WHERE status = 'busy') AS busy,
       count(*) FILTER (WHERE status = 'failed') AS invalid,
       avg(extract(epoch FROM answered_at - coalesce(initiated_at, created_at)))
           FILTER (WHERE answered_at IS NOT NULL)::float8 AS ring_seconds,
       avg(talk_seconds) FILTER (WHERE agent_user_id IS NOT NULL AND talk_seconds > 0)::float8
           AS talk_seconds,
       (SELECT avg(seconds) FROM wraps WHERE to_state = 'wrap_up' AND seconds IS NOT NULL)::float8
           AS wrap_seconds,
       (SELECT count(*) FROM dispositions d
        JOIN disposition_codes k ON k.campaign_id = d.campaign_id AND k.code = d.code
        WHERE d.campaign_id = $1 AND d.recorded_at >= $2 AND k.warm_lead) AS warm_leads
FROM calls;

-- name: numbers_left
-- The campaign's numbers still to be finished (queued, claimed or dialling).
SELECT count(*) FROM campaign_numbers
WHERE campaign_id = $1 AND state IN ('pending', 'leased', 'dialing');

-- name: insert_planner_job
INSERT INTO planner_jobs (campaign_id, question, created_by, created_at)
VALUES ($1, $2, $3, $4)
RETURNING planner_job_id;

-- name: claim_planner_job
-- The oldest queued job, or one whose claimer stopped beating ($3: the staleness limit).
UPDATE planner_jobs
SET status = 'running', claimed_by = $1, heartbeat_at = $2
WHERE planner_job_id = (
    SELECT planner_job_id FROM planner_jobs
    WHERE status = 'queued' OR (status = 'running' AND heartbeat_at < $3)
    ORDER BY created_at
    FOR UPDATE SKIP LOCKED
    LIMIT 1
)
RETURNING planner_job_id, campaign_id, question;

-- name: planner_heartbeat
UPDATE planner_jobs SET heartbeat_at = $3
WHERE planner_job_id = $1 AND claimed_by = $2 AND status = 'running';

-- name: finish_planner_job
UPDATE planner_jobs SET status = $3, result = $4, error = $5, finished_at = $6
WHERE planner_job_id = $1 AND claimed_by = $2 AND status = 'running';

-- name: planner_job
SELECT planner_job_id, campaign_id, status, question, result, error, created_at, finished_at
FROM planner_jobs WHERE planner_job_id = $1;

-- name: planner_jobs_of
SELECT planner_job_id, campaign_id, status, question, result, error, created_at, finished_at
FROM planner_jobs WHERE campaign_id = $1 ORDER BY created_at DESC LIMIT 10;

-- name: planner_campaign
SELECT c.campaign_id, c.name, c.status, c.jurisdiction, c.pacing_mode, c.pacing, c.retry_policy
FROM campaigns c WHERE c.campaign_id = $1;

-- name: dials_by_day
-- What happened: the campaign's dials per local day since $2 (to compare with a forecast).
SELECT (created_at AT TIME ZONE $3)::date AS day, count(*) AS dials
FROM call_attempts WHERE campaign_id = $1 AND created_at >= $2
GROUP BY 1 ORDER BY 1;
