-- Opt-outs (dialer.compliance.opt_outs): a do-not-call request from any channel, audited.

-- name: add_opt_out
-- Blocks from `now` ($3): a new entry, an expired one started anew, a live one widened to
-- every call (scope 'all') and made permanent. $1 e164, $2 channel, $3 now, $4 account, $5 note
INSERT INTO dnc_entries AS d (e164, source, scope, channel, added_at, account_id, note)
VALUES ($1, 'firm', 'all', $2, $3, $4, $5)
ON CONFLICT (e164, source) DO UPDATE SET
    scope = 'all',
    channel = EXCLUDED.channel,
    added_at = CASE WHEN d.expires_at IS NOT NULL AND d.expires_at <= $3 THEN $3
                    ELSE least(d.added_at, $3) END,
    expires_at = NULL,
    account_id = coalesce(EXCLUDED.account_id, d.account_id),
    note = CASE WHEN EXCLUDED.note = '' THEN d.note ELSE EXCLUDED.note END
RETURNING dnc_entry_id, added_at;

-- name: audit_opt_out
-- one record per account that has this number (and the account named, if any); with no
-- account, one record on the entry itself. $1 at, $2 actor, $3 detail, $4 e164, $5 account,
-- $6 entry id
WITH accounts_hit AS (
    SELECT account_id FROM account_phones WHERE e164 = $4
    UNION
    SELECT $5::bigint WHERE $5::bigint IS NOT NULL
)
INSERT INTO audit_log (at, actor_user_id, kind, subject_type, subject_id, detail)
SELECT $1::timestamptz, $2::bigint, 'dnc_opt_out', 'account', account_id, $3::text::jsonb
FROM accounts_hit
UNION ALL
SELECT $1::timestamptz, $2::bigint, 'dnc_opt_out', 'dnc_entry', $6::bigint, $3::text::jsonb
WHERE NOT EXISTS (SELECT 1 FROM accounts_hit)
RETURNING audit_id, subject_type, subject_id;
