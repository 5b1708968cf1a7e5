-- name: load_campaign_numbers
-- Put every callable phone of the campaign's target accounts in its queue (once).
-- $1 campaign, $2 now, $3 tiers highest first
INSERT INTO campaign_numbers (campaign_id, phone_id, account_id, e164, list_id, priority,
                              fairness_rank, next_attempt_at)
SELECT c.campaign_id, p.phone_id, a.account_id, p.e164, m.list_id,
       coalesce(cardinality($3::text[]) + 1 - array_position($3::text[], a.tier::text), 0),
       row_number() OVER (PARTITION BY m.list_id ORDER BY a.account_id, p.priority)::int,
       $2
FROM campaigns c
JOIN accounts a ON cardinality(c.target_segments) = 0 OR a.segment = ANY (c.target_segments)
JOIN account_phones p ON p.account_id = a.account_id AND p.is_valid AND p.retired_at IS NULL
LEFT JOIN LATERAL (
    SELECT min(lm.list_id) AS list_id FROM list_memberships lm
    WHERE lm.account_id = a.account_id AND lm.list_id = ANY (c.list_ids)
) m ON true
WHERE c.campaign_id = $1
  AND (cardinality(c.list_ids) = 0 OR m.list_id IS NOT NULL)
ON CONFLICT (campaign_id, phone_id) DO NOTHING;

-- name: release_expired_leases
-- A lease that ran out was never dialed (dialing needs a call_attempt): safe to release.
UPDATE campaign_numbers
SET state = 'pending', leased_by = NULL, lease_expires_at = NULL
WHERE state = 'leased' AND lease_expires_at < $1
RETURNING campaign_id, phone_id;

-- name: claim_numbers
-- Dialing order (scoring.priority.dialing_order): due callbacks, then the learned order's
-- place (scored_rank, written by dialer.scoring.rescore from the same function; numbers
-- not ranked yet come after), then the tier rule (tier, then longest since the last
-- attempt, never-attempted first), then fairness across lists (fairness_rank).
-- An engine holding the campaign's lease claims under its epoch ($6): a stale epoch (its
-- worker lost the lease) claims nothing. NULL: an engine that holds no lease (tests).
-- $1 campaign, $2 now, $3 how many, $4 engine id, $5 lease seconds, $6 lease epoch
WITH next AS (
    SELECT campaign_id, phone_id
    FROM campaign_numbers
    WHERE campaign_id = $1 AND state = 'pending' AND next_attempt_at <= $2
      AND ($6::bigint IS NULL OR campaign_lease_current($1, $6::bigint))
    ORDER BY (callback_due_at IS NOT NULL AND callback_due_at <= $2) DESC,
             scored_rank ASC NULLS LAST,
             priority DESC, last_attempt_at ASC NULLS FIRST, fairness_rank
    LIMIT $3
    FOR UPDATE SKIP LOCKED
)
UPDATE campaign_numbers n
SET state = 'leased', leased_by = $4, lease_expires_at = $2 + make_interval(secs => $5)
FROM next
WHERE n.campaign_id = next.campaign_id AND n.phone_id = next.phone_id
RETURNING n.campaign_id, n.phone_id, n.account_id, n.e164, n.attempts, n.last_attempt_at,
          n.callback_owner, n.preview_only;

-- name: start_attempt
-- The number's call attempt is written before the provider is asked to dial, so a crash
-- between the two leaves a record to reconcile rather than a number to dial again. A due
-- callback of the number is marked dialled by this attempt in the same statement, and its
-- due time leaves the number (its owner stays until the attempt settles, for routing); a
-- callback not due yet (a rep's early preview dial) stays scheduled and the settle queues
-- the number for it again.
WITH attempt AS (
    INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164, idempotency_key,
                               status, created_at, engine_id, compliance_decision_id, provider,
                               lease_epoch)
    SELECT campaign_id, account_id, phone_id, e164, $3, 'created', $4, $5, $6, $7, $8
    FROM campaign_numbers
    WHERE campaign_id = $1 AND phone_id = $2 AND state = 'leased' AND leased_by = $5
    RETURNING call_attempt_id, campaign_id, phone_id
),
dialled AS (
    UPDATE callbacks cb
    SET status = 'dialled', call_attempt_id = attempt.call_attempt_id
    FROM attempt
    JOIN campaign_numbers q ON q.campaign_id = attempt.campaign_id
                           AND q.phone_id = attempt.phone_id
    WHERE cb.callback_id = q.callback_id AND cb.status = 'scheduled' AND cb.due_at <= $4
)
UPDATE campaign_numbers n
SET state = 'dialing', call_attempt_id = attempt.call_attempt_id, leased_by = NULL,
    lease_expires_at = NULL, attempts = n.attempts + 1, last_attempt_at = $4,
    callback_due_at = CASE WHEN n.callback_due_at <= $4 THEN NULL ELSE n.callback_due_at END
FROM attempt
WHERE n.campaign_id = attempt.campaign_id AND n.phone_id = attempt.phone_id
RETURNING attempt.call_attempt_id;

-- name: defer_number
-- The gate said DELAY (or a live call holds the number elsewhere): back to the queue.
UPDATE campaign_numbers
SET state = 'pending', leased_by = NULL, lease_expires_at = NULL, next_attempt_at = $3,
    reason = $4
WHERE campaign_id = $1 AND phone_id = $2 AND state = 'leased';

-- name: close_number
-- BLOCK, retire, or done: the number leaves the queue with its reason, and so does a
-- callback it was queued for (blocked, with the same reason: the gate refused its time).
WITH closed AS (
    UPDATE campaign_numbers
    SET state = $3, leased_by = NULL, lease_expires_at = NULL, reason = $4,
        blocked_rules = $5::text[]
    WHERE campaign_id = $1 AND phone_id = $2 AND state IN ('leased', 'dialing', 'pending')
    RETURNING callback_id
)
UPDATE callbacks cb
SET status = 'blocked', reason = $4
FROM closed
WHERE cb.callback_id = closed.callback_id AND cb.status = 'scheduled';

-- name: insert_audit
INSERT INTO audit_log (at, actor_user_id, kind, subject_type, subject_id, detail)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING audit_id;
