-- Queries of the compliance API (dialer.compliance.routes): "why was this customer not
-- called?".

-- name: account_exists
SELECT EXISTS (SELECT 1 FROM accounts WHERE account_id = $1);

-- name: account_blocks_and_delays
-- "why was this customer not called?": $1 account, $2 how many, newest first
SELECT audit_id, at, detail
FROM audit_log
WHERE kind = 'compliance_decision' AND subject_type = 'account' AND subject_id = $1
  AND detail ->> 'verdict' IN ('BLOCK', 'DELAY')
ORDER BY at DESC, audit_id DESC
LIMIT $2;

-- name: account_dnc_entries
-- the do-not-call entries on the account's numbers (or recorded for the account), live first
SELECT d.dnc_entry_id, d.e164, d.source, d.scope, d.channel, d.added_at, d.expires_at,
       s.snapshot_date
FROM dnc_entries d
LEFT JOIN dnc_snapshots s ON s.snapshot_id = d.snapshot_id
WHERE d.e164 IN (SELECT e164 FROM account_phones WHERE account_id = $1) OR d.account_id = $1
ORDER BY (d.expires_at IS NULL OR d.expires_at > $2) DESC, d.added_at DESC;
