-- name: insert_campaign
INSERT INTO campaigns (name, purpose, product_id, subject, target_segments, list_ids,
                       pacing_mode, pacing, jurisdiction, caller_id, ring_seconds,
                       abandon_message, voicemail_policy, wrap_up_max_seconds, created_by)
VALUES ($1, $2, $3, $4, $5::account_segment[], $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
RETURNING campaign_id;

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
       c.wrap_up_max_seconds, p.code AS product_code, p.risk_level AS product_risk
FROM campaigns c LEFT JOIN products p USING (product_id)
WHERE c.campaign_id = $1;

-- name: disposition_codes
SELECT code, label_en, label_zh, hotkey, human_answered, contact, warm_lead, do_not_call,
       callback, final
FROM disposition_codes WHERE campaign_id = $1 ORDER BY hotkey NULLS LAST, code;
