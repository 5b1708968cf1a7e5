-- Campaigns run in worker processes under leases (dialer/runtime/leases.py).
--
-- A running campaign (campaigns.status = 'running' is its desired state) is owned by at
-- most one live worker: the lease row names the worker, and its epoch rises by one at
-- every takeover. What an engine writes for its campaign carries the epoch it holds, and
-- the database refuses it once that epoch is stale, so a worker that was paused by the
-- OS and wakes after losing its lease can do no harm.

-- the campaign's engine should run: set by its start, cleared by its pause (the status
-- says what the campaign is; this what the operators asked of the engines). Campaigns
-- running when this migration runs resume under a worker.
ALTER TABLE campaigns ADD COLUMN dialing boolean NOT NULL DEFAULT false;
UPDATE campaigns SET dialing = true WHERE status = 'running';

CREATE TABLE workers (
    worker_id     text PRIMARY KEY,
    host          text NOT NULL,
    pid           integer NOT NULL,
    started_at    timestamptz NOT NULL,
    heartbeat_at  timestamptz NOT NULL,
    -- a draining worker launches nothing and takes no campaign: it hands its leases over
    draining      boolean NOT NULL DEFAULT false,
    stopped_at    timestamptz
);

CREATE TABLE campaign_leases (
    campaign_id   bigint PRIMARY KEY REFERENCES campaigns,
    -- NULL: released (a pause, a drain): the next claim takes it at once
    worker_id     text REFERENCES workers,
    epoch         bigint NOT NULL CHECK (epoch > 0),
    acquired_at   timestamptz NOT NULL,
    renewed_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX campaign_leases_worker ON campaign_leases (worker_id) WHERE worker_id IS NOT NULL;

-- every takeover, for the operators' record (who held a campaign when)
CREATE TABLE campaign_lease_events (
    lease_event_id bigserial PRIMARY KEY,
    campaign_id   bigint NOT NULL REFERENCES campaigns,
    worker_id     text,
    epoch         bigint NOT NULL,
    event         text NOT NULL CHECK (event IN ('acquired', 'released', 'lost')),
    at            timestamptz NOT NULL,
    previous_worker_id text
);
CREATE INDEX campaign_lease_events_campaign ON campaign_lease_events (campaign_id, at);

-- the epoch an engine dialled under (NULL: a rep's preview dial, made by no engine), and
-- when the live sweep last asked the carrier about the call
ALTER TABLE call_attempts ADD COLUMN lease_epoch bigint,
                          ADD COLUMN carrier_checked_at timestamptz;

-- true while `epoch` is the campaign's current lease and a worker holds it
CREATE FUNCTION campaign_lease_current(p_campaign_id bigint, p_epoch bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM campaign_leases
        WHERE campaign_id = p_campaign_id AND epoch = p_epoch AND worker_id IS NOT NULL
    )
$$;

-- an attempt written under a stale epoch is refused (SQLSTATE DL409), whoever writes it
CREATE FUNCTION call_attempts_refuse_stale_lease() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.lease_epoch IS NOT NULL
       AND NOT campaign_lease_current(NEW.campaign_id, NEW.lease_epoch) THEN
        RAISE EXCEPTION 'campaign % is no longer leased at epoch %', NEW.campaign_id, NEW.lease_epoch
            USING ERRCODE = 'DL409';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER call_attempts_lease_fence
    BEFORE INSERT ON call_attempts
    FOR EACH ROW EXECUTE FUNCTION call_attempts_refuse_stale_lease();

-- the carrier account's limits, shared by every worker dialling through it: a token
-- bucket for calls per second (refilled from the time of the last take)
CREATE TABLE carrier_budgets (
    provider      text PRIMARY KEY,
    tokens        double precision NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- each grant of the budget, kept a minute: a grant not yet written as attempts still
-- counts against the concurrent calls
CREATE TABLE carrier_grants (
    carrier_grant_id bigserial PRIMARY KEY,
    provider      text NOT NULL REFERENCES carrier_budgets,
    granted_at    timestamptz NOT NULL,
    granted       integer NOT NULL CHECK (granted > 0)
);
CREATE INDEX carrier_grants_provider ON carrier_grants (provider, granted_at);
