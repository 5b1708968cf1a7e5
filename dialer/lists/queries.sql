-- List import: COPY into a staging table, then set-based SQL. Every statement runs inside the
-- one transaction of an import; the temporary tables are dropped when it ends.
-- The staging layout is campaigns.lists.staging.STAGING_COLUMNS.

-- name: find_import_by_hash
SELECT i.import_id, i.list_id, l.name AS list_name, i.finished_at
FROM list_imports i
JOIN lists l USING (list_id)
WHERE i.content_sha256 = $1 AND i.status = 'done'
ORDER BY i.import_id
LIMIT 1;

-- name: lock_content_hash
-- two imports of the same file at once: the second waits, then sees the first one done
SELECT pg_advisory_xact_lock(hashtextextended('list_import:' || $1, 0));

-- name: ensure_list
INSERT INTO lists (name, default_region) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET default_region = lists.default_region
RETURNING list_id;

-- name: start_import
INSERT INTO list_imports (list_id, file_name, content_sha256, forced, options, started_at)
VALUES ($1, $2, $3, $4, $5::text::jsonb, $6)
RETURNING import_id;

-- name: create_staging
CREATE TEMPORARY TABLE list_staging (
    line_number    integer NOT NULL,
    raw            text NOT NULL,
    reason         text,
    detail         text,
    merge_key      text,
    account_number text,
    name           text,
    phones         text[],
    phone_types    text[],
    phone_regions  text[],
    phone_zones    text[],
    invalid_phones text[],
    branch         text,
    manager        text,
    assets_cents   bigint,
    opened_on      date,
    last_trade_on  date,
    risk_tolerance text,
    region         text,
    city           text,
    address        text,
    segment        text,
    tier           text,
    extra_values   text[]
) ON COMMIT DROP;

-- name: analyze_staging
-- temporary tables are never analysed by autovacuum: without statistics the planner takes
-- the staging table for a few hundred rows and joins it by nested loops
ANALYZE list_staging (line_number, reason, merge_key, account_number);

-- name: any_dnc_entries
SELECT EXISTS (SELECT 1 FROM dnc_entries WHERE expires_at IS NULL OR expires_at > $1);

-- name: create_dnc_hits
CREATE TEMPORARY TABLE list_dnc_hits (e164 text PRIMARY KEY, source text NOT NULL)
ON COMMIT DROP;

-- name: collect_dnc_hits
-- numbers of accepted rows that are on a do-not-call list today
INSERT INTO list_dnc_hits (e164, source)
SELECT d.e164, min(d.source)
FROM list_staging s
CROSS JOIN LATERAL unnest(s.phones) AS p(e164)
JOIN dnc_entries d ON d.e164 = p.e164
WHERE s.reason IS NULL AND (d.expires_at IS NULL OR d.expires_at > $1)
GROUP BY d.e164;

-- name: count_dnc_hits
SELECT count(*) FROM list_dnc_hits;

-- name: reject_dnc_rows
-- a row whose every valid number is on a do-not-call list is not loaded
UPDATE list_staging s
SET reason = 'dnc', detail = 'every number is on a do-not-call list'
WHERE s.reason IS NULL
  AND s.line_number IN (
      SELECT s2.line_number
      FROM list_staging s2
      CROSS JOIN LATERAL unnest(s2.phones) AS p(e164)
      JOIN list_dnc_hits h ON h.e164 = p.e164
      WHERE s2.reason IS NULL
      GROUP BY s2.line_number, cardinality(s2.phones)
      HAVING count(*) = cardinality(s2.phones));

-- name: find_duplicate_keys
-- same account number, or same primary phone without an account number: one customer
CREATE TEMPORARY TABLE list_duplicate_keys ON COMMIT DROP AS
SELECT merge_key
FROM list_staging
WHERE reason IS NULL
GROUP BY merge_key
HAVING count(*) > 1;

-- name: analyze_duplicate_keys
ANALYZE list_duplicate_keys;

-- name: accounts_id_sequence
SELECT pg_get_serial_sequence('accounts', 'account_id');

-- name: build_incoming_accounts
-- each customer matched to an existing account (by account number; prospects by phone)
-- or given a new account id
-- $1: the names of the extra columns; $2: the accounts' id sequence (resolved once, not per row)
-- one row per customer: single rows as they are; duplicates folded into their first line,
-- blanks filled from later lines, extra attributes first-non-empty per key
CREATE TEMPORARY TABLE list_incoming ON COMMIT DROP AS
WITH duplicate_rows AS MATERIALIZED (
    -- the rows of customers that appear more than once, and only them
    SELECT s.*
    FROM list_staging s
    JOIN list_duplicate_keys d USING (merge_key)
    WHERE s.reason IS NULL
),
list_groups AS (
    SELECT s.merge_key, s.line_number, s.account_number, s.name, s.branch, s.manager,
           s.assets_cents, s.opened_on, s.last_trade_on, s.risk_tolerance, s.region, s.city,
           s.address, s.segment, s.tier, s.phones[1] AS primary_phone,
           coalesce(jsonb_strip_nulls(jsonb_object($1::text[], s.extra_values)), '{}')
           || CASE WHEN s.invalid_phones IS NULL THEN '{}'::jsonb
                   ELSE jsonb_build_object('invalid_phones', to_jsonb(s.invalid_phones)) END AS extra,
           false AS grouped
    FROM list_staging s
    WHERE s.reason IS NULL
      AND NOT EXISTS (SELECT 1 FROM list_duplicate_keys d WHERE d.merge_key = s.merge_key)
    UNION ALL
    SELECT g.merge_key, g.line_number, g.account_number, g.name, g.branch, g.manager,
           g.assets_cents, g.opened_on, g.last_trade_on, g.risk_tolerance, g.region, g.city,
           g.address, g.segment, g.tier, g.primary_phone, coalesce(e.extra, '{}'), true
    FROM (
        SELECT s.merge_key,
               min(s.line_number) AS line_number,
               (array_agg(s.account_number ORDER BY s.line_number))[1] AS account_number,
               (array_agg(s.name ORDER BY s.line_number))[1] AS name,
               (array_agg(s.branch ORDER BY s.line_number) FILTER (WHERE s.branch IS NOT NULL))[1] AS branch,
               (array_agg(s.manager ORDER BY s.line_number) FILTER (WHERE s.manager IS NOT NULL))[1] AS manager,
               (array_agg(s.assets_cents ORDER BY s.line_number) FILTER (WHERE s.assets_cents IS NOT NULL))[1] AS assets_cents,
               (array_agg(s.opened_on ORDER BY s.line_number) FILTER (WHERE s.opened_on IS NOT NULL))[1] AS opened_on,
               (array_agg(s.last_trade_on ORDER BY s.line_number) FILTER (WHERE s.last_trade_on IS NOT NULL))[1] AS last_trade_on,
               (array_agg(s.risk_tolerance ORDER BY s.line_number) FILTER (WHERE s.risk_tolerance IS NOT NULL))[1] AS risk_tolerance,
               (array_agg(s.region ORDER BY s.line_number) FILTER (WHERE s.region IS NOT NULL))[1] AS region,
               (array_agg(s.city ORDER BY s.line_number) FILTER (WHERE s.city IS NOT NULL))[1] AS city,
               (array_agg(s.address ORDER BY s.line_number) FILTER (WHERE s.address IS NOT NULL))[1] AS address,
               (array_agg(s.segment ORDER BY s.line_number))[1] AS segment,
               (array_agg(s.tier ORDER BY s.line_number))[1] AS tier,
               (array_agg(s.phones[1] ORDER BY s.line_number))[1] AS primary_phone
        FROM duplicate_rows s
        GROUP BY s.merge_key
    ) g
    LEFT JOIN (
        -- later lines first, so the first line's value is the one kept for each key
        SELECT s.merge_key, jsonb_object_agg(x.key, x.value ORDER BY s.line_number DESC) AS extra
        FROM duplicate_rows s
        CROSS JOIN LATERAL jsonb_each(
            coalesce(jsonb_strip_nulls(jsonb_object($1::text[], s.extra_values)), '{}')
            || CASE WHEN s.invalid_phones IS NULL THEN '{}'::jsonb
                    ELSE jsonb_build_object('invalid_phones', to_jsonb(s.invalid_phones)) END) x
        GROUP BY s.merge_key
    ) e USING (merge_key)
)
SELECT coalesce(a.account_id, p.account_id,
                nextval($2::regclass)) AS account_id,
       (a.account_id IS NOT NULL OR p.account_id IS NOT NULL) AS existed,
       g.merge_key, g.line_number, g.grouped, g.account_number, g.name, g.segment, g.tier,
       b.branch_id, m.user_id AS account_manager_id,
       g.assets_cents, g.opened_on, g.last_trade_on, g.risk_tolerance, g.region, g.city,
       g.address,
       g.extra
       || CASE WHEN g.branch IS NOT NULL AND b.branch_id IS NULL
               THEN jsonb_build_object('branch', g.branch) ELSE '{}'::jsonb END
       || CASE WHEN g.manager IS NOT NULL AND m.user_id IS NULL
               THEN jsonb_build_object('account_manager', g.manager) ELSE '{}'::jsonb END
       AS extra
FROM list_groups g
LEFT JOIN accounts a ON a.account_number = g.account_number
LEFT JOIN (
    -- existing prospects holding the primary phone of an incoming prospect (index on e164)
    SELECT ap.e164, min(ap.account_id) AS account_id
    FROM account_phones ap
    JOIN accounts pa ON pa.account_id = ap.account_id AND pa.account_number IS NULL
    WHERE ap.e164 IN (SELECT phones[1] FROM list_staging
                      WHERE reason IS NULL AND account_number IS NULL)
    GROUP BY ap.e164
) p ON g.account_number IS NULL AND p.e164 = g.primary_phone
LEFT JOIN branches b ON b.name = g.branch
LEFT JOIN (
    SELECT display_name, min(user_id) AS user_id
    FROM users
    WHERE role = 'account_manager' AND active
    GROUP BY display_name
    HAVING count(*) = 1
) m ON m.display_name = g.manager;

-- name: update_existing_accounts
-- changed fields are updated (a blank in the file keeps what we know) and each change is
-- recorded in the audit log with the old and new values
WITH changed AS (
    UPDATE accounts a
    SET name = i.name,
        segment = i.segment::account_segment,
        tier = i.tier::account_tier,
        branch_id = coalesce(i.branch_id, a.branch_id),
        account_manager_id = coalesce(i.account_manager_id, a.account_manager_id),
        assets_cents = coalesce(i.assets_cents, a.assets_cents),
        opened_on = coalesce(i.opened_on, a.opened_on),
        last_trade_on = coalesce(i.last_trade_on, a.last_trade_on),
        risk_tolerance = coalesce(i.risk_tolerance, a.risk_tolerance),
        region = coalesce(i.region, a.region),
        city = coalesce(i.city, a.city),
        address = coalesce(i.address, a.address),
        extra = a.extra || i.extra,
        updated_at = $2
    FROM list_incoming i, accounts old
    WHERE i.existed
      AND a.account_id = i.account_id
      AND old.account_id = a.account_id
      AND (a.name, a.segment::text, a.tier::text, a.branch_id, a.account_manager_id,
           a.assets_cents, a.opened_on, a.last_trade_on, a.risk_tolerance, a.region, a.city,
           a.address, a.extra)
          IS DISTINCT FROM
          (i.name, i.segment, i.tier, coalesce(i.branch_id, a.branch_id),
           coalesce(i.account_manager_id, a.account_manager_id),
           coalesce(i.assets_cents, a.assets_cents), coalesce(i.opened_on, a.opened_on),
           coalesce(i.last_trade_on, a.last_trade_on),
           coalesce(i.risk_tolerance, a.risk_tolerance), coalesce(i.region, a.region),
           coalesce(i.city, a.city), coalesce(i.address, a.address), a.extra || i.extra)
    RETURNING a.account_id, jsonb_strip_nulls(jsonb_build_object(
        'name', CASE WHEN old.name IS DISTINCT FROM a.name
                     THEN jsonb_build_array(old.name, a.name) END,
        'segment', CASE WHEN old.segment IS DISTINCT FROM a.segment
                        THEN jsonb_build_array(old.segment, a.segment) END,
        'tier', CASE WHEN old.tier IS DISTINCT FROM a.tier
                     THEN jsonb_build_array(old.tier, a.tier) END,
        'branch_id', CASE WHEN old.branch_id IS DISTINCT FROM a.branch_id
                          THEN jsonb_build_array(old.branch_id, a.branch_id) END,
        'account_manager_id', CASE WHEN old.account_manager_id IS DISTINCT FROM a.account_manager_id
                                   THEN jsonb_build_array(old.account_manager_id, a.account_manager_id) END,
        'assets_cents', CASE WHEN old.assets_cents IS DISTINCT FROM a.assets_cents
                             THEN jsonb_build_array(old.assets_cents, a.assets_cents) END,
        'opened_on', CASE WHEN old.opened_on IS DISTINCT FROM a.opened_on
                          THEN jsonb_build_array(old.opened_on, a.opened_on) END,
        'last_trade_on', CASE WHEN old.last_trade_on IS DISTINCT FROM a.last_trade_on
                              THEN jsonb_build_array(old.last_trade_on, a.last_trade_on) END,
        'risk_tolerance', CASE WHEN old.risk_tolerance IS DISTINCT FROM a.risk_tolerance
                               THEN jsonb_build_array(old.risk_tolerance, a.risk_tolerance) END,
        'region', CASE WHEN old.region IS DISTINCT FROM a.region
                       THEN jsonb_build_array(old.region, a.region) END,
        'city', CASE WHEN old.city IS DISTINCT FROM a.city
                     THEN jsonb_build_array(old.city, a.city) END,
        'address', CASE WHEN old.address IS DISTINCT FROM a.address
                        THEN jsonb_build_array(old.address, a.address) END,
        'extra', CASE WHEN old.extra IS DISTINCT FROM a.extra
                      THEN jsonb_build_array(old.extra, a.extra) END)) AS changes
)
INSERT INTO audit_log (at, kind, subject_type, subject_id, detail)
SELECT $2, 'account_updated_by_import', 'account', account_id,
       jsonb_build_object('import_id', $1::bigint, 'changes', changes)
FROM changed;

-- name: insert_new_accounts
INSERT INTO accounts (account_id, account_number, name, segment, tier, branch_id,
                      account_manager_id, assets_cents, opened_on, last_trade_on,
                      risk_tolerance, region, city, address, extra, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT account_id, account_number, name, segment::account_segment, tier::account_tier,
       branch_id, account_manager_id, coalesce(assets_cents, 0), opened_on, last_trade_on,
       risk_tolerance, region, city, address, extra, $1, $1
FROM list_incoming
WHERE NOT existed;

-- name: analyze_incoming
ANALYZE list_incoming (line_number, merge_key, grouped, existed);

-- name: build_incoming_phones
-- numbers in order of appearance (priority 0 first); for duplicates the union of their numbers
CREATE TEMPORARY TABLE list_incoming_phones ON COMMIT DROP AS
SELECT p.account_id, p.existed, p.e164,
       CASE WHEN p.line_type IN ('mobile', 'fixed_line', 'voip') THEN p.line_type
            ELSE 'unknown' END AS line_type,
       p.region_code, string_to_array(p.zones, ' ') AS time_zones, p.priority, h.source
FROM (
    -- a customer from one row: that row's numbers (joined by line, not by key)
    SELECT i.account_id, i.existed, x.e164, x.line_type, x.region_code, x.zones,
           (x.ordinal - 1)::smallint AS priority
    FROM list_incoming i
    JOIN list_staging s ON s.line_number = i.line_number
    CROSS JOIN LATERAL unnest(s.phones, s.phone_types, s.phone_regions, s.phone_zones)
        WITH ORDINALITY AS x(e164, line_type, region_code, zones, ordinal)
    WHERE NOT i.grouped
    UNION ALL
    -- a customer merged from several rows: the union of their numbers, first seen first
    SELECT i.account_id, i.existed, united.e164, united.line_type, united.region_code,
           united.zones,
           (row_number() OVER (PARTITION BY united.merge_key ORDER BY united.position) - 1)::smallint
    FROM (
        SELECT s.merge_key, x.e164, min(x.line_type) AS line_type,
               min(x.region_code) AS region_code, min(x.zones) AS zones,
               min(s.line_number::bigint * 1000 + x.ordinal) AS position
        FROM list_staging s
        JOIN list_duplicate_keys d USING (merge_key)
        CROSS JOIN LATERAL unnest(s.phones, s.phone_types, s.phone_regions, s.phone_zones)
            WITH ORDINALITY AS x(e164, line_type, region_code, zones, ordinal)
        WHERE s.reason IS NULL
        GROUP BY s.merge_key, x.e164
    ) united
    JOIN list_incoming i ON i.merge_key = united.merge_key AND i.grouped
) p
LEFT JOIN list_dnc_hits h ON h.e164 = p.e164;

-- name: insert_phones_of_new_accounts
-- new accounts have no numbers yet: a plain insert, no conflict handling needed
INSERT INTO account_phones (account_id, e164, line_type, region_code, time_zones, priority,
                            dnc_source, created_at)
SELECT account_id, e164, line_type, region_code, time_zones, priority, source, $1
FROM list_incoming_phones
WHERE NOT existed
ORDER BY account_id, priority;

-- name: upsert_phones_of_existing_accounts
INSERT INTO account_phones (account_id, e164, line_type, region_code, time_zones, priority,
                            dnc_source, created_at)
SELECT DISTINCT ON (account_id, e164)
       account_id, e164, line_type, region_code, time_zones, priority, source, $1::timestamptz
FROM list_incoming_phones
WHERE existed
ORDER BY account_id, e164, priority
ON CONFLICT (account_id, e164) DO UPDATE
SET line_type = EXCLUDED.line_type,
    region_code = EXCLUDED.region_code,
    time_zones = EXCLUDED.time_zones,
    dnc_source = EXCLUDED.dnc_source;

-- name: insert_memberships
-- new accounts cannot be members yet; existing ones may already be on this list
INSERT INTO list_memberships (list_id, account_id, import_id, added_at)
SELECT $1::bigint, account_id, $2::bigint, $3
FROM list_incoming
WHERE NOT existed
ORDER BY account_id;

-- name: upsert_memberships_of_existing_accounts
INSERT INTO list_memberships (list_id, account_id, import_id, added_at)
SELECT $1::bigint, account_id, $2::bigint, $3
FROM list_incoming
WHERE existed
ON CONFLICT (list_id, account_id) DO NOTHING;

-- name: insert_rejects
INSERT INTO import_rejects (import_id, line_number, raw, reason, detail)
SELECT $1, line_number, raw, reason, coalesce(detail, '')
FROM list_staging
WHERE reason IS NOT NULL;

-- name: count_outcomes
-- $1: the import; its rejects were just inserted, so the reasons come from them
SELECT s.rows, s.accepted_rows,
       (SELECT count(*) FROM list_incoming) AS customers,
       (SELECT coalesce(jsonb_object_agg(reason, n), '{}'::jsonb)
        FROM (SELECT reason, count(*) AS n FROM import_rejects
              WHERE import_id = $1 GROUP BY reason) r) AS reject_reasons
FROM (SELECT count(*) AS rows, count(*) FILTER (WHERE reason IS NULL) AS accepted_rows
      FROM list_staging) s;

-- name: finish_import
UPDATE list_imports
SET status = 'done', rows_total = $2, rows_accepted = $3, rows_merged = $4,
    rows_rejected = $5, finished_at = $6
WHERE import_id = $1;

-- name: import_rejects
SELECT line_number, reason, detail, raw
FROM import_rejects
WHERE import_id = $1
ORDER BY line_number;

-- name: import_exists
SELECT 1 FROM list_imports WHERE import_id = $1;

-- name: get_mapping_preset
SELECT mapping::text FROM list_mapping_presets WHERE name = $1;

-- name: list_mapping_presets
SELECT name, mapping::text AS mapping, updated_at
FROM list_mapping_presets
ORDER BY name;

-- name: save_mapping_preset
INSERT INTO list_mapping_presets (name, mapping, updated_by, updated_at)
VALUES ($1, $2::text::jsonb, $3, $4)
ON CONFLICT (name) DO UPDATE
SET mapping = EXCLUDED.mapping, updated_by = EXCLUDED.updated_by,
    updated_at = EXCLUDED.updated_at
RETURNING name, mapping::text AS mapping, updated_at;

-- name: delete_mapping_preset
DELETE FROM list_mapping_presets WHERE name = $1 RETURNING name;
