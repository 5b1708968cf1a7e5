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
-- Earlier conversions that earned a lead: revenue reported later counts toward them.
SELECT account_id, occurred_on, lead_id, external_ref
FROM conversions
WHERE account_id = ANY($1::bigint[])
  AND kind NOT IN ('net_commission', 'advisory_fee')
  AND lead_id IS NOT NULL;

-- name: insert_conversions
INSERT INTO conversions (external_ref, account_id, kind, occurred_on, amount_cents, period,
                         lead_id, attribution_window_days, attribution_rule_set_id,
                         attribution_note, received_at)
SELECT ref, account_id, kind, occurred_on, amount_cents, period, lead_id, window_days,
       rule_set_id, note, $11
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::date[], $5::bigint[], $6::text[],
            $7::bigint[], $8::int[], $9::bigint[], $10::text[])
     AS row (ref, account_id, kind, occurred_on, amount_cents, period, lead_id, window_days,
             rule_set_id, note)
ON CONFLICT (external_ref) DO NOTHING
RETURNING external_ref;

-- Revenue rules and ledger ---------------------------------------------------------

-- name: insert_rule_set
INSERT INTO revenue_rule_sets (version, effective_from, rules)
VALUES ($1, $2, $3)
ON CONFLICT (version) DO NOTHING
RETURNING rule_set_id;

-- name: rule_set_by_version
SELECT rule_set_id, rules FROM revenue_rule_sets WHERE version = $1;

-- name: rule_sets
SELECT rule_set_id, version, rules
FROM revenue_rule_sets
ORDER BY effective_from, rule_set_id;

-- name: lock_revenue_posting
SELECT pg_advisory_xact_lock(hashtext('dialer.revenue.post'));

-- name: unposted_revenue
-- Attributed revenue (net commission, advisory fees) not yet on the ledger, with the lead's
-- people and the conversion it counts toward (the lead's latest other conversion on or
-- before it).
SELECT c.conversion_id, c.account_id, c.kind AS revenue_kind, c.amount_cents, c.occurred_on,
       c.period, c.lead_id,
       l.handed_off_at, l.call_attempt_id, l.rep_user_id, rep.team_id, l.branch_id,
       l.assigned_to, earning.conversion_id AS earning_id, earning.kind AS earning_kind,
       earning.occurred_on AS earning_on
FROM conversions c
JOIN leads l ON l.lead_id = c.lead_id
JOIN users rep ON rep.user_id = l.rep_user_id
LEFT JOIN LATERAL (
    SELECT e.conversion_id, e.kind, e.occurred_on
    FROM conversions e
    WHERE e.lead_id = c.lead_id
      AND e.kind NOT IN ('net_commission', 'advisory_fee')
      AND e.occurred_on <= c.occurred_on
    ORDER BY e.occurred_on DESC, e.conversion_id DESC
    LIMIT 1
) earning ON true
WHERE c.kind IN ('net_commission', 'advisory_fee')
  AND NOT EXISTS (SELECT 1 FROM revenue_ledger g WHERE g.conversion_id = c.conversion_id)
ORDER BY c.occurred_on, c.conversion_id;

-- name: paid_by_lead
SELECT lead_id, party_kind, sum(amount_cents)::bigint AS cents
FROM revenue_ledger
WHERE lead_id = ANY($1::bigint[])
  AND party_kind <> 'firm'
GROUP BY lead_id, party_kind;

-- name: insert_ledger_entries
INSERT INTO revenue_ledger (conversion_id, lead_id, call_attempt_id, rule_set_id, party_kind,
                            party_id, amount_cents, period, reason, service_score,
                            service_multiplier, posted_at)
SELECT conversion_id, lead_id, call_attempt_id, rule_set_id, party_kind, party_id,
       amount_cents, period, reason, service_score, service_multiplier, $12
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[],
            $7::bigint[], $8::text[], $9::text[], $10::numeric[], $11::numeric[])
     AS entry (conversion_id, lead_id, call_attempt_id, rule_set_id, party_kind, party_id,
               amount_cents, period, reason, service_score, service_multiplier);

-- name: record_not_posted
-- Why each revenue row was not posted this run (NULL: it was posted).
UPDATE conversions c
SET not_posted_reason = outcome.reason
FROM unnest($1::bigint[], $2::text[]) AS outcome (conversion_id, reason)
WHERE c.conversion_id = outcome.conversion_id
  AND c.not_posted_reason IS DISTINCT FROM outcome.reason;

-- name: ledger_entries
-- The ledger (of one period, or all with NULL) with what statements need to trace a line.
SELECT g.entry_id, g.conversion_id, g.lead_id, g.call_attempt_id, g.party_kind, g.party_id,
       g.amount_cents, g.period, g.reason, g.posted_at, g.reverses_entry_id,
       g.service_score, g.service_multiplier, c.kind AS revenue_kind, s.rules ->> 'firm_id' AS rule_firm_id, (s.rules ->> 'version')::int AS rule_version,
       s.rules ->> 'currency' AS currency,
       c.account_id, l.rep_user_id, rep.team_id, l.branch_id, l.assigned_to
FROM revenue_ledger g
JOIN conversions c ON c.conversion_id = g.conversion_id
LEFT JOIN revenue_rule_sets s ON s.rule_set_id = g.rule_set_id
LEFT JOIN leads l ON l.lead_id = g.lead_id
LEFT JOIN users rep ON rep.user_id = l.rep_user_id
WHERE $1::text IS NULL OR g.period = $1
ORDER BY g.entry_id;

-- name: ledger_periods
SELECT DISTINCT period FROM revenue_ledger ORDER BY period;

-- name: ledger_totals_by_party
SELECT party_kind, sum(amount_cents)::bigint AS cents, count(*) AS entries
FROM revenue_ledger
WHERE period = $1
GROUP BY party_kind
ORDER BY party_kind;

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

-- Corrections and clawbacks (new entries; the ledger refuses updates) ------------------

-- name: lock_conversion
SELECT conversion_id, account_id, external_ref, kind, occurred_on, lead_id
FROM conversions
WHERE conversion_id = $1
FOR UPDATE;

-- name: conversion_by_ref
SELECT conversion_id FROM conversions WHERE external_ref = $1;

-- name: unreversed_entries
-- Entries of a revenue row that no later entry reverses (and that reverse nothing).
SELECT g.entry_id, g.party_kind, g.party_id, g.amount_cents, g.lead_id, g.call_attempt_id,
       g.rule_set_id
FROM revenue_ledger g
WHERE g.conversion_id = $1
  AND g.reverses_entry_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM revenue_ledger r WHERE r.reverses_entry_id = g.entry_id)
ORDER BY g.entry_id;

-- name: insert_reversals
-- A correction applies no multiplier of its own (1), as in revenue.ledger.
INSERT INTO revenue_ledger (conversion_id, lead_id, call_attempt_id, rule_set_id, party_kind,
                            party_id, amount_cents, period, reverses_entry_id, reason,
                            service_multiplier, posted_at)
SELECT conversion_id, lead_id, call_attempt_id, rule_set_id, party_kind, party_id,
       -amount_cents, $2, entry_id, $3, 1, $4
FROM revenue_ledger
WHERE entry_id = ANY($1::bigint[]);

-- name: insert_firm_entry
INSERT INTO revenue_ledger (conversion_id, lead_id, call_attempt_id, rule_set_id, party_kind,
                            party_id, amount_cents, period, reason, service_multiplier, posted_at)
VALUES ($1, $2, $3, $4, 'firm', NULL, $5, $6, $7, 1, $8);

-- name: posted_revenue_of_account
-- A customer's posted revenue, with the conversion each counts toward.
SELECT c.conversion_id, earning.occurred_on AS earning_on, earning.kind AS earning_kind
FROM conversions c
JOIN LATERAL (
    SELECT e.occurred_on, e.kind
    FROM conversions e
    WHERE e.lead_id = c.lead_id
      AND e.kind NOT IN ('net_commission', 'advisory_fee')
      AND e.occurred_on <= c.occurred_on
    ORDER BY e.occurred_on DESC, e.conversion_id DESC
    LIMIT 1
) earning ON true
WHERE c.account_id = $1
  AND c.kind IN ('net_commission', 'advisory_fee')
  AND EXISTS (SELECT 1 FROM revenue_ledger g WHERE g.conversion_id = c.conversion_id)
ORDER BY c.conversion_id;

-- name: statement_holder_names
SELECT 'rep' AS kind, user_id::text AS holder_id, display_name AS name FROM users
UNION ALL
SELECT 'account_manager', user_id::text, display_name FROM users
UNION ALL
SELECT 'team', team_id::text, name FROM teams
UNION ALL
SELECT 'branch', branch_id::text, code || ' ' || name FROM branches;

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
SELECT e.lead_id AS from_lead_id, a.name AS customer_name, t.lead_id, t.branch_id,
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
