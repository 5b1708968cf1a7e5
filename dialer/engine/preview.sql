-- name: lease_account_number
-- The account's next callable number in the campaign's queue, leased to the engine for a
-- rep's preview dial. A number kept for preview only (REQUIRE preview) is taken as well:
-- a rep dialling it by hand is what it waits for. $1 campaign, $2 account, $3 engine id,
-- $4 now, $5 lease seconds
WITH chosen AS (
    SELECT n.campaign_id, n.phone_id
    FROM campaign_numbers n
    JOIN account_phones p USING (phone_id)
    WHERE n.campaign_id = $1 AND n.account_id = $2 AND n.state = 'pending'
      AND (n.next_attempt_at <= $4 OR n.preview_only)
      AND p.is_valid AND p.retired_at IS NULL
    ORDER BY p.priority, n.phone_id
    LIMIT 1
    FOR UPDATE OF n SKIP LOCKED
)
UPDATE campaign_numbers n
SET state = 'leased', leased_by = $3, lease_expires_at = $4 + make_interval(secs => $5)
FROM chosen
WHERE n.campaign_id = chosen.campaign_id AND n.phone_id = chosen.phone_id
RETURNING n.campaign_id, n.phone_id, n.account_id, n.e164, n.attempts, n.last_attempt_at,
          n.callback_owner, n.preview_only;

-- name: reserve_attempt_for
-- the rep the call is placed for: `_reserve_rep` bridges the answered call to them
UPDATE call_attempts SET reserved_agent_user_id = $2 WHERE call_attempt_id = $1;

-- name: mark_preview_dialed
-- the rep's pending dial decision on the account now names its call attempt
UPDATE preview_decisions
SET dialed_call_attempt_id = $4
WHERE campaign_id = $1 AND account_id = $2 AND user_id = $3 AND action = 'dial'
  AND dialed_call_attempt_id IS NULL
RETURNING preview_decision_id;

-- name: attempt_status
SELECT status, end_reason FROM call_attempts WHERE call_attempt_id = $1;
