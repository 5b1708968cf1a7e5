-- name: search_accounts
SELECT a.account_id, a.account_number, a.name, a.segment::text AS segment, a.tier::text AS tier,
       a.branch_id, b.name AS branch_name, a.account_manager_id, a.assets_cents, a.last_trade_on
FROM accounts a
LEFT JOIN branches b USING (branch_id)
WHERE ($1::text IS NULL OR a.segment::text = $1)
  AND ($2::text IS NULL OR a.tier::text = $2)
  AND ($3::bigint IS NULL OR a.branch_id = $3)
  AND a.account_id > $4
ORDER BY a.account_id
LIMIT $5;

-- name: account_by_id
SELECT a.account_id, a.account_number, a.name, a.segment::text AS segment, a.tier::text AS tier,
       a.branch_id, b.name AS branch_name, a.account_manager_id,
       m.display_name AS account_manager_name, a.assets_cents, a.opened_on, a.last_trade_on,
       a.region, a.city, a.address_time_zone, a.risk_tolerance, a.risk_assessed_on, a.extra
FROM accounts a
LEFT JOIN branches b USING (branch_id)
LEFT JOIN users m ON m.user_id = a.account_manager_id
WHERE a.account_id = $1;

-- name: account_phones
SELECT phone_id, e164, line_type, region_code, time_zones, is_valid, retired_at, retired_reason
FROM account_phones WHERE account_id = $1 ORDER BY priority, phone_id;

-- name: account_consents
SELECT purpose, channel, granted_at, revoked_at, source
FROM consents WHERE account_id = $1 ORDER BY granted_at;

-- name: contact_history
-- every earlier attempt with its disposition and callback, across campaigns, newest first
SELECT c.call_attempt_id, c.campaign_id, k.name AS campaign_name, c.created_at, c.status,
       c.answered_by, c.abandoned, c.talk_seconds, u.display_name AS agent,
       d.code AS disposition, d.note, cb.due_at AS callback_due_at
FROM call_attempts c
JOIN campaigns k USING (campaign_id)
LEFT JOIN users u ON u.user_id = c.agent_user_id
LEFT JOIN dispositions d ON d.call_attempt_id = c.call_attempt_id
LEFT JOIN callbacks cb ON cb.disposition_id = d.disposition_id
WHERE c.account_id = $1
ORDER BY c.created_at DESC
LIMIT 200;
