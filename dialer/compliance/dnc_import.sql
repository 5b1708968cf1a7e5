-- Do-not-call file imports (dialer.compliance.dnc_import): a staging table, one set-based
-- merge into dnc_entries, a dnc_snapshots row per file.

-- name: lock_list
-- one import per list at a time: $1 the list's lock key
SELECT pg_advisory_xact_lock(hashtext($1));

-- name: create_staging
CREATE TEMPORARY TABLE dnc_staging (
    line_number integer NOT NULL,
    e164        text NOT NULL PRIMARY KEY,
    added_at    timestamptz,
    expires_at  timestamptz,
    scope       text,
    note        text
) ON COMMIT DROP;

-- name: latest_snapshot
-- $1 source
SELECT snapshot_id, snapshot_date, content_sha256
FROM dnc_snapshots
WHERE source = $1
ORDER BY snapshot_date DESC, snapshot_id DESC
LIMIT 1;

-- name: same_import
-- $1 source, $2 snapshot date, $3 content hash
SELECT snapshot_id FROM dnc_snapshots
WHERE source = $1 AND snapshot_date = $2 AND content_sha256 = $3;

-- name: insert_snapshot
INSERT INTO dnc_snapshots (source, snapshot_date, file_name, content_sha256, loaded_at,
                           replaces_register, default_region)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING snapshot_id;

-- name: classify_staged
-- what the import will do to each staged number: $1 source, $2 now
SELECT count(*) FILTER (WHERE d.dnc_entry_id IS NULL) AS added,
       count(*) FILTER (WHERE d.expires_at IS NOT NULL AND d.expires_at <= $2) AS reactivated,
       count(*) FILTER (WHERE d.dnc_entry_id IS NOT NULL
                          AND (d.expires_at IS NULL OR d.expires_at > $2)) AS kept
FROM dnc_staging s
LEFT JOIN dnc_entries d ON d.e164 = s.e164 AND d.source = $1;

-- name: analyze_staging
ANALYZE dnc_staging;

-- name: upsert_entries
-- $1 source, $2 snapshot id, $3 listed since (snapshot time), $4 default scope, $5 now
-- A listed number that had expired starts anew; on a live entry the stricter of the old and
-- the new wins (scope 'all' over 'marketing', the later expiry, the earlier start). A live
-- entry the file does not change is not rewritten: it keeps the snapshot that listed it, so
-- a register snapshot costs writes only for what changed.
INSERT INTO dnc_entries AS d (e164, source, scope, channel, added_at, expires_at, snapshot_id, note)
SELECT s.e164, $1, coalesce(s.scope, $4), 'import', coalesce(s.added_at, $3), s.expires_at, $2,
       coalesce(s.note, '')
FROM dnc_staging s
ON CONFLICT (e164, source) DO UPDATE SET
    snapshot_id = EXCLUDED.snapshot_id,
    added_at = CASE WHEN d.expires_at IS NOT NULL AND d.expires_at <= $5 THEN EXCLUDED.added_at
                    ELSE least(d.added_at, EXCLUDED.added_at) END,
    expires_at = CASE WHEN d.expires_at IS NOT NULL AND d.expires_at <= $5 THEN EXCLUDED.expires_at
                      WHEN d.expires_at IS NULL OR EXCLUDED.expires_at IS NULL THEN NULL
                      ELSE greatest(d.expires_at, EXCLUDED.expires_at) END,
    scope = CASE WHEN d.expires_at IS NOT NULL AND d.expires_at <= $5 THEN EXCLUDED.scope
                 WHEN 'all' IN (d.scope, EXCLUDED.scope) THEN 'all'
                 ELSE EXCLUDED.scope END,
    note = CASE WHEN EXCLUDED.note = '' THEN d.note ELSE EXCLUDED.note END
WHERE (d.expires_at IS NOT NULL AND d.expires_at <= $5)
   OR EXCLUDED.added_at < d.added_at
   OR d.expires_at IS DISTINCT FROM EXCLUDED.expires_at
   OR d.scope <> EXCLUDED.scope
   OR (EXCLUDED.note <> '' AND EXCLUDED.note <> d.note);

-- name: expire_absent
-- A register snapshot replaces the previous one: live entries it no longer lists end at
-- the snapshot's time. $1 source, $2 snapshot time
UPDATE dnc_entries d
SET expires_at = $2
WHERE d.source = $1 AND d.expires_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM dnc_staging s WHERE s.e164 = d.e164);

-- name: finish_snapshot
UPDATE dnc_snapshots
SET entries = $2, lines_total = $3, rows_rejected = $4, reject_reasons = $5::text::jsonb,
    entries_added = $6, entries_expired = $7, content_sha256 = $8
WHERE snapshot_id = $1;
