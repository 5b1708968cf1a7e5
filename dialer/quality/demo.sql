-- The demo's quality stage (dialer.quality.demo_stage).

-- name: demo_user
INSERT INTO users (username, display_name, role, password_hash, language)
VALUES ($1, $2, $3::user_role, $4, 'zh')
ON CONFLICT (username) DO UPDATE SET display_name = EXCLUDED.display_name
RETURNING user_id;

-- name: demo_complaints
SELECT count(*) FROM complaints;

-- name: demo_complaint_calls
-- Recorded calls of customers not yet complained about, a spread by id.
SELECT a.call_attempt_id, a.account_id, r.recording_id
FROM call_attempts a JOIN call_recordings r ON r.call_attempt_id = a.call_attempt_id
WHERE r.status = 'completed' AND a.agent_user_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM complaints c WHERE c.account_id = a.account_id)
ORDER BY (a.call_attempt_id * 7919) % 101, a.call_attempt_id
LIMIT $1;

-- name: demo_quality_figures
SELECT (SELECT count(*) FROM call_recordings WHERE status = 'completed')::int AS recordings,
       (SELECT coalesce(sum(duration_seconds), 0) FROM call_recordings
        WHERE status = 'completed')::int AS recording_seconds,
       (SELECT count(*) FROM qa_reviews WHERE status IN ('scored', 'acknowledged'))::int
           AS qa_reviews,
       (SELECT avg(score) FROM qa_reviews WHERE status IN ('scored', 'acknowledged')) AS qa_mean,
       (SELECT count(*) FROM sms_surveys WHERE status <> 'blocked')::int AS sms_sent,
       (SELECT count(*) FROM sms_surveys WHERE status = 'answered')::int AS sms_answered,
       (SELECT count(*) FROM sms_opt_outs)::int AS sms_opted_out,
       (SELECT count(*) FROM complaints)::int AS complaints,
       (SELECT count(*) FROM complaints WHERE status = 'upheld')::int AS complaints_upheld,
       (SELECT count(*) FROM revenue_ledger
        WHERE reason LIKE 'service coefficient restated%')::int AS restated_entries;

-- name: demo_coefficients
SELECT period, count(*)::int AS people, count(*) FILTER (WHERE score < 1)::int AS below_1,
       min(score) AS lowest
FROM (SELECT DISTINCT ON (user_id, period) user_id, period, score
      FROM service_coefficients ORDER BY user_id, period, coefficient_id DESC) latest
GROUP BY period ORDER BY period;

-- name: demo_unsettled
-- Calls still live, or recordings whose callback has not come.
SELECT (SELECT count(*) FROM call_attempts
        WHERE ended_at IS NULL AND status IN ('queued', 'initiated', 'ringing', 'in_progress'))
     + (SELECT count(*) FROM call_recordings WHERE status = 'in_progress');
