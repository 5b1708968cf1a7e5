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
                   notes, handed_off_at, sla_due_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (account_id, interest_key) WHERE state IN ('new', 'accepted', 'contacted')
DO NOTHING
RETURNING lead_id;

-- name: branch_time_zone
SELECT time_zone FROM branches WHERE branch_id = $1;

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

-- Branch inbox ---------------------------------------------------------------------
-- Scope parameters: $2 branch (NULL = every branch, for the centre), $3 assignee (NULL = anyone).

-- name: scoped_leads
SELECT l.lead_id, l.account_id, a.name AS customer_name, l.campaign_id, l.product_id,
       p.name AS product_name, l.rep_user_id, l.branch_id, l.assigned_to,
       m.display_name AS assigned_name, l.state, l.interest, l.preferred_contact_at, l.notes,
       l.handed_off_at, l.accepted_at, l.first_contact_at, l.closed_at, l.sla_due_at,
       coalesce(br.time_zone, 'Asia/Shanghai') AS time_zone,
       l.rerouted_to IS NOT NULL AS rerouted
FROM leads l
JOIN accounts a ON a.account_id = l.account_id
LEFT JOIN products p ON p.product_id = l.product_id
LEFT JOIN users m ON m.user_id = l.assigned_to
LEFT JOIN branches br ON br.branch_id = l.branch_id
WHERE ($1::text IS NULL OR l.state = $1)
  AND ($2::bigint IS NULL OR l.branch_id = $2)
  AND ($3::bigint IS NULL OR l.assigned_to = $3)
ORDER BY l.handed_off_at DESC, l.lead_id DESC
LIMIT $4;

-- name: scoped_lead
SELECT l.lead_id, l.account_id, a.name AS customer_name, l.campaign_id, l.product_id,
       p.name AS product_name, l.rep_user_id, l.call_attempt_id, l.branch_id, l.assigned_to,
       m.display_name AS assigned_name, l.state, l.interest, l.preferred_contact_at, l.notes,
       l.handed_off_at, l.accepted_at, l.first_contact_at, l.closed_at, l.sla_due_at
FROM leads l
JOIN accounts a ON a.account_id = l.account_id
LEFT JOIN products p ON p.product_id = l.product_id
LEFT JOIN users m ON m.user_id = l.assigned_to
WHERE l.lead_id = $1
  AND ($2::bigint IS NULL OR l.branch_id = $2)
  AND ($3::bigint IS NULL OR l.assigned_to = $3);

-- name: scoped_lead_state_for_update
SELECT state FROM leads
WHERE lead_id = $1
  AND ($2::bigint IS NULL OR branch_id = $2)
  AND ($3::bigint IS NULL OR assigned_to = $3)
FOR UPDATE;

-- name: move_lead
UPDATE leads
SET state = $2,
    accepted_at = CASE WHEN $2 = 'accepted' THEN coalesce(accepted_at, $3) ELSE accepted_at END,
    first_contact_at = CASE WHEN $4 THEN coalesce(first_contact_at, $3) ELSE first_contact_at END,
    closed_at = CASE WHEN $2 IN ('won', 'lost') THEN $3 ELSE closed_at END
WHERE lead_id = $1;

-- Follow-up SLA -----------------------------------------------------------------------

-- name: sla_candidates
SELECT lead_id
FROM leads
WHERE state IN ('new', 'accepted')
  AND first_contact_at IS NULL
  AND sla_due_at IS NOT NULL
  AND sla_due_at <= $1
ORDER BY sla_due_at, lead_id;

-- name: lock_lead_skip_locked
-- Another process working on this lead right now holds the lock: leave it to them.
SELECT lead_id FROM leads WHERE lead_id = $1 FOR UPDATE SKIP LOCKED;

-- name: sla_lead
-- Read after taking the lock, so that steps a process recorded before releasing it are seen.
SELECT l.lead_id, l.state, l.branch_id, l.assigned_to, l.sla_due_at, l.first_contact_at,
       b.time_zone,
       coalesce((SELECT array_agg(u.user_id ORDER BY u.user_id)
                 FROM users u
                 WHERE u.branch_id = l.branch_id AND u.role = 'branch_manager' AND u.active),
                '{}') AS branch_managers,
       coalesce((SELECT array_agg(DISTINCT e.kind)
                 FROM lead_events e
                 WHERE e.lead_id = l.lead_id AND e.kind LIKE 'sla\_%'),
                '{}') AS done
FROM leads l
JOIN branches b ON b.branch_id = l.branch_id
WHERE l.lead_id = $1;

-- name: expire_lead_to_centre_pool
-- Closed for the branch (its expired tab, with who had it) and in the centre's pool.
UPDATE leads SET state = 'expired', closed_at = $2 WHERE lead_id = $1;

-- name: scoped_state_counts
SELECT state, count(*) AS leads
FROM leads
WHERE ($1::bigint IS NULL OR branch_id = $1)
  AND ($2::bigint IS NULL OR assigned_to = $2)
GROUP BY state;

-- name: branch_account_managers
SELECT u.user_id, u.display_name,
       count(l.lead_id) FILTER (WHERE l.state IN ('new', 'accepted', 'contacted')) AS open_leads
FROM users u
LEFT JOIN leads l ON l.assigned_to = u.user_id
WHERE u.branch_id = $1 AND u.role = 'account_manager' AND u.active
GROUP BY u.user_id, u.display_name
ORDER BY u.display_name, u.user_id;

-- Demo: simulated branches ------------------------------------------------------------

-- name: demo_open_leads
SELECT l.lead_id, l.state, l.branch_id, l.assigned_to
FROM leads l
WHERE l.state IN ('new', 'accepted', 'contacted') AND l.branch_id IS NOT NULL
ORDER BY l.lead_id;

-- name: demo_won_without_conversion
SELECT l.lead_id, a.account_number
FROM leads l
JOIN accounts a ON a.account_id = l.account_id
WHERE l.state = 'won'
  AND a.account_number IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM conversions c WHERE c.external_ref = 'demo-won-' || l.lead_id)
ORDER BY l.lead_id;

-- name: demo_figures
SELECT (SELECT count(*) FROM leads) AS leads_handed_off,
       (SELECT count(*) FROM leads WHERE state = 'won') AS leads_won,
       (SELECT coalesce(sum(amount_cents), 0) FROM revenue_ledger)::bigint AS revenue_cents,
       (SELECT coalesce(sum(amount_cents), 0) FROM revenue_ledger
         WHERE party_kind IN ('rep', 'team', 'centre'))::bigint AS centre_cents,
       (SELECT coalesce(sum(amount_cents), 0) FROM revenue_ledger
         WHERE party_kind = 'firm')::bigint AS firm_cents;

-- name: demo_revenue_by_branch
SELECT b.code, coalesce(sum(g.amount_cents), 0)::bigint AS cents
FROM revenue_ledger g
JOIN leads l ON l.lead_id = g.lead_id
JOIN branches b ON b.branch_id = l.branch_id
WHERE g.party_kind IN ('account_manager', 'branch')
GROUP BY b.code
ORDER BY b.code;

-- name: branch_manager_of
SELECT user_id FROM users
WHERE branch_id = $1 AND role = 'branch_manager' AND active
ORDER BY user_id
LIMIT 1;

-- Notices (queued with the change, sent after it commits) ------------------------------

-- name: queue_notice
-- Addressed to $5, or with nobody named to the branch's managers.
INSERT INTO lead_notices (lead_id, event, branch_id, at, recipients, detail)
VALUES ($1, $2, $3, $4,
        coalesce($5::bigint[],
                 (SELECT coalesce(array_agg(u.user_id ORDER BY u.user_id), '{}')
                  FROM users u
                  WHERE u.branch_id = $3 AND u.role = 'branch_manager' AND u.active)),
        $6);

-- name: claim_notices
-- Claimed and marked in one statement: another process skips them, none goes out twice.
UPDATE lead_notices
SET sent_at = $1
WHERE notice_id IN (SELECT notice_id
                    FROM lead_notices
                    WHERE sent_at IS NULL
                    ORDER BY notice_id
                    LIMIT $2
                    FOR UPDATE SKIP LOCKED)
RETURNING notice_id, lead_id, event, branch_id, at, recipients, detail;

-- The centre's pool (admins, campaign managers) -----------------------------------------
-- Leads that expired at a branch and are not yet re-routed, and open leads of customers
-- with no branch (handed off to the pool).

-- name: centre_pool
-- available_manager_id is the customer's account manager when that person can take leads
-- (as in account_for_handoff): a re-route by default goes to them, in manager_branch_id.
SELECT l.lead_id, l.account_id, a.name AS customer_name, a.segment::text AS segment,
       a.tier::text AS tier, l.campaign_id, l.product_id,
       p.name AS product_name, l.rep_user_id, l.branch_id, br.code AS branch_code,
       br.name AS branch_name,
       l.assigned_to, l.state, l.interest, l.preferred_contact_at, l.notes, l.handed_off_at,
       l.closed_at, coalesce(l.closed_at, l.handed_off_at) AS waiting_since,
       a.branch_id AS customer_branch_id,
       a.account_manager_id AS customer_manager_id,
       m.user_id AS available_manager_id, m.display_name AS manager_name,
       m.branch_id AS manager_branch_id, mb.name AS manager_branch_name
FROM leads l
JOIN accounts a ON a.account_id = l.account_id
LEFT JOIN products p ON p.product_id = l.product_id
LEFT JOIN branches br ON br.branch_id = l.branch_id
LEFT JOIN users m
       ON m.user_id = a.account_manager_id
      AND m.role = 'account_manager'
      AND m.active
      AND m.branch_id IS NOT NULL
LEFT JOIN branches mb ON mb.branch_id = m.branch_id
WHERE (l.state = 'expired' AND l.rerouted_to IS NULL)
   OR (l.branch_id IS NULL AND l.state IN ('new', 'accepted', 'contacted'))
ORDER BY coalesce(l.closed_at, l.handed_off_at), l.lead_id
LIMIT $1;

-- name: pool_lead_for_update
SELECT lead_id, account_id, campaign_id, product_id, rep_user_id, call_attempt_id, branch_id,
       assigned_to, state, interest, preferred_contact_at, notes, rerouted_to
FROM leads
WHERE lead_id = $1
FOR UPDATE;

-- name: reroute_outcome
-- Where the centre's last re-route of lead $1 sent it: the lead now open, its branch and
-- who has it (NULL assignee: the branch's queue).
SELECT e.lead_id AS from_lead_id, a.name AS customer_name, t.account_id, t.lead_id,
       t.branch_id,
       tb.name AS branch_name, t.assigned_to, u.display_name AS assigned_name
FROM lead_events e
JOIN leads t ON t.lead_id = (e.detail ->> 'to_lead_id')::bigint
JOIN accounts a ON a.account_id = t.account_id
JOIN branches tb ON tb.branch_id = t.branch_id
LEFT JOIN users u ON u.user_id = t.assigned_to
WHERE e.lead_id = $1 AND e.kind = 'rerouted'
ORDER BY e.at DESC
LIMIT 1;

-- name: branches_for_reroute
SELECT branch_id, code, name FROM branches ORDER BY name, branch_id;

-- name: branch_exists
SELECT branch_id FROM branches WHERE branch_id = $1;

-- name: mark_rerouted
UPDATE leads SET rerouted_to = $2 WHERE lead_id = $1;

-- name: route_pool_lead
-- A lead of a customer with no branch, still open, goes to the branch the centre chose.
UPDATE leads SET branch_id = $2, assigned_to = $3, sla_due_at = $4 WHERE lead_id = $1;

-- name: audit_lead
INSERT INTO audit_log (at, actor_user_id, kind, subject_type, subject_id, detail)
VALUES ($1, $2, $3, 'lead', $4, $5);
