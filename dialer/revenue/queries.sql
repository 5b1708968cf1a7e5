-- The revenue edge: conversion import, rules and ledger, statements, corrections.
-- Parameters are always $1…

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

-- Service coefficient restatements ----------------------------------------------------

-- name: standing_payee_entries
-- Split entries still standing (not reversals, not reversed) of paid people, with the
-- month of the revenue they were split from (whose coefficient applies).
SELECT g.entry_id, g.conversion_id, g.party_id, g.service_score,
       coalesce(c.period, to_char(c.occurred_on, 'YYYY-MM')) AS revenue_period
FROM revenue_ledger g
JOIN conversions c ON c.conversion_id = g.conversion_id
WHERE g.reverses_entry_id IS NULL
  AND g.party_kind IN ('rep', 'account_manager')
  AND g.party_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM revenue_ledger r WHERE r.reverses_entry_id = g.entry_id);

-- name: unreversed_entries_of
SELECT g.entry_id FROM revenue_ledger g
WHERE g.conversion_id = ANY($1::bigint[]) AND g.reverses_entry_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM revenue_ledger r WHERE r.reverses_entry_id = g.entry_id)
ORDER BY g.entry_id;

-- name: revenue_rows
-- The given revenue rows, shaped as unposted_revenue (for a re-split).
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
WHERE c.conversion_id = ANY($1::bigint[])
ORDER BY c.occurred_on, c.conversion_id;
