-- Named queries of the floor: rep sessions, a call's outcome, the callback gate's facts and
-- the rep rooms (loaded by dialer.sql.load_queries).

-- name: open_session_for_update
SELECT agent_session_id, user_id, campaign_id, state, pause_code, state_since, started_at,
       current_call_attempt_id
FROM agent_sessions WHERE user_id = $1 AND ended_at IS NULL
FOR UPDATE;

-- name: open_session
SELECT s.agent_session_id, s.user_id, s.campaign_id, s.state, s.pause_code, s.state_since,
       s.started_at, s.current_call_attempt_id, c.name AS campaign_name,
       c.pacing_mode, c.wrap_up_max_seconds
FROM agent_sessions s LEFT JOIN campaigns c USING (campaign_id)
WHERE s.user_id = $1 AND s.ended_at IS NULL;

-- name: insert_session
INSERT INTO agent_sessions (user_id, campaign_id, state, pause_code, state_since, started_at)
VALUES ($1, $2, $3, $4, $5, $5)
RETURNING agent_session_id;

-- name: update_session_state
UPDATE agent_sessions
SET state = $2::text, pause_code = $3, state_since = $4::timestamptz,
    current_call_attempt_id = $5,
    ended_at = CASE WHEN $2::text = 'logged_out' THEN $4::timestamptz END
WHERE agent_session_id = $1;

-- name: insert_state_change
INSERT INTO agent_state_changes (agent_session_id, at, from_state, to_state, pause_code,
                                 call_attempt_id)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: campaign_for_login
SELECT campaign_id, name, status, pacing_mode, wrap_up_max_seconds
FROM campaigns WHERE campaign_id = $1;

-- name: call_for_rep
SELECT c.call_attempt_id, c.campaign_id, c.account_id, c.e164, c.status, c.agent_user_id,
       c.created_at, c.bridged_at
FROM call_attempts c WHERE c.call_attempt_id = $1;

-- name: pop_account
SELECT a.account_id, a.account_number, a.name, a.segment::text AS segment, a.tier::text AS tier,
       a.branch_id, b.name AS branch_name, m.display_name AS account_manager_name,
       a.assets_cents, a.risk_tolerance, a.risk_assessed_on, a.region, a.city,
       a.address_time_zone, a.last_trade_on, a.extra
FROM accounts a
LEFT JOIN branches b USING (branch_id)
LEFT JOIN users m ON m.user_id = a.account_manager_id
WHERE a.account_id = $1;

-- name: pop_campaign
SELECT c.campaign_id, c.name, c.purpose, c.jurisdiction, c.subject, c.script,
       c.wrap_up_max_seconds, c.pacing_mode, c.calling_windows,
       c.disclosures AS campaign_disclosures,
       coalesce(c.pacing ->> 'callback_routing', 'owner') AS callback_routing,
       p.product_id, p.code AS product_code, p.name AS product_name,
       p.risk_level AS product_risk, p.kind AS product_kind,
       p.required_registration, p.disclosure
FROM campaigns c LEFT JOIN products p USING (product_id)
WHERE c.campaign_id = $1;

-- name: rep_profile
SELECT user_id, display_name, qualification_number, registrations, language, audio_leg,
       phone_e164
FROM users WHERE user_id = $1;

-- name: code_of_campaign
SELECT code, label_en, label_zh, hotkey, human_answered, contact, warm_lead, do_not_call,
       callback, final
FROM disposition_codes WHERE campaign_id = $1 AND code = $2;

-- name: disposition_by_key
SELECT disposition_id, call_attempt_id, campaign_id, account_id, code, agent_user_id, note,
       idempotency_key, recorded_at
FROM dispositions WHERE idempotency_key = $1;

-- name: disposition_by_call
SELECT disposition_id, call_attempt_id, campaign_id, account_id, code, agent_user_id, note,
       idempotency_key, recorded_at
FROM dispositions WHERE call_attempt_id = $1;

-- name: insert_disposition
-- ON CONFLICT without a target covers both the idempotency key and one-per-call index
INSERT INTO dispositions (call_attempt_id, campaign_id, account_id, code, agent_user_id, note,
                          idempotency_key, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING
RETURNING disposition_id, call_attempt_id, campaign_id, account_id, code, agent_user_id, note,
          idempotency_key, recorded_at;

-- name: insert_callback
INSERT INTO callbacks (campaign_id, account_id, owner_user_id, due_at, disposition_id, note,
                       created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING callback_id, due_at;

-- name: queue_callback
-- The callback's number goes back in the campaign's queue, due at the callback's time and
-- owned by $6 (NULL: any rep), in the disposition's transaction. A number still being
-- dialled (its call not settled yet) or leased keeps its state: the settle reads the
-- callback from the row and queues the number then, so the disposition and the call's end
-- may come in either order. A number that left the queue for good (blocked, retired) is
-- not reopened: no row comes back. An older callback still scheduled for the number is
-- superseded. $1 campaign, $2 account, $3 e164, $4 callback, $5 due, $6 owner
WITH superseded AS (
    UPDATE callbacks cb SET status = 'canceled', reason = 'superseded by callback ' || $4
    FROM campaign_numbers n
    WHERE n.campaign_id = $1 AND n.account_id = $2 AND n.e164 = $3
      AND cb.callback_id = n.callback_id AND cb.callback_id <> $4 AND cb.status = 'scheduled'
)
INSERT INTO campaign_numbers AS n (campaign_id, phone_id, account_id, e164, next_attempt_at,
                                   callback_id, callback_due_at, callback_owner, reason)
SELECT $1, p.phone_id, p.account_id, p.e164, $5, $4, $5, $6, 'callback'
FROM account_phones p
WHERE p.account_id = $2 AND p.e164 = $3 AND p.is_valid AND p.retired_at IS NULL
ON CONFLICT (campaign_id, phone_id) DO UPDATE
SET callback_id = excluded.callback_id, callback_due_at = excluded.callback_due_at,
    callback_owner = excluded.callback_owner,
    state = CASE WHEN n.state = 'done' THEN 'pending' ELSE n.state END,
    next_attempt_at = CASE WHEN n.state IN ('pending', 'done') THEN excluded.next_attempt_at
                           ELSE n.next_attempt_at END,
    reason = CASE WHEN n.state IN ('pending', 'done') THEN 'callback' ELSE n.reason END
WHERE n.state IN ('pending', 'done', 'leased', 'dialing')
RETURNING n.state;

-- name: callback_not_queued
UPDATE callbacks SET status = 'blocked', reason = $2 WHERE callback_id = $1;

-- name: callback_of_disposition
SELECT callback_id, due_at FROM callbacks WHERE disposition_id = $1;

-- name: lead_of_disposition
SELECT lead_id FROM leads WHERE disposition_id = $1
UNION ALL
SELECT lead_id FROM lead_events
WHERE kind = 'warm_disposition_added' AND (detail ->> 'disposition_id')::bigint = $1
LIMIT 1;

-- name: audit
INSERT INTO audit_log (at, actor_user_id, kind, subject_type, subject_id, detail)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: gate_account
SELECT a.account_id, a.region, a.address_time_zone, a.risk_tolerance, a.risk_assessed_on,
       a.professional_investor, a.existing_customer_since, a.last_transaction_on, a.extra
FROM accounts a WHERE a.account_id = $1;

-- name: gate_consents
SELECT purpose, granted_at, revoked_at, consent_id
FROM consents WHERE account_id = $1 AND purpose IN ('marketing', 'service', 'automated_dialing');

-- name: gate_attempts
SELECT c.created_at, c.abandoned, c.e164, c.campaign_id, c.status, k.subject
FROM call_attempts c JOIN campaigns k USING (campaign_id)
WHERE c.account_id = $1
ORDER BY c.created_at DESC
LIMIT 500;

-- name: gate_dnc
SELECT dnc_entry_id, source, scope, added_at, expires_at, snapshot_id
FROM dnc_entries WHERE e164 = $1;

-- name: gate_dnc_snapshots
SELECT DISTINCT ON (source) snapshot_id, source, snapshot_date
FROM dnc_snapshots ORDER BY source, snapshot_date DESC;

-- name: gate_phone
SELECT e164, line_type FROM account_phones WHERE account_id = $1 AND e164 = $2;

-- name: active_rep
SELECT user_id, audio_leg FROM users
WHERE user_id = $1 AND role = 'telesales_rep' AND active;

-- name: phone_leg_gone
-- the rep's phone leg ended: forget it, if it is still the session's leg
UPDATE agent_sessions SET audio_call_id = NULL
WHERE user_id = $1 AND ended_at IS NULL AND audio_call_id = $2
RETURNING agent_session_id, state;

-- name: connect_session
-- the answered call's rep moves through $4 (from) -> $5 (to) (ready -> reserved ->
-- on_call, or reserved -> on_call), each change recorded in order, the attempt bridged to
-- the rep, and every change announced (delivered after the commit): one statement
WITH moved AS (
    UPDATE agent_sessions
    SET state = 'on_call', pause_code = NULL, state_since = $3::timestamptz,
        current_call_attempt_id = $2
    WHERE agent_session_id = $1
), changes AS (
    INSERT INTO agent_state_changes (agent_session_id, at, from_state, to_state, pause_code,
                                     call_attempt_id)
    SELECT $1, $3::timestamptz, change.from_state, change.to_state, NULL, $2
    FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS change(from_state, to_state, n)
    ORDER BY change.n
), bridged AS (
    UPDATE call_attempts SET agent_user_id = $6, reserved_agent_user_id = $6
    WHERE call_attempt_id = $2
)
SELECT pg_notify($7, event.payload)
FROM unnest($8::text[]) WITH ORDINALITY AS event(payload, n)
ORDER BY event.n;
