-- Named queries of the rep console (loaded by dialer.sql.load_queries).

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

-- name: campaigns_open_to_reps
SELECT campaign_id, name, purpose, status, pacing_mode, jurisdiction
FROM campaigns WHERE status IN ('draft', 'running', 'paused')
ORDER BY status = 'running' DESC, campaign_id;

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
       c.wrap_up_max_seconds, c.pacing_mode,
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

-- name: campaign_codes
SELECT code, label_en, label_zh, hotkey, human_answered, contact, warm_lead, do_not_call,
       callback, final
FROM disposition_codes WHERE campaign_id = $1
ORDER BY hotkey NULLS LAST, code;

-- name: code_of_campaign
SELECT code, label_en, label_zh, hotkey, human_answered, contact, warm_lead, do_not_call,
       callback, final
FROM disposition_codes WHERE campaign_id = $1 AND code = $2;

-- name: ensure_disconnected_code
INSERT INTO disposition_codes (campaign_id, code, label_en, label_zh, human_answered)
VALUES ($1, 'DISCONNECTED', 'Rep disconnected', '坐席断线', true)
ON CONFLICT (campaign_id, code) DO NOTHING;

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

-- name: contact_history
-- every earlier attempt with its disposition, note and callback, across campaigns
SELECT c.call_attempt_id, c.campaign_id, k.name AS campaign_name, c.created_at, c.status,
       c.answered_by, c.abandoned, c.talk_seconds, u.display_name AS agent,
       d.code AS disposition, coalesce(dc.label_en, d.code) AS disposition_label_en,
       coalesce(dc.label_zh, d.code) AS disposition_label_zh, d.note,
       cb.due_at AS callback_due_at, cb.status AS callback_status
FROM call_attempts c
JOIN campaigns k USING (campaign_id)
LEFT JOIN users u ON u.user_id = c.agent_user_id
LEFT JOIN dispositions d ON d.call_attempt_id = c.call_attempt_id
LEFT JOIN disposition_codes dc ON dc.campaign_id = d.campaign_id AND dc.code = d.code
LEFT JOIN callbacks cb ON cb.disposition_id = d.disposition_id
WHERE c.account_id = $1
ORDER BY c.created_at DESC, c.call_attempt_id DESC
LIMIT 200;

-- name: callbacks_of_account
SELECT cb.callback_id, cb.campaign_id, k.name AS campaign_name, cb.due_at, cb.status, cb.note
FROM callbacks cb JOIN campaigns k USING (campaign_id)
WHERE cb.account_id = $1
ORDER BY cb.due_at DESC
LIMIT 50;

-- name: sessions_to_wrap_up_or_pause
-- ready or working a call, no console open, and the last one closed before the cutoff
SELECT s.user_id, s.agent_session_id, s.campaign_id, s.state, s.current_call_attempt_id
FROM agent_sessions s
WHERE s.ended_at IS NULL
  AND s.state IN ('ready', 'reserved', 'on_call', 'wrap_up')
  AND NOT EXISTS (SELECT 1 FROM console_connections o
                  WHERE o.user_id = s.user_id AND o.closed_at IS NULL)
  -- consoles closed before this session began (yesterday's page) do not count
  AND (SELECT max(o.closed_at) FROM console_connections o
       WHERE o.user_id = s.user_id AND o.closed_at >= s.started_at) <= $1;

-- name: wrap_ups_over_time
-- wrap-up past the campaign's maximum with the outcome recorded: back to ready, or to
-- paused for a phone-leg rep whose phone is no longer in the room
SELECT s.user_id, (u.audio_leg = 'phone' AND s.audio_call_id IS NULL) AS phone_lost
FROM agent_sessions s
JOIN campaigns c USING (campaign_id)
JOIN users u USING (user_id)
WHERE s.ended_at IS NULL AND s.state = 'wrap_up'
  AND s.state_since + make_interval(secs => c.wrap_up_max_seconds) <= $1
  AND (s.current_call_attempt_id IS NULL OR EXISTS (
        SELECT 1 FROM dispositions d WHERE d.call_attempt_id = s.current_call_attempt_id));

-- name: open_connection
INSERT INTO console_connections (user_id, opened_at) VALUES ($1, $2)
RETURNING console_connection_id;

-- name: close_connection
UPDATE console_connections SET closed_at = greatest($2, opened_at)
WHERE console_connection_id = $1 AND closed_at IS NULL;

-- name: day_calls
SELECT count(*) AS calls,
       count(*) FILTER (WHERE c.bridged_at IS NOT NULL) AS talked,
       coalesce(sum(CASE
           WHEN c.talk_seconds IS NOT NULL THEN c.talk_seconds
           WHEN c.bridged_at IS NOT NULL THEN
               greatest(0, extract(epoch FROM least(coalesce(c.ended_at, $4), $4) - c.bridged_at))
           ELSE 0 END), 0)::bigint AS talk_seconds
FROM call_attempts c
WHERE c.agent_user_id = $1
  AND coalesce(c.bridged_at, c.answered_at, c.created_at) >= $2
  AND coalesce(c.bridged_at, c.answered_at, c.created_at) < $3;

-- name: day_dispositions
SELECT count(*) FILTER (WHERE dc.contact) AS contacts,
       count(*) FILTER (WHERE dc.warm_lead) AS warm_leads,
       count(*) AS dispositions
FROM dispositions d
JOIN disposition_codes dc ON dc.campaign_id = d.campaign_id AND dc.code = d.code
WHERE d.agent_user_id = $1 AND d.recorded_at >= $2 AND d.recorded_at < $3;

-- name: day_callbacks_due
-- the rep's callbacks still to be dialled, due by the end of the day (overdue included);
-- one dialled, blocked or superseded has left `scheduled`
SELECT count(*) FROM callbacks
WHERE owner_user_id = $1 AND status = 'scheduled' AND due_at < $2;

-- name: day_logged_in_seconds
SELECT coalesce(sum(greatest(0, extract(epoch FROM
           least(coalesce(ended_at, $4), $3, $4) - greatest(started_at, $2)))), 0)::bigint
FROM agent_sessions
WHERE user_id = $1 AND started_at < $3 AND coalesce(ended_at, $4) > $2;

-- name: next_preview_account
-- the campaign's next account not yet decided on, finished, on the firm's DNC or in a call
SELECT a.account_id
FROM accounts a
JOIN campaigns k ON k.campaign_id = $1
WHERE (CASE WHEN cardinality(k.list_ids) > 0
            THEN EXISTS (SELECT 1 FROM list_memberships m
                         WHERE m.account_id = a.account_id AND m.list_id = ANY (k.list_ids))
            ELSE a.segment = ANY (k.target_segments) END)
  AND NOT EXISTS (SELECT 1 FROM preview_decisions p
                  WHERE p.campaign_id = $1 AND p.account_id = a.account_id)
  AND NOT EXISTS (SELECT 1 FROM dispositions d
                  JOIN disposition_codes dc ON dc.campaign_id = d.campaign_id AND dc.code = d.code
                  WHERE d.campaign_id = $1 AND d.account_id = a.account_id AND dc.final)
  AND EXISTS (SELECT 1 FROM account_phones ph
              WHERE ph.account_id = a.account_id AND ph.is_valid AND ph.retired_at IS NULL
                AND NOT EXISTS (SELECT 1 FROM dnc_entries e
                                WHERE e.e164 = ph.e164 AND e.source = 'firm'))
  AND NOT EXISTS (SELECT 1 FROM call_attempts c
                  WHERE c.account_id = a.account_id
                    AND c.status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress'))
ORDER BY a.account_id
LIMIT 1;

-- name: preview_phone
SELECT ph.e164 FROM account_phones ph
WHERE ph.account_id = $1 AND ph.is_valid AND ph.retired_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM dnc_entries e WHERE e.e164 = ph.e164 AND e.source = 'firm')
ORDER BY ph.priority, ph.phone_id
LIMIT 1;

-- name: insert_preview_decision
INSERT INTO preview_decisions (campaign_id, account_id, user_id, action, decided_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING
RETURNING preview_decision_id;

-- name: pending_preview_dial
SELECT preview_decision_id FROM preview_decisions
WHERE campaign_id = $1 AND account_id = $2 AND action = 'dial' AND dialed_call_attempt_id IS NULL;

-- name: live_preview_dial
-- a dial of the account already placed and still in its call: pressing dial again replays it
SELECT p.preview_decision_id, p.dialed_call_attempt_id
FROM preview_decisions p JOIN call_attempts c ON c.call_attempt_id = p.dialed_call_attempt_id
WHERE p.campaign_id = $1 AND p.account_id = $2 AND p.action = 'dial'
  AND c.status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress')
ORDER BY p.preview_decision_id DESC
LIMIT 1;

-- name: open_console_count
SELECT count(*) FROM console_connections WHERE user_id = $1 AND closed_at IS NULL;

-- name: open_session_state
SELECT state FROM agent_sessions WHERE user_id = $1 AND ended_at IS NULL;

-- name: active_rep
SELECT user_id, audio_leg FROM users
WHERE user_id = $1 AND role = 'telesales_rep' AND active;

-- name: phone_leg_of_session
SELECT s.agent_session_id, s.audio_call_id, u.audio_leg, u.phone_e164
FROM agent_sessions s JOIN users u USING (user_id)
WHERE s.user_id = $1 AND s.ended_at IS NULL;

-- name: phone_leg_of_session_id
SELECT audio_call_id FROM agent_sessions WHERE agent_session_id = $1;

-- name: keep_phone_leg
UPDATE agent_sessions SET audio_call_id = $2
WHERE agent_session_id = $1 AND audio_call_id IS NULL AND ended_at IS NULL
RETURNING audio_call_id;

-- name: carry_phone_leg
-- (RETURNING would give the cleared value: the leg is read before it is moved)
WITH leg AS (
    SELECT audio_call_id FROM agent_sessions
    WHERE agent_session_id = $1 AND audio_call_id IS NOT NULL
    FOR UPDATE
), cleared AS (
    UPDATE agent_sessions SET audio_call_id = NULL
    WHERE agent_session_id = $1 AND EXISTS (SELECT 1 FROM leg)
)
UPDATE agent_sessions SET audio_call_id = (SELECT audio_call_id FROM leg)
WHERE agent_session_id = $2 AND audio_call_id IS NULL AND EXISTS (SELECT 1 FROM leg);

-- name: take_phone_leg
WITH leg AS (
    SELECT audio_call_id FROM agent_sessions WHERE agent_session_id = $1 FOR UPDATE
)
UPDATE agent_sessions s SET audio_call_id = NULL
FROM leg WHERE s.agent_session_id = $1 AND leg.audio_call_id IS NOT NULL
RETURNING leg.audio_call_id;

-- name: phone_leg_gone
-- the rep's phone leg ended: forget it, if it is still the session's leg
UPDATE agent_sessions SET audio_call_id = NULL
WHERE user_id = $1 AND ended_at IS NULL AND audio_call_id = $2
RETURNING agent_session_id, state;
