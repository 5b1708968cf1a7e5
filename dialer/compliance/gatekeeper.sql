-- Queries of the pre-dial compliance gate (dialer.compliance.gatekeeper). Each loads one
-- kind of fact for a whole batch of numbers: a batch costs the same few round trips
-- whatever its size.

-- name: gate_campaign
-- $1 campaign
SELECT c.campaign_id, c.name, c.jurisdiction, c.purpose, c.pacing_mode, c.subject,
       c.caller_id, c.ring_seconds, c.abandon_message, c.status, c.calling_windows,
       p.product_id, p.code AS product_code, p.risk_level, p.kind, p.required_registration
FROM campaigns c
LEFT JOIN products p ON p.product_id = c.product_id
WHERE c.campaign_id = $1;

-- name: gate_latest_snapshots
-- the newest snapshot of every do-not-call list
SELECT DISTINCT ON (source) snapshot_id, source, snapshot_date
FROM dnc_snapshots
ORDER BY source, snapshot_date DESC, snapshot_id DESC;

-- name: gate_callees
-- $1 phone ids: the number's line type and its account's facts
SELECT p.phone_id, p.e164 AS phone_e164, p.line_type, p.region_code, p.time_zones,
       a.account_id, a.region, a.address_time_zone, a.risk_tolerance, a.risk_assessed_on,
       a.professional_investor, a.existing_customer_since, a.last_transaction_on, a.extra
FROM account_phones p
JOIN accounts a ON a.account_id = p.account_id
WHERE p.phone_id = ANY ($1::bigint[]);

-- name: gate_consents
-- $1 account ids
SELECT account_id, consent_id, purpose, granted_at, revoked_at
FROM consents
WHERE account_id = ANY ($1::bigint[]);

-- name: gate_attempts
-- Earlier dials to these people or these numbers, in every campaign, since $3.
-- $1 account ids, $2 numbers, $3 since, $4 now
SELECT c.call_attempt_id, c.account_id, c.e164, c.campaign_id, c.created_at, c.status,
       c.abandoned, k.subject
FROM call_attempts c
JOIN campaigns k ON k.campaign_id = c.campaign_id
WHERE c.account_id = ANY ($1::bigint[]) AND c.created_at > $3 AND c.created_at <= $4
UNION
SELECT c.call_attempt_id, c.account_id, c.e164, c.campaign_id, c.created_at, c.status,
       c.abandoned, k.subject
FROM call_attempts c
JOIN campaigns k ON k.campaign_id = c.campaign_id
WHERE c.e164 = ANY ($2::text[]) AND c.created_at > $3 AND c.created_at <= $4;

-- name: gate_dnc_entries
-- Entries on any do-not-call list for these numbers that have not expired by $2.
SELECT d.dnc_entry_id, d.e164, d.source, d.scope, d.added_at, d.expires_at, d.snapshot_id,
       s.snapshot_date
FROM dnc_entries d
LEFT JOIN dnc_snapshots s ON s.snapshot_id = d.snapshot_id
WHERE d.e164 = ANY ($1::text[]) AND (d.expires_at IS NULL OR d.expires_at > $2);

-- name: gate_rep_registrations
-- $1 user ids; an inactive user holds no active registration
SELECT user_id, CASE WHEN active THEN registrations ELSE '{}'::text[] END AS registrations
FROM users
WHERE user_id = ANY ($1::bigint[]);

-- name: append_decisions
-- Every decision, in one statement; audit ids come back in the order of the arrays.
-- $1 at[], $2 kind[], $3 subject_type[], $4 subject_id[], $5 detail (JSON text)[], $6 actor
INSERT INTO audit_log (at, actor_user_id, kind, subject_type, subject_id, detail)
SELECT d.at, $6, d.kind, d.subject_type, d.subject_id, d.detail::jsonb
FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::bigint[], $5::text[])
     WITH ORDINALITY AS d (at, kind, subject_type, subject_id, detail, ordinal)
ORDER BY d.ordinal
RETURNING audit_id, subject_id, (detail ->> 'phone_id')::bigint AS phone_id;
