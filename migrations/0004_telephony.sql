-- 0004 telephony: provider callbacks applied at most once, and each call's highest
-- callback sequence number (Twilio numbers callbacks; arrival order is not guaranteed).

CREATE TABLE provider_callbacks (
    dedupe_key       text PRIMARY KEY,   -- idempotency token, or call id + sequence number
    provider         text NOT NULL,
    provider_call_id text NOT NULL,
    call_attempt_id  bigint REFERENCES call_attempts,
    event_kind       text NOT NULL CHECK (event_kind IN (
                       'initiated', 'ringing', 'answered', 'amd_verdict', 'completed')),
    verdict          text NOT NULL CHECK (verdict IN ('advanced', 'recorded', 'late', 'conflict')),
    sequence_number  integer,
    occurred_at      timestamptz NOT NULL,
    received_at      timestamptz NOT NULL
);
CREATE INDEX provider_callbacks_call ON provider_callbacks (provider_call_id);
CREATE INDEX provider_callbacks_attempt ON provider_callbacks (call_attempt_id);

ALTER TABLE call_attempts ADD COLUMN provider_sequence integer;
ALTER TABLE call_attempts ADD COLUMN bridged_room text;
