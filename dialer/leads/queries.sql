-- Warm-lead handoff and assignment. Parameters are always $1…; branch scoping is a
-- parameter of every query a branch user can reach.

-- name: account_for_handoff
-- The customer, their branch and their account manager if that person can take leads.
SELECT a.account_id,
       a.branch_id,
       a.account_manager_id,
       m.user_id AS available_manager_id,
       m.branch_id AS manager_branch_id
FROM accounts a
LEFT JOIN users m
       ON m.user_id = a.account_manager_id
      AND m.role = 'account_manager'
      AND m.active
      AND m.branch_id IS NOT NULL
WHERE a.account_id = $1;

-- name: open_lead_for_update
SELECT lead_id, branch_id, assigned_to, state
FROM leads
WHERE account_id = $1
  AND interest_key = coalesce($2::bigint, 0)
  AND state IN ('new', 'accepted', 'contacted')
FOR UPDATE;

-- name: add_to_open_lead
UPDATE leads
SET notes = CASE WHEN $2 = '' THEN notes
                 WHEN notes = '' THEN $2
                 ELSE notes || E'\n' || $2 END,
    interest = CASE WHEN $3 = '' THEN interest ELSE $3 END,
    preferred_contact_at = coalesce($4, preferred_contact_at)
WHERE lead_id = $1;

-- name: lock_branch
-- Serialises automatic assignment within a branch, so two handoffs never pick from the
-- same picture of who has how many leads.
SELECT branch_id, lead_assignment
FROM branches
WHERE branch_id = $1
FOR UPDATE;

-- name: assignment_candidates
SELECT u.user_id,
       count(l.lead_id) FILTER (WHERE l.state IN ('new', 'accepted', 'contacted')) AS open_leads,
       max(l.lead_id) AS newest_lead_id
FROM users u
LEFT JOIN leads l ON l.assigned_to = u.user_id
WHERE u.branch_id = $1
  AND u.role = 'account_manager'
  AND u.active
GROUP BY u.user_id
ORDER BY u.user_id;

-- name: insert_lead
-- The partial unique index leads_one_open_per_interest decides whether this is a new lead;
-- when another handoff won the race, nothing is inserted and the caller adds to that lead.
INSERT INTO leads (account_id, campaign_id, product_id, rep_user_id, call_attempt_id,
                   disposition_id, branch_id, assigned_to, interest, preferred_contact_at,
                   notes, handed_off_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (account_id, interest_key) WHERE state IN ('new', 'accepted', 'contacted')
DO NOTHING
RETURNING lead_id;

-- name: record_event
INSERT INTO lead_events (lead_id, at, kind, actor_user_id, detail)
VALUES ($1, $2, $3, $4, $5);

-- name: branch_lead_for_update
SELECT lead_id, branch_id, assigned_to, state
FROM leads
WHERE lead_id = $1
  AND branch_id = $2
FOR UPDATE;

-- name: branch_account_manager
SELECT user_id
FROM users
WHERE user_id = $1
  AND branch_id = $2
  AND role = 'account_manager'
  AND active;

-- name: set_assignee
UPDATE leads SET assigned_to = $2 WHERE lead_id = $1;

-- name: lead_timeline
SELECT at, kind, actor_user_id, detail
FROM lead_events
WHERE lead_id = $1
ORDER BY at;

-- Conversion import ---------------------------------------------------------------

-- name: lock_conversion_imports
-- One import at a time, so two runs of the same file cannot both think a row is new.
SELECT pg_advisory_xact_lock(hashtext('dialer.conversions.import'));

-- name: accounts_by_number
SELECT account_id, account_number
FROM accounts
WHERE account_number = ANY($1::text[]);

-- name: conversions_by_ref
SELECT external_ref, account_id, kind, occurred_on, amount_cents, period
FROM conversions
WHERE external_ref = ANY($1::text[]);

-- name: leads_of_accounts
SELECT lead_id, account_id, handed_off_at
FROM leads
WHERE account_id = ANY($1::bigint[]);

-- name: attributed_conversions_of_accounts
-- Earlier conversions that earned a lead: commission reported later counts toward them.
SELECT account_id, occurred_on, lead_id, external_ref
FROM conversions
WHERE account_id = ANY($1::bigint[])
  AND kind <> 'net_commission'
  AND lead_id IS NOT NULL;

-- name: insert_conversions
INSERT INTO conversions (external_ref, account_id, kind, occurred_on, amount_cents, period,
                         lead_id, received_at)
SELECT ref, account_id, kind, occurred_on, amount_cents, period, lead_id, $8
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::date[], $5::bigint[], $6::text[],
            $7::bigint[]) AS row (ref, account_id, kind, occurred_on, amount_cents, period, lead_id)
ON CONFLICT (external_ref) DO NOTHING
RETURNING external_ref;
