-- name: training_rows
-- The latest ended attempts (of one campaign, or of all for the firm-wide model: $1 NULL)
-- with what the scorer may know of the account at the time: its features, its earlier
-- outcomes across campaigns, this campaign's earlier attempts to the number, and what
-- came of the attempt (a person answered and was put through to a rep; a warm lead; the
-- lead's converted revenue).
-- $1 campaign or NULL, $2 how many
WITH attempts AS (
    SELECT ca.call_attempt_id, ca.campaign_id, ca.account_id, ca.phone_id, ca.created_at,
           ca.answered_by = 'human' AND ca.bridged_at IS NOT NULL AS contacted,
           row_number() OVER (PARTITION BY ca.campaign_id, ca.phone_id
                              ORDER BY ca.created_at, ca.call_attempt_id) - 1 AS campaign_attempts,
           count(*) FILTER (WHERE ca.answered_by = 'human' AND ca.bridged_at IS NOT NULL)
               OVER (PARTITION BY ca.account_id ORDER BY ca.created_at, ca.call_attempt_id
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prior_contacts,
           ca.ended_at
    FROM call_attempts ca
    WHERE $1::bigint IS NULL OR ca.campaign_id = $1
)
SELECT t.call_attempt_id, t.created_at, t.contacted, t.campaign_attempts::int,
       coalesce(t.prior_contacts, 0)::int AS prior_contacts,
       (SELECT count(*) FROM leads pl
         WHERE pl.account_id = t.account_id AND pl.handed_off_at < t.created_at)::int AS prior_leads,
       a.segment::text AS segment, a.tier::text AS tier, a.assets_cents, a.opened_on,
       a.last_trade_on,
       coalesce(p.time_zones[1], a.address_time_zone, 'UTC') AS time_zone,
       l.lead_id IS NOT NULL AS lead,
       coalesce((SELECT sum(c.amount_cents) FROM conversions c WHERE c.lead_id = l.lead_id), 0)::bigint
           AS revenue_cents
FROM attempts t
JOIN accounts a ON a.account_id = t.account_id
LEFT JOIN account_phones p ON p.phone_id = t.phone_id
LEFT JOIN LATERAL (
    SELECT min(lead_id) AS lead_id FROM leads WHERE call_attempt_id = t.call_attempt_id
) l ON true
WHERE t.ended_at IS NOT NULL
  -- a callback's time was the customer's choice, and callbacks go first whatever the score
  AND NOT EXISTS (SELECT 1 FROM callbacks cb WHERE cb.call_attempt_id = t.call_attempt_id)
ORDER BY t.call_attempt_id DESC
LIMIT $2;

-- name: campaigns_to_score
-- Campaigns that dial in the learned order and are running.
SELECT campaign_id FROM campaigns
WHERE status = 'running' AND dialing_priority = 'learned'
ORDER BY campaign_id;

-- name: latest_model
-- $1 scope ('firm' or 'campaign:<id>')
SELECT scoring_model_id, scope, version, trained_at, trained_rows, model
FROM scoring_models WHERE scope = $1 ORDER BY version DESC LIMIT 1;

-- name: save_model
-- One row per retrain run: a second process saving the same run (same run key) adds none.
-- $1 scope, $2 campaign or NULL, $3 run key, $4 trained at, $5 rows, $6 model
INSERT INTO scoring_models (scope, campaign_id, version, run_key, trained_at, trained_rows, model)
SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5, $6
FROM scoring_models WHERE scope = $1
ON CONFLICT (run_key) DO NOTHING
RETURNING version;

-- name: pending_numbers
-- The campaign's pending numbers with what the scorer may know of each.
-- $1 campaign, $2 now
SELECT n.phone_id, n.list_id, n.priority, n.fairness_rank, n.attempts, n.last_attempt_at,
       n.next_attempt_at, n.scored_at, n.callback_due_at,
       (n.callback_due_at IS NOT NULL AND n.callback_due_at <= $2) AS callback_due,
       a.segment::text AS segment, a.tier::text AS tier, a.assets_cents, a.opened_on,
       a.last_trade_on,
       coalesce(p.time_zones[1], a.address_time_zone, 'UTC') AS time_zone,
       (SELECT count(*) FROM call_attempts ca WHERE ca.account_id = n.account_id
          AND ca.campaign_id <> n.campaign_id AND ca.answered_by = 'human'
          AND ca.bridged_at IS NOT NULL)::int AS prior_contacts,
       (SELECT count(*) FROM leads l WHERE l.account_id = n.account_id)::int AS prior_leads
FROM campaign_numbers n
JOIN accounts a ON a.account_id = n.account_id
JOIN account_phones p ON p.phone_id = n.phone_id
WHERE n.campaign_id = $1 AND n.state = 'pending'
ORDER BY n.phone_id;

-- name: write_ranks
-- $1 campaign, $2 phone ids, $3 their places, $4 now
UPDATE campaign_numbers n
SET scored_rank = r.place, scored_at = $4
FROM unnest($2::bigint[], $3::int[]) AS r(phone_id, place)
WHERE n.campaign_id = $1 AND n.phone_id = r.phone_id AND n.state = 'pending';

-- name: account_facts
-- One account's best number and what the scorer may know of it. $1 account
SELECT a.account_id, a.branch_id, a.segment::text AS segment, a.tier::text AS tier,
       a.assets_cents, a.opened_on, a.last_trade_on,
       coalesce(p.time_zones[1], a.address_time_zone, 'UTC') AS time_zone,
       (SELECT count(*) FROM call_attempts ca WHERE ca.account_id = a.account_id
          AND ca.answered_by = 'human' AND ca.bridged_at IS NOT NULL)::int AS prior_contacts,
       (SELECT count(*) FROM leads l WHERE l.account_id = a.account_id)::int AS prior_leads
FROM accounts a
LEFT JOIN LATERAL (
    SELECT time_zones FROM account_phones
    WHERE account_id = a.account_id AND retired_at IS NULL
    ORDER BY priority, phone_id LIMIT 1
) p ON true
WHERE a.account_id = $1;

-- name: place_retry
-- Move a pending retry into its best predicted hour (only later, never earlier, and only
-- if the number was not touched since it was read). $1 campaign, $2 phone, $3 read time,
-- $4 the new time
UPDATE campaign_numbers
SET next_attempt_at = $4, reason = coalesce(reason, '') || ' (best time to call)'
WHERE campaign_id = $1 AND phone_id = $2 AND state = 'pending' AND next_attempt_at = $3
  AND $4 > $3;

-- name: next_accounts
-- The campaign's next numbers as the hopper claims them: the WHERE and ORDER BY of
-- dialer/engine claim_numbers (keep the two the same; a test compares them), with what
-- the scorer knows of each account, in one query. $1 campaign, $2 now, $3 how many
SELECT n.phone_id, n.account_id, n.e164, n.attempts, n.scored_rank,
       (n.callback_due_at IS NOT NULL AND n.callback_due_at <= $2) AS callback_due,
       a.segment::text AS segment, a.tier::text AS tier, a.assets_cents, a.opened_on,
       a.last_trade_on,
       coalesce(p.time_zones[1], a.address_time_zone, 'UTC') AS time_zone,
       (SELECT count(*) FROM call_attempts ca WHERE ca.account_id = a.account_id
          AND ca.answered_by = 'human' AND ca.bridged_at IS NOT NULL)::int AS prior_contacts,
       (SELECT count(*) FROM leads l WHERE l.account_id = a.account_id)::int AS prior_leads
FROM campaign_numbers n
JOIN accounts a ON a.account_id = n.account_id
LEFT JOIN account_phones p ON p.phone_id = n.phone_id
WHERE n.campaign_id = $1 AND n.state = 'pending' AND n.next_attempt_at <= $2
ORDER BY (n.callback_due_at IS NOT NULL AND n.callback_due_at <= $2) DESC,
         n.scored_rank ASC NULLS LAST,
         n.priority DESC, n.last_attempt_at ASC NULLS FIRST, n.fairness_rank
LIMIT $3;
