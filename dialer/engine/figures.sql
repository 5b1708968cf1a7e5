-- name: campaign_figures
-- The regulator's arithmetic: abandoned / person-answered. A person-answer is a call that
-- reached a rep or was abandoned, and that AMD did not find to be a machine, even after
-- the bridge (the same definition as live.sql's person_answers_since and abandon_window,
-- which the abandon governor counts).
SELECT count(*) AS dials,
       count(*) FILTER (WHERE (agent_user_id IS NOT NULL OR abandoned)
                        AND coalesce(answered_by, 'human') <> 'machine') AS person_answers,
       count(*) FILTER (WHERE abandoned AND coalesce(answered_by, 'human') <> 'machine') AS abandoned,
       count(*) FILTER (WHERE answered_by = 'machine') AS machine_answers,
       count(*) FILTER (WHERE status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress')) AS live_calls
FROM call_attempts
WHERE ($1::bigint IS NULL OR campaign_id = $1);

-- name: amd_false_positive_basis
-- UK-A1 counts AMD false positives (persons taken for machines and hung up on) as abandoned
-- person-answers: each UK campaign in scope, its estimated rate (its own setting, else
-- $2, the default) and its machine verdicts; figures.py multiplies them as the live
-- abandon budget (live.sql abandon_window) does.
SELECT k.campaign_id,
       coalesce((k.pacing ->> 'amd_false_positive_rate')::float8, $2) AS rate,
       count(c.call_attempt_id) FILTER (WHERE c.answered_by = 'machine') AS machine_verdicts
FROM campaigns k
LEFT JOIN call_attempts c USING (campaign_id)
WHERE k.jurisdiction = 'UK' AND ($1::bigint IS NULL OR k.campaign_id = $1)
GROUP BY k.campaign_id;

-- name: rep_time_by_state
-- Time each state was held, from the stored state changes (the open one runs to $2).
WITH spans AS (
    SELECT c.to_state AS state,
           extract(epoch FROM coalesce(lead(c.at) OVER w, s.ended_at, $2) - c.at) AS seconds
    FROM agent_state_changes c
    JOIN agent_sessions s USING (agent_session_id)
    WHERE ($1::bigint IS NULL OR s.campaign_id = $1)
    WINDOW w AS (PARTITION BY c.agent_session_id ORDER BY c.at, c.change_id)
)
SELECT state, sum(greatest(seconds, 0))::float8 AS seconds FROM spans GROUP BY state;
