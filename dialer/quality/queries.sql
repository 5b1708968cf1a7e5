-- Quality and pay: the service coefficient's rule and figures, complaints.
-- Parameters are always $1…

-- Service coefficient ---------------------------------------------------------------

-- name: coefficient_rules
SELECT version, rule FROM service_coefficient_rules ORDER BY version;

-- name: insert_coefficient_rule
INSERT INTO service_coefficient_rules (version, effective_from, rule, stored_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (version) DO NOTHING
RETURNING version;

-- name: rule_by_version
SELECT rule FROM service_coefficient_rules WHERE version = $1;

-- name: people_paid_by_coefficient
SELECT user_id, role::text AS role FROM users
WHERE role IN ('telesales_rep', 'account_manager')
ORDER BY user_id;

-- name: upheld_complaints_by_person
-- Upheld complaints received in [$1, $2), per person named on them.
SELECT p.user_id, count(*)::int AS upheld
FROM complaints c JOIN complaint_people p USING (complaint_id)
WHERE c.status = 'upheld' AND c.received_at >= $1 AND c.received_at < $2
GROUP BY p.user_id;

-- name: qa_scores_by_rep
-- The standing QA scores of reviews scored in [$1, $2) (a disputed review's re-score
-- stands in for it).
SELECT rep_user_id AS user_id, array_agg(score ORDER BY review_id) AS scores
FROM qa_reviews
WHERE status IN ('scored', 'acknowledged') AND scored_at >= $1 AND scored_at < $2
GROUP BY rep_user_id;

-- name: sms_ratings_by_rep
SELECT rep_user_id AS user_id, array_agg(rating ORDER BY survey_id) AS ratings
FROM sms_surveys
WHERE status = 'answered' AND answered_at >= $1 AND answered_at < $2
  AND rep_user_id IS NOT NULL
GROUP BY rep_user_id;

-- name: latest_coefficients
-- Each person's latest coefficient for the period (an override or a computation).
SELECT DISTINCT ON (user_id) user_id, score, rule_version, inputs, override_reason,
       computed_at
FROM service_coefficients
WHERE period = $1
ORDER BY user_id, coefficient_id DESC;

-- name: latest_coefficients_of_periods
SELECT DISTINCT ON (period, user_id) period, user_id, score
FROM service_coefficients
WHERE period = ANY($1::text[])
ORDER BY period, user_id, coefficient_id DESC;

-- name: insert_coefficient
INSERT INTO service_coefficients (user_id, period, score, rule_version, inputs,
                                  override_reason, computed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: user_exists
SELECT count(*) FROM users WHERE user_id = ANY($1::bigint[]);

-- name: revenue_periods
SELECT DISTINCT coalesce(period, to_char(occurred_on, 'YYYY-MM')) AS period
FROM conversions WHERE kind IN ('net_commission', 'advisory_fee') ORDER BY 1;

-- Complaints -------------------------------------------------------------------------

-- name: insert_complaint
INSERT INTO complaints (account_id, source, about_marketing, summary, received_at, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING complaint_id;

-- name: link_complaint_calls
INSERT INTO complaint_calls (complaint_id, call_attempt_id)
SELECT $1::bigint, a.call_attempt_id FROM call_attempts a
WHERE a.call_attempt_id = ANY($2::bigint[]) AND a.account_id = $3
ON CONFLICT DO NOTHING;

-- name: link_complaint_people
-- The people named, and the rep of every linked call.
INSERT INTO complaint_people (complaint_id, user_id)
SELECT $1::bigint, u FROM unnest($2::bigint[]) AS u
UNION
SELECT $1::bigint, a.agent_user_id FROM complaint_calls cc
JOIN call_attempts a USING (call_attempt_id)
WHERE cc.complaint_id = $1::bigint AND a.agent_user_id IS NOT NULL
ON CONFLICT DO NOTHING;

-- name: count_linked_calls
SELECT count(*) FROM complaint_calls WHERE complaint_id = $1;

-- name: complaint_for_update
SELECT * FROM complaints WHERE complaint_id = $1 FOR UPDATE;

-- name: start_investigation
UPDATE complaints SET status = 'investigating', investigator_id = $2
WHERE complaint_id = $1 AND status IN ('open', 'investigating');

-- name: close_complaint
UPDATE complaints
SET status = $2, closed_at = $3, closed_by = $4, finding = $5, evidence = $6, dnc_applied = $7
WHERE complaint_id = $1;

-- name: evidence_recordings
SELECT r.recording_id FROM call_recordings r
JOIN complaint_calls cc USING (call_attempt_id)
WHERE cc.complaint_id = $1 AND r.recording_id = ANY($2::bigint[]);

-- name: evidence_reviews
SELECT q.review_id FROM qa_reviews q
JOIN complaint_calls cc USING (call_attempt_id)
WHERE cc.complaint_id = $1 AND q.review_id = ANY($2::bigint[]);

-- name: phones_of_account
SELECT e164 FROM account_phones WHERE account_id = $1 ORDER BY e164;

-- name: complaint_audit
INSERT INTO audit_log (at, actor_user_id, kind, subject_type, subject_id, detail)
VALUES ($1, $2, $3, 'complaint', $4, $5);

-- name: complaint_row
SELECT c.*,
       coalesce((SELECT array_agg(call_attempt_id ORDER BY call_attempt_id)
                 FROM complaint_calls WHERE complaint_id = c.complaint_id), '{}') AS call_ids,
       coalesce((SELECT array_agg(user_id ORDER BY user_id)
                 FROM complaint_people WHERE complaint_id = c.complaint_id), '{}') AS people
FROM complaints c WHERE c.complaint_id = $1;
