-- 0007 console: what the rep console needs on top of the foundation.

-- the call a rep is working (reserved, on the call, wrapping up); NULL when between calls
ALTER TABLE agent_sessions
    ADD COLUMN current_call_attempt_id bigint REFERENCES call_attempts;

-- the campaign's call script; the product's required disclosures are added to it
ALTER TABLE campaigns
    ADD COLUMN script text NOT NULL DEFAULT '';

-- every console WebSocket a rep opened: a rep with none open for the grace period while
-- working a call has lost their browser (see dialer.console.disconnects)
CREATE TABLE console_connections (
    console_connection_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users,
    opened_at      timestamptz NOT NULL,
    closed_at      timestamptz,
    CHECK (closed_at IS NULL OR closed_at >= opened_at)
);
CREATE INDEX console_connections_user ON console_connections (user_id, opened_at);

-- preview mode: a rep's decision on the account shown before dialing; the engine dials
-- the 'dial' ones (it also hears a preview_dial event on campaign:<id>)
CREATE TABLE preview_decisions (
    preview_decision_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id    bigint NOT NULL REFERENCES campaigns,
    account_id     bigint NOT NULL REFERENCES accounts,
    user_id        bigint NOT NULL REFERENCES users,
    action         text NOT NULL CHECK (action IN ('dial', 'skip')),
    decided_at     timestamptz NOT NULL,
    dialed_call_attempt_id bigint REFERENCES call_attempts
);
CREATE INDEX preview_decisions_campaign ON preview_decisions (campaign_id, account_id);
-- one pending dial per account and campaign: pressing dial twice dials once
CREATE UNIQUE INDEX preview_decisions_one_pending_dial ON preview_decisions (campaign_id, account_id)
    WHERE action = 'dial' AND dialed_call_attempt_id IS NULL;
