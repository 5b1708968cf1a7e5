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
-- the default (revenue.coefficients.DEFAULT_COEFFICIENT_RULE): one upheld complaint takes 0.1
INSERT INTO service_coefficient_rules (version, effective_from, rule, stored_at)
VALUES (1, DATE '2000-01-01',
        '{"version":1,"effective_from":"2000-01-01","complaint_penalty":"0.1","qa_target":"0.85","qa_weight":"0.5","sms_target":"4","sms_weight":"0.05","min_sms_answers":3}',
        TIMESTAMPTZ '2026-12-07 00:00:00+00');

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

-- QA review (电话抽调): the firm's scorecards, each team's sampling plan, the reviews (a
-- reviewer's queue is the reviews assigned and not yet scored), their item scores and
-- comments at a time offset in the recording, the rep's acknowledgement, one dispute
-- re-scored by another reviewer, and the excellent-recording library.
CREATE TABLE qa_scorecards (
    scorecard_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text NOT NULL UNIQUE CHECK (length(name) > 0),
    items             jsonb NOT NULL,   -- [{key, label, weight, must_pass}]
    created_at        timestamptz NOT NULL
);
CREATE TABLE qa_sampling_plans (
    team_id           bigint PRIMARY KEY REFERENCES teams,
    random_share      numeric NOT NULL DEFAULT 0.1 CHECK (random_share >= 0 AND random_share <= 1),
    min_talk_seconds  integer NOT NULL DEFAULT 10 CHECK (min_talk_seconds >= 0),
    scorecard_id      bigint REFERENCES qa_scorecards
);
CREATE TABLE qa_reviews (
    review_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_attempt_id   bigint NOT NULL REFERENCES call_attempts,
    recording_id      bigint REFERENCES call_recordings,
    rep_user_id       bigint NOT NULL REFERENCES users,
    scorecard_id      bigint NOT NULL REFERENCES qa_scorecards,
    reason            text NOT NULL CHECK (reason IN (
                        'random', 'warm_lead', 'complaint', 'dnc_disposition', 'dispute')),
    reviewer_id       bigint REFERENCES users,
    status            text NOT NULL DEFAULT 'queued' CHECK (status IN (
                        'queued', 'scored', 'acknowledged', 'disputed', 'rescored')),
    score             numeric CHECK (score >= 0 AND score <= 1),
    must_pass_failed  boolean,
    sampled_on        date NOT NULL,
    sampled_at        timestamptz NOT NULL,
    scored_at         timestamptz,
    acknowledged_at   timestamptz,
    disputed_at       timestamptz,
    dispute_reason    text,
    disputes_review_id bigint REFERENCES qa_reviews,
    UNIQUE (call_attempt_id, reason)
);
CREATE INDEX qa_reviews_queue ON qa_reviews (reviewer_id, status);
CREATE INDEX qa_reviews_rep ON qa_reviews (rep_user_id, scored_at);
CREATE TABLE qa_review_items (
    review_id         bigint NOT NULL REFERENCES qa_reviews,
    item_key          text NOT NULL,
    passed            boolean NOT NULL,
    PRIMARY KEY (review_id, item_key)
);
CREATE TABLE qa_comments (
    comment_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    review_id         bigint NOT NULL REFERENCES qa_reviews,
    author_id         bigint NOT NULL REFERENCES users,
    offset_seconds    numeric NOT NULL CHECK (offset_seconds >= 0),
    body              text NOT NULL CHECK (length(body) > 0),
    created_at        timestamptz NOT NULL
);
CREATE SEQUENCE excellent_recording_serial;
CREATE TABLE excellent_recordings (
    serial            text PRIMARY KEY,   -- 优秀录音 流水号, e.g. EX-2026-0001
    recording_id      bigint NOT NULL UNIQUE REFERENCES call_recordings,
    review_id         bigint REFERENCES qa_reviews,
    nominated_by      bigint NOT NULL REFERENCES users,
    note              text NOT NULL DEFAULT '',
    added_at          timestamptz NOT NULL
);

-- SMS satisfaction (短信满意度): one survey per contact, sent through the carrier's
-- messaging, answered 1..5 by a signed reply webhook; STOP opts the customer out of SMS.
CREATE TABLE sms_surveys (
    survey_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_attempt_id     bigint NOT NULL UNIQUE REFERENCES call_attempts,
    account_id          bigint NOT NULL REFERENCES accounts,
    rep_user_id         bigint REFERENCES users,
    e164                text NOT NULL,
    status              text NOT NULL CHECK (status IN ('sent', 'blocked', 'answered', 'opted_out')),
    blocked_reason      text,
    provider_message_id text UNIQUE,
    sent_at             timestamptz NOT NULL,
    rating              integer CHECK (rating BETWEEN 1 AND 5),
    answered_at         timestamptz
);
CREATE INDEX sms_surveys_number ON sms_surveys (e164, sent_at DESC);
CREATE TABLE sms_replies (
    provider_message_id text PRIMARY KEY,
    survey_id           bigint REFERENCES sms_surveys,
    e164                text NOT NULL,
    body                text NOT NULL,
    received_at         timestamptz NOT NULL
);
-- A STOP-style reply opts the number out of SMS (not of calls).
CREATE TABLE sms_opt_outs (
    e164                text PRIMARY KEY,
    opted_out_at        timestamptz NOT NULL,
    provider_message_id text NOT NULL
);
-- A customer who refuses to be recorded is not recorded again (whatever the campaign's
-- policy); who recorded the refusal, and when.
CREATE TABLE recording_opt_outs (
    account_id   bigint PRIMARY KEY REFERENCES accounts,
    opted_out_at timestamptz NOT NULL,
    recorded_by  bigint REFERENCES users,
    note         text NOT NULL DEFAULT ''
);
