-- name: lock_attempt_by_call
SELECT call_attempt_id, provider_call_id, status, initiated_at, ringing_at, answered_at,
       amd_at, ended_at, answered_by, end_reason, sip_code, duration_seconds,
       provider_sequence
FROM call_attempts
WHERE provider = $1 AND provider_call_id = $2
FOR UPDATE;

-- name: lock_attempt_by_id
SELECT call_attempt_id, provider_call_id, status, initiated_at, ringing_at, answered_at,
       amd_at, ended_at, answered_by, end_reason, sip_code, duration_seconds,
       provider_sequence
FROM call_attempts
WHERE call_attempt_id = $1 AND provider = $2
FOR UPDATE;

-- name: seen_dedupe_keys
SELECT dedupe_key FROM provider_callbacks WHERE dedupe_key = ANY($1::text[]);

-- name: record_callback_keys
INSERT INTO provider_callbacks (
    dedupe_key, provider, provider_call_id, call_attempt_id, event_kind, verdict,
    sequence_number, occurred_at, received_at)
SELECT key, $2, $3, $4, $5, $6, $7, $8, $9
FROM unnest($1::text[]) AS key
ON CONFLICT (dedupe_key) DO NOTHING;

-- name: save_call_state
UPDATE call_attempts
SET provider_call_id = $2,
    status = $3::text,
    initiated_at = $4,
    ringing_at = $5,
    answered_at = $6,
    amd_at = $7,
    ended_at = $8,
    answered_by = $9,
    end_reason = $10,
    sip_code = $11,
    duration_seconds = $12::integer,
    provider_sequence = $13,
    ring_seconds = GREATEST(0, extract(epoch FROM
        COALESCE($6::timestamptz, $8::timestamptz) - COALESCE($5::timestamptz, $4::timestamptz)
    ))::integer,
    talk_seconds = CASE WHEN $3::text = 'completed' THEN $12::integer END
WHERE call_attempt_id = $1;

-- name: record_placed_call
UPDATE call_attempts
SET provider_call_id = $2,
    status = CASE WHEN status = 'created' THEN 'queued' ELSE status END,
    queued_at = COALESCE(queued_at, $3)
WHERE call_attempt_id = $1 AND (provider_call_id IS NULL OR provider_call_id = $2)
RETURNING call_attempt_id;

-- name: record_answer_decision
-- $3 is the rep's room, NULL when the call was abandoned (message then hang up).
UPDATE call_attempts
SET provider_call_id = COALESCE(provider_call_id, $1),
    bridged_at = CASE WHEN $3::text IS NOT NULL THEN COALESCE(bridged_at, $2) ELSE bridged_at END,
    bridged_room = COALESCE(bridged_room, $3::text),
    abandoned = abandoned OR $3::text IS NULL
WHERE provider = $4 AND (provider_call_id = $1 OR call_attempt_id = $5::bigint)
RETURNING call_attempt_id;

-- name: attempt_row
SELECT * FROM call_attempts WHERE call_attempt_id = $1;

-- name: callbacks_of_attempt
SELECT dedupe_key, event_kind, verdict, sequence_number
FROM provider_callbacks
WHERE call_attempt_id = $1
ORDER BY received_at, dedupe_key;
