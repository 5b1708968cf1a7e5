-- The group-committed ledger's statements (dialer/telephony/group_commit.py): each one
-- covers a whole batch of callbacks; asyncpg prepares each once per connection.

-- name: lock_attempts
-- every attempt a batch of callbacks names, by the provider's call id or by the attempt
-- id of the webhook URL, locked in id order (two batches never deadlock)
SELECT call_attempt_id, campaign_id, provider_call_id, status, initiated_at, ringing_at,
       answered_at, amd_at, ended_at, answered_by, end_reason, sip_code, duration_seconds,
       provider_sequence
FROM call_attempts
WHERE provider = $1
  AND (provider_call_id = ANY($2::text[]) OR call_attempt_id = ANY($3::bigint[]))
ORDER BY call_attempt_id
FOR UPDATE;

-- name: seen_dedupe_keys_of
SELECT dedupe_key FROM provider_callbacks WHERE dedupe_key = ANY($1::text[]);

-- name: save_call_states
-- each attempt's state after the batch (the same columns `save_call_state` writes)
UPDATE call_attempts AS c
SET provider_call_id = u.call_id,
    status = u.status,
    initiated_at = u.initiated_at,
    ringing_at = u.ringing_at,
    answered_at = u.answered_at,
    amd_at = u.amd_at,
    ended_at = u.ended_at,
    answered_by = u.answered_by,
    end_reason = u.end_reason,
    sip_code = u.sip_code,
    duration_seconds = u.duration_seconds,
    provider_sequence = u.provider_sequence,
    ring_seconds = GREATEST(0, extract(epoch FROM
        COALESCE(u.answered_at, u.ended_at) - COALESCE(u.ringing_at, u.initiated_at)
    ))::integer,
    talk_seconds = CASE WHEN u.status = 'completed' THEN u.duration_seconds END
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[],
            $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::text[], $10::text[],
            $11::integer[], $12::integer[], $13::integer[])
     AS u(call_attempt_id, call_id, status, initiated_at, ringing_at, answered_at, amd_at,
          ended_at, answered_by, end_reason, sip_code, duration_seconds, provider_sequence)
WHERE c.call_attempt_id = u.call_attempt_id;

-- name: record_callback_keys_of
INSERT INTO provider_callbacks (
    dedupe_key, provider, provider_call_id, call_attempt_id, event_kind, verdict,
    sequence_number, occurred_at, received_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[],
                     $6::text[], $7::integer[], $8::timestamptz[], $9::timestamptz[])
ON CONFLICT (dedupe_key) DO NOTHING;
