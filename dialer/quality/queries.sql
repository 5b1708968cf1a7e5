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

-- QA review --------------------------------------------------------------------------

-- name: insert_scorecard
INSERT INTO qa_scorecards (name, items, created_at) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
RETURNING scorecard_id;

-- name: scorecard
SELECT scorecard_id, name, items FROM qa_scorecards WHERE scorecard_id = $1;

-- name: set_sampling_plan
INSERT INTO qa_sampling_plans (team_id, random_share, min_talk_seconds, scorecard_id)
VALUES ($1, $2, $3, $4)
ON CONFLICT (team_id) DO UPDATE SET random_share = EXCLUDED.random_share,
    min_talk_seconds = EXCLUDED.min_talk_seconds, scorecard_id = EXCLUDED.scorecard_id;

-- name: sampling_plans
SELECT team_id, random_share, min_talk_seconds, scorecard_id FROM qa_sampling_plans
WHERE scorecard_id IS NOT NULL ORDER BY team_id;

-- name: recorded_calls_of_team
-- A team's recorded calls of [$2, $3) with why they must be heard (a warm lead, a DNC
-- disposition, a complaint).
SELECT a.call_attempt_id, a.agent_user_id AS rep_user_id, r.recording_id,
       coalesce(bool_or(dc.warm_lead), false) AS warm_lead,
       coalesce(bool_or(dc.do_not_call), false) AS dnc_disposition,
       EXISTS (SELECT 1 FROM complaint_calls cc WHERE cc.call_attempt_id = a.call_attempt_id)
           AS complaint
FROM call_attempts a
JOIN users u ON u.user_id = a.agent_user_id
JOIN call_recordings r ON r.call_attempt_id = a.call_attempt_id AND r.status = 'completed'
LEFT JOIN dispositions d ON d.call_attempt_id = a.call_attempt_id
LEFT JOIN disposition_codes dc ON dc.campaign_id = d.campaign_id AND dc.code = d.code
WHERE u.team_id = $1 AND r.completed_at >= $2 AND r.completed_at < $3
  AND coalesce(r.duration_seconds, 0) >= $4
GROUP BY a.call_attempt_id, a.agent_user_id, r.recording_id;

-- name: insert_review
INSERT INTO qa_reviews (call_attempt_id, recording_id, rep_user_id, scorecard_id, reason,
                        sampled_on, sampled_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (call_attempt_id, reason) DO NOTHING
RETURNING review_id;

-- name: review
SELECT q.*, s.items, u.team_id AS rep_team_id, u.display_name AS rep_name,
       r.duration_seconds, a.account_id
FROM qa_reviews q
JOIN qa_scorecards s USING (scorecard_id)
JOIN users u ON u.user_id = q.rep_user_id
JOIN call_attempts a ON a.call_attempt_id = q.call_attempt_id
LEFT JOIN call_recordings r ON r.recording_id = q.recording_id
WHERE q.review_id = $1;

-- name: review_for_update
SELECT q.*, u.team_id AS rep_team_id FROM qa_reviews q
JOIN users u ON u.user_id = q.rep_user_id
WHERE q.review_id = $1 FOR UPDATE OF q;

-- name: queue
-- Reviews waiting to be scored that the reviewer may score ($2 team: a team leader's;
-- NULL: every team), never their own calls nor a dispute of their own review.
SELECT q.review_id, q.call_attempt_id, q.recording_id, q.reason, q.sampled_on,
       u.display_name AS rep_name, r.duration_seconds
FROM qa_reviews q
JOIN users u ON u.user_id = q.rep_user_id
LEFT JOIN call_recordings r ON r.recording_id = q.recording_id
LEFT JOIN qa_reviews o ON o.review_id = q.disputes_review_id
WHERE q.status = 'queued' AND q.rep_user_id <> $1
  AND ($2::bigint IS NULL OR u.team_id = $2)
  AND (o.reviewer_id IS NULL OR o.reviewer_id <> $1)
ORDER BY q.sampled_on, q.review_id;

-- name: mark_scored
UPDATE qa_reviews SET status = 'scored', reviewer_id = $2, score = $3, must_pass_failed = $4,
    scored_at = $5
WHERE review_id = $1;

-- name: insert_item
INSERT INTO qa_review_items (review_id, item_key, passed) VALUES ($1, $2, $3);

-- name: insert_comment
INSERT INTO qa_comments (review_id, author_id, offset_seconds, body, created_at)
VALUES ($1, $2, $3, $4, $5);

-- name: mark_superseded
UPDATE qa_reviews SET status = 'rescored' WHERE review_id = $1;

-- name: mark_acknowledged
UPDATE qa_reviews SET status = 'acknowledged', acknowledged_at = $2 WHERE review_id = $1;

-- name: mark_disputed
UPDATE qa_reviews SET status = 'disputed', disputed_at = $2, dispute_reason = $3
WHERE review_id = $1;

-- name: insert_dispute_review
INSERT INTO qa_reviews (call_attempt_id, recording_id, rep_user_id, scorecard_id, reason,
                        sampled_on, sampled_at, disputes_review_id)
SELECT call_attempt_id, recording_id, rep_user_id, scorecard_id, 'dispute', sampled_on, $2,
       review_id
FROM qa_reviews WHERE review_id = $1
RETURNING review_id;

-- name: review_items
SELECT item_key, passed FROM qa_review_items WHERE review_id = $1 ORDER BY item_key;

-- name: review_comments
SELECT c.offset_seconds, c.body, u.display_name AS author
FROM qa_comments c JOIN users u ON u.user_id = c.author_id
WHERE c.review_id = $1 ORDER BY c.offset_seconds, c.comment_id;

-- name: reviews_of_rep
SELECT q.review_id, q.call_attempt_id, q.recording_id, q.reason, q.status, q.score,
       q.must_pass_failed, q.scored_at, q.acknowledged_at, q.disputes_review_id,
       EXISTS (SELECT 1 FROM qa_reviews d WHERE d.disputes_review_id = q.review_id) AS disputed
FROM qa_reviews q
WHERE q.rep_user_id = $1 AND q.status <> 'queued'
ORDER BY q.review_id DESC;

-- name: insert_excellent
INSERT INTO excellent_recordings (serial, recording_id, review_id, nominated_by, note, added_at)
VALUES ('EX-' || to_char($5::timestamptz AT TIME ZONE 'UTC', 'YYYY') || '-'
        || lpad(nextval('excellent_recording_serial')::text, 4, '0'), $1, $2, $3, $4, $5)
ON CONFLICT (recording_id) DO NOTHING
RETURNING serial;

-- name: excellent_library
SELECT e.serial, e.recording_id, e.note, e.added_at, u.display_name AS rep_name,
       q.score
FROM excellent_recordings e
JOIN call_recordings r USING (recording_id)
JOIN call_attempts a ON a.call_attempt_id = r.call_attempt_id
LEFT JOIN users u ON u.user_id = a.agent_user_id
LEFT JOIN qa_reviews q ON q.review_id = e.review_id
ORDER BY e.serial;

-- name: qa_figures
-- Per rep for [$1, $2): standing reviews, their mean score, must-pass failures, and the
-- reviews acknowledged; with the rep's team.
SELECT u.user_id, u.display_name, u.team_id, count(q.review_id)::int AS reviews,
       avg(q.score) AS mean_score,
       count(*) FILTER (WHERE q.must_pass_failed)::int AS must_pass_failures,
       count(*) FILTER (WHERE q.status = 'acknowledged')::int AS acknowledged
FROM qa_reviews q JOIN users u ON u.user_id = q.rep_user_id
WHERE q.status IN ('scored', 'acknowledged') AND q.scored_at >= $1 AND q.scored_at < $2
GROUP BY u.user_id, u.display_name, u.team_id
ORDER BY u.team_id, u.user_id;

-- name: qa_audit
INSERT INTO audit_log (at, actor_user_id, kind, subject_type, subject_id, detail)
VALUES ($1, $2, $3, 'qa_review', $4, $5);

-- SMS satisfaction -----------------------------------------------------------------

-- name: lock_survey_run
-- One survey run at a time across every process (held until the run's transaction ends).
SELECT pg_try_advisory_xact_lock(hashtext('dialer.quality.sms_surveys'));

-- name: contacts_due_a_survey
-- Contacts (a contact disposition) of the last $2 that have no survey yet.
SELECT a.call_attempt_id, a.campaign_id, a.account_id, a.phone_id, a.e164,
       a.agent_user_id
FROM call_attempts a
JOIN dispositions d ON d.call_attempt_id = a.call_attempt_id
JOIN disposition_codes dc ON dc.campaign_id = d.campaign_id AND dc.code = d.code
WHERE dc.contact AND a.ended_at IS NOT NULL AND a.ended_at >= $1::timestamptz - $2::interval
  AND a.phone_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM sms_surveys s WHERE s.call_attempt_id = a.call_attempt_id)
ORDER BY a.ended_at
LIMIT $3;

-- name: sms_opted_out
SELECT count(*) FROM sms_opt_outs WHERE e164 = $1;

-- name: insert_survey
INSERT INTO sms_surveys (call_attempt_id, account_id, rep_user_id, e164, status,
                         blocked_reason, provider_message_id, sent_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (call_attempt_id) DO NOTHING;

-- name: insert_reply
INSERT INTO sms_replies (provider_message_id, survey_id, e164, body, received_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (provider_message_id) DO NOTHING
RETURNING provider_message_id;

-- name: open_survey_of_number
SELECT survey_id, call_attempt_id, rep_user_id FROM sms_surveys
WHERE e164 = $1 AND status = 'sent' AND sent_at >= $2::timestamptz - interval '3 days'
ORDER BY sent_at DESC LIMIT 1
FOR UPDATE;

-- name: answer_survey
UPDATE sms_surveys SET status = 'answered', rating = $2, answered_at = $3 WHERE survey_id = $1;

-- name: opt_out_survey
UPDATE sms_surveys SET status = 'opted_out', answered_at = $2 WHERE survey_id = $1;

-- name: insert_sms_opt_out
INSERT INTO sms_opt_outs (e164, opted_out_at, provider_message_id) VALUES ($1, $2, $3)
ON CONFLICT (e164) DO NOTHING;

-- name: sms_figures
SELECT rep_user_id AS user_id, count(*)::int AS answered, avg(rating) AS mean_rating
FROM sms_surveys WHERE status = 'answered' AND answered_at >= $1 AND answered_at < $2
GROUP BY rep_user_id ORDER BY rep_user_id;

-- name: claim_sample_run
-- Claim a team's day for sampling: one worker wins, the others see NULL (migrations/0028).
INSERT INTO qa_sample_runs (team_id, sampled_on, ran_at) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING RETURNING team_id;

-- name: finish_sample_run
UPDATE qa_sample_runs SET queued = $3 WHERE team_id = $1 AND sampled_on = $2;
