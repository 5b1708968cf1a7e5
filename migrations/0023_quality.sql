-- 0023 quality and pay: call recordings, the complaints register, the service
-- coefficient (its versioned rule, each month's figures, overrides with a reason).

-- QA reviewers (电话抽调) and compliance officers may listen to any call's recording.
ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'qa_reviewer';
ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'compliance_officer';

-- The campaign's recording policy: record (the default) from bridge to hang-up, both legs
-- on their own channels ('dual') or mixed ('mono').
ALTER TABLE campaigns ADD COLUMN recording_policy text NOT NULL DEFAULT 'record'
    CHECK (recording_policy IN ('record', 'do_not_record'));
ALTER TABLE campaigns ADD COLUMN recording_channels text NOT NULL DEFAULT 'dual'
    CHECK (recording_channels IN ('dual', 'mono'));

-- One row per recording the carrier made of an attempt. The audio is kept here (every web
-- process serves it; the carrier's URL is never given out); `media` is NULL once deleted.
CREATE TABLE call_recordings (
    recording_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_attempt_id       bigint NOT NULL REFERENCES call_attempts,
    provider              text NOT NULL,
    provider_recording_id text NOT NULL,
    provider_call_id      text NOT NULL,
    status                text NOT NULL DEFAULT 'in_progress' CHECK (status IN (
                            'in_progress', 'completed', 'absent', 'failed', 'deleted')),
    channels              integer CHECK (channels IN (1, 2)),
    duration_seconds      integer CHECK (duration_seconds >= 0),
    started_at            timestamptz NOT NULL,
    completed_at          timestamptz,
    media_type            text,
    media                 bytea,
    media_bytes           integer,
    jurisdiction          text NOT NULL,
    purpose               text NOT NULL,
    retain_until          timestamptz,
    deleted_at            timestamptz,
    UNIQUE (provider, provider_recording_id)
);
CREATE INDEX call_recordings_attempt ON call_recordings (call_attempt_id);
CREATE INDEX call_recordings_retention ON call_recordings (retain_until)
    WHERE deleted_at IS NULL;

-- Recording-status callbacks applied at most once (like provider_callbacks).
CREATE TABLE recording_callbacks (
    dedupe_key            text PRIMARY KEY,
    provider              text NOT NULL,
    provider_recording_id text NOT NULL,
    recording_status      text NOT NULL,
    received_at           timestamptz NOT NULL
);

-- Every deletion of a recording's audio: at the carrier and here, and why.
CREATE TABLE recording_deletions (
    deletion_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recording_id      bigint NOT NULL REFERENCES call_recordings,
    reason            text NOT NULL,
    carrier_deleted   boolean NOT NULL,
    carrier_detail    text NOT NULL DEFAULT '',
    deleted_at        timestamptz NOT NULL
);

-- The complaints register (投诉): from the customer to the centre, via the branch or via the
-- regulator; investigated, then closed upheld or not with the evidence.
CREATE TABLE complaints (
    complaint_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id        bigint NOT NULL REFERENCES accounts,
    source            text NOT NULL CHECK (source IN ('customer', 'branch', 'regulator')),
    about_marketing   boolean NOT NULL DEFAULT true,
    summary           text NOT NULL CHECK (length(summary) > 0),
    received_at       timestamptz NOT NULL,
    status            text NOT NULL DEFAULT 'open'
                        CHECK (status IN ('open', 'investigating', 'upheld', 'not_upheld')),
    recorded_by       bigint REFERENCES users,
    investigator_id   bigint REFERENCES users,
    closed_at         timestamptz,
    closed_by         bigint REFERENCES users,
    finding           text,
    evidence          jsonb NOT NULL DEFAULT '[]',
    dnc_applied       boolean NOT NULL DEFAULT false,
    CHECK ((status IN ('upheld', 'not_upheld')) = (closed_at IS NOT NULL))
);
CREATE TABLE complaint_calls (
    complaint_id      bigint NOT NULL REFERENCES complaints,
    call_attempt_id   bigint NOT NULL REFERENCES call_attempts,
    PRIMARY KEY (complaint_id, call_attempt_id)
);
CREATE TABLE complaint_people (
    complaint_id      bigint NOT NULL REFERENCES complaints,
    user_id           bigint NOT NULL REFERENCES users,
    PRIMARY KEY (complaint_id, user_id)
);
CREATE INDEX complaint_people_user ON complaint_people (user_id);

-- The firm's rule turning a month's complaints, QA scores and SMS ratings into a service
-- coefficient: versioned, effective from a day; a stored version never changes.
CREATE TABLE service_coefficient_rules (
    version           integer PRIMARY KEY CHECK (version > 0),
    effective_from    date NOT NULL UNIQUE,
    rule              jsonb NOT NULL,
    stored_at         timestamptz NOT NULL
);

-- Each computation of a person's coefficient for a month (the latest counts), with what
-- made it; an override (the old hand-made file) carries its reason.
CREATE TABLE service_coefficients (
    coefficient_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id           bigint NOT NULL REFERENCES users,
    period            text NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{2}$'),
    score             numeric NOT NULL CHECK (score >= 0 AND score <= 1),
    rule_version      integer REFERENCES service_coefficient_rules,
    inputs            jsonb NOT NULL DEFAULT '{}',
    override_reason   text,
    computed_at       timestamptz NOT NULL,
    CHECK ((rule_version IS NULL) = (override_reason IS NOT NULL))
);
CREATE INDEX service_coefficients_latest
    ON service_coefficients (user_id, period, coefficient_id DESC);
