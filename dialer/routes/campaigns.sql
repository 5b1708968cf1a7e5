-- name: insert_campaign
INSERT INTO campaigns (name, purpose, product_id, subject, target_segments, list_ids,
                       pacing_mode, pacing, jurisdiction, caller_id, ring_seconds,
                       abandon_message, voicemail_policy, wrap_up_max_seconds, created_by,
                       script, disclosures, retry_policy, calling_windows, coverage_target,
                       coverage_days)
VALUES ($1, $2, $3, $4, $5::account_segment[], $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
        $16, $17, $18, $19, $20, $21)
RETURNING campaign_id;

-- name: update_campaign
-- insert_campaign's values without the creator, then the campaign; the pacing settings
-- the form does not know (time zone, shift end) are kept
UPDATE campaigns
SET name = $1, purpose = $2, product_id = $3, subject = $4,
    target_segments = $5::account_segment[], list_ids = $6, pacing_mode = $7,
    pacing = pacing || $8, jurisdiction = $9, caller_id = $10, ring_seconds = $11,
    abandon_message = $12, voicemail_policy = $13, wrap_up_max_seconds = $14,
    script = $15, disclosures = $16, retry_policy = $17, calling_windows = $18,
    coverage_target = $19, coverage_days = $20
WHERE campaign_id = $21;

-- name: clear_hotkeys
-- before codes are rewritten: a hotkey may move from one code to another
UPDATE disposition_codes SET hotkey = NULL WHERE campaign_id = $1;

-- name: remove_codes_except
DELETE FROM disposition_codes WHERE campaign_id = $1 AND NOT (code = ANY ($2::text[]));

-- name: upsert_disposition_code
INSERT INTO disposition_codes (campaign_id, code, label_en, label_zh, hotkey, human_answered,
                               contact, warm_lead, do_not_call, callback, final)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (campaign_id, code) DO UPDATE
SET label_en = excluded.label_en, label_zh = excluded.label_zh, hotkey = excluded.hotkey,
    human_answered = excluded.human_answered, contact = excluded.contact,
    warm_lead = excluded.warm_lead, do_not_call = excluded.do_not_call,
    callback = excluded.callback, final = excluded.final;

-- name: insert_disposition_code
INSERT INTO disposition_codes (campaign_id, code, label_en, label_zh, hotkey, human_answered,
                               contact, warm_lead, do_not_call, callback, final)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: list_campaigns
SELECT c.campaign_id, c.name, c.purpose, c.status, c.pacing_mode, c.jurisdiction,
       p.code AS product_code, c.created_at
FROM campaigns c LEFT JOIN products p USING (product_id)
ORDER BY c.campaign_id;

-- name: campaign_by_id
SELECT c.campaign_id, c.name, c.purpose, c.status, c.subject,
       c.target_segments::text[] AS target_segments, c.list_ids, c.pacing_mode, c.pacing,
       c.jurisdiction, c.caller_id, c.ring_seconds, c.abandon_message, c.voicemail_policy,
       c.wrap_up_max_seconds, c.script, c.disclosures, c.retry_policy, c.calling_windows,
       c.coverage_target::float8 AS coverage_target, c.coverage_days, c.started_at,
       c.finished_at, p.code AS product_code, p.risk_level AS product_risk
FROM campaigns c LEFT JOIN products p USING (product_id)
WHERE c.campaign_id = $1;

-- name: disposition_codes
SELECT code, label_en, label_zh, hotkey, human_answered, contact, warm_lead, do_not_call,
       callback, final
FROM disposition_codes WHERE campaign_id = $1 ORDER BY hotkey NULLS LAST, code;
