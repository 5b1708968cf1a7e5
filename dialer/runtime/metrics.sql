-- name: campaign_counts
-- Per campaign, the same definitions as dialer/engine/figures.sql (campaign_figures): a
-- person-answer reached a rep or was abandoned and AMD did not call it a machine; the
-- abandon rate over the regulator's window ($1: its start) counts the same way.
SELECT k.campaign_id, k.name, k.status,
       count(c.call_attempt_id) AS dials,
       count(c.call_attempt_id) FILTER (
           WHERE (c.agent_user_id IS NOT NULL OR c.abandoned)
             AND coalesce(c.answered_by, 'human') <> 'machine') AS person_answers,
       count(c.call_attempt_id) FILTER (
           WHERE c.abandoned AND coalesce(c.answered_by, 'human') <> 'machine') AS abandoned,
       count(c.call_attempt_id) FILTER (
           WHERE c.status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress')) AS in_flight,
       count(c.call_attempt_id) FILTER (
           WHERE c.created_at >= $1 AND (c.agent_user_id IS NOT NULL OR c.abandoned)
             AND coalesce(c.answered_by, 'human') <> 'machine') AS window_person_answers,
       count(c.call_attempt_id) FILTER (
           WHERE c.created_at >= $1 AND c.abandoned
             AND coalesce(c.answered_by, 'human') <> 'machine') AS window_abandoned
FROM campaigns k
LEFT JOIN call_attempts c USING (campaign_id)
GROUP BY k.campaign_id
ORDER BY k.campaign_id;

-- name: reps_by_state
-- Reps logged in now, by campaign and state (a session not ended is a rep on the floor).
SELECT coalesce(campaign_id, 0) AS campaign_id, state, count(*) AS reps
FROM agent_sessions
WHERE ended_at IS NULL
GROUP BY 1, 2;

-- name: queue_depths
-- The work waiting: numbers queued per campaign (due now or later), lead notices not yet
-- sent, list imports queued or running.
SELECT 'campaign_numbers' AS queue, campaign_id::text AS campaign, state AS detail,
       count(*) AS depth
FROM campaign_numbers
WHERE state IN ('pending', 'leased', 'dialing')
GROUP BY campaign_id, state
UNION ALL
SELECT 'lead_notices', '', 'unsent', count(*) FROM lead_notices WHERE sent_at IS NULL
UNION ALL
SELECT 'import_jobs', '', status, count(*) FROM import_jobs
WHERE status IN ('queued', 'running')
GROUP BY status;

-- name: job_failures
-- Background jobs that failed, as the database recorded them.
SELECT 'list_import' AS kind, count(*) AS failures FROM import_jobs WHERE status = 'failed'
UNION ALL
SELECT 'planner', count(*) FROM planner_jobs WHERE status = 'failed';
