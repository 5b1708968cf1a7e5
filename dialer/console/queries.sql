-- Named queries of the rep console: its pages, preview, my day, the sweeps and the phone
-- leg (loaded by dialer.sql.load_queries). The floor's own are in dialer/floor/queries.sql.

-- name: campaigns_open_to_reps
SELECT campaign_id, name, purpose, status, pacing_mode, jurisdiction
FROM campaigns WHERE status IN ('draft', 'running', 'paused')
ORDER BY status = 'running' DESC, campaign_id;

-- name: campaign_codes
SELECT code, label_en, label_zh, hotkey, human_answered, contact, warm_lead, do_not_call,
       callback, final
FROM disposition_codes WHERE campaign_id = $1
ORDER BY hotkey NULLS LAST, code;

-- name: ensure_disconnected_code
INSERT INTO disposition_codes (campaign_id, code, label_en, label_zh, human_answered)
VALUES ($1, 'DISCONNECTED', 'Rep disconnected', '坐席断线', true)
ON CONFLICT (campaign_id, code) DO NOTHING;

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

-- name: offer_preview
INSERT INTO preview_offers (campaign_id, account_id, user_id, offered_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (campaign_id, account_id, user_id) DO NOTHING;

-- name: preview_offered
-- whether the account exists, and whether it was offered to this rep in this campaign
SELECT EXISTS (SELECT 1 FROM accounts WHERE account_id = $2) AS account_exists,
       EXISTS (SELECT 1 FROM preview_offers
               WHERE campaign_id = $1 AND account_id = $2 AND user_id = $3) AS offered;

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
