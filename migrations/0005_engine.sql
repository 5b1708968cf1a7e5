-- 0005 engine: the per-campaign dial queue (the hopper) and decisions the engine acted on.

CREATE TABLE campaign_numbers (
    campaign_id     bigint NOT NULL REFERENCES campaigns,
    phone_id        bigint NOT NULL REFERENCES account_phones,
    account_id      bigint NOT NULL REFERENCES accounts,
    e164            text NOT NULL,
    list_id         bigint,
    -- pending: waiting for its time; leased: claimed by an engine, not yet dialed;
    -- dialing: a call_attempt exists and has not ended; done / retired / blocked: finished
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'leased', 'dialing', 'done', 'retired', 'blocked')),
    priority        integer NOT NULL DEFAULT 0,
    fairness_rank   integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    callback_due_at timestamptz,
    callback_owner  bigint REFERENCES users,
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_attempt_at timestamptz,
    last_outcome    text,
    leased_by       text,
    lease_expires_at timestamptz,
    call_attempt_id bigint REFERENCES call_attempts,
    reason          text,
    preview_only    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (campaign_id, phone_id),
    CHECK (state <> 'leased' OR (leased_by IS NOT NULL AND lease_expires_at IS NOT NULL)),
    CHECK (state <> 'dialing' OR call_attempt_id IS NOT NULL)
);
-- the hopper's hot query: due numbers of one campaign in dialing order
CREATE INDEX campaign_numbers_due ON campaign_numbers
    (campaign_id, next_attempt_at) WHERE state = 'pending';
CREATE INDEX campaign_numbers_leases ON campaign_numbers (lease_expires_at) WHERE state = 'leased';
CREATE INDEX campaign_numbers_attempt ON campaign_numbers (call_attempt_id) WHERE state = 'dialing';

ALTER TABLE call_attempts ADD COLUMN engine_id text;
ALTER TABLE call_attempts ADD COLUMN reserved_agent_user_id bigint REFERENCES users;
ALTER TABLE call_attempts ADD COLUMN outcome text;
