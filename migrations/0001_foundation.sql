-- 0001 foundation: the people, the customers, campaigns, calls, leads and money.
-- Invariants live in constraints so that no code path can break them.

CREATE TABLE branches (
    branch_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code           text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9_-]{2,32}$'),
    name           text NOT NULL CHECK (length(name) > 0),
    time_zone      text NOT NULL DEFAULT 'Asia/Shanghai',
    region         text,
    lead_assignment text NOT NULL DEFAULT 'round_robin'
                   CHECK (lead_assignment IN ('manual', 'round_robin', 'least_loaded')),
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE teams (
    team_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL UNIQUE CHECK (length(name) > 0),
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE user_role AS ENUM (
    'telesales_rep', 'team_leader', 'campaign_manager',
    'branch_manager', 'account_manager', 'admin'
);

CREATE TABLE users (
    user_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username       text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9_.-]{2,64}$'),
    display_name   text NOT NULL,
    role           user_role NOT NULL,
    branch_id      bigint REFERENCES branches,
    team_id        bigint REFERENCES teams,
    password_hash  text NOT NULL,
    language       text NOT NULL DEFAULT 'zh' CHECK (language IN ('zh', 'en')),
    is_senior      boolean NOT NULL DEFAULT false,
    qualification_number text,
    registrations  text[] NOT NULL DEFAULT '{}',
    audio_leg      text NOT NULL DEFAULT 'browser' CHECK (audio_leg IN ('browser', 'phone', 'simulated')),
    phone_e164     text,
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_branch_roles_have_branch CHECK (
        role NOT IN ('branch_manager', 'account_manager') OR branch_id IS NOT NULL),
    CONSTRAINT users_reps_have_team CHECK (
        role NOT IN ('telesales_rep', 'team_leader') OR team_id IS NOT NULL)
);
CREATE INDEX users_branch_role ON users (branch_id, role);

CREATE TABLE api_tokens (
    token_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    token_hash     text NOT NULL UNIQUE,
    label          text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz
);

CREATE TABLE web_sessions (
    session_hash   text PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    csrf_token     text NOT NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- Customers ------------------------------------------------------------------

CREATE TYPE account_segment AS ENUM (
    'lapsed', 'empty', 'prospect', 'withdrawn', 'orphan', 'dormant', 'new'
);
CREATE TYPE account_tier AS ENUM ('silver', 'gold', 'diamond');

CREATE TABLE accounts (
    account_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_number   text UNIQUE,              -- NULL for prospects (no account yet)
    name             text NOT NULL CHECK (length(name) > 0),
    segment          account_segment NOT NULL,
    tier             account_tier NOT NULL DEFAULT 'silver',
    branch_id        bigint REFERENCES branches,
    account_manager_id bigint REFERENCES users,  -- NULL = orphan
    assets_cents     bigint NOT NULL DEFAULT 0 CHECK (assets_cents >= 0),
    opened_on        date,
    last_trade_on    date,
    region           text,                     -- province / US state / UK nation
    city             text,
    address          text,
    address_time_zone text,
    risk_tolerance   text CHECK (risk_tolerance IN ('C1', 'C2', 'C3', 'C4', 'C5')),
    risk_assessed_on date,
    professional_investor boolean NOT NULL DEFAULT false,
    existing_customer_since date,
    last_transaction_on date,
    extra            jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_segment_tier ON accounts (segment, tier);
CREATE INDEX accounts_branch ON accounts (branch_id);
CREATE INDEX accounts_manager ON accounts (account_manager_id);

CREATE TABLE account_phones (
    phone_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    e164           text NOT NULL CHECK (e164 ~ '^\+[1-9][0-9]{6,14}$'),
    line_type      text NOT NULL DEFAULT 'unknown'
                   CHECK (line_type IN ('mobile', 'fixed_line', 'wireless', 'landline', 'voip', 'unknown')),
    region_code    text,                         -- ISO country of the number
    time_zones     text[] NOT NULL DEFAULT '{}',
    priority       smallint NOT NULL DEFAULT 0,
    is_valid       boolean NOT NULL DEFAULT true,
    retired_at     timestamptz,                  -- invalid / disconnected: never redialled
    retired_reason text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, e164)
);
CREATE INDEX account_phones_e164 ON account_phones (e164);

CREATE TABLE consents (
    consent_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    purpose        text NOT NULL CHECK (purpose IN ('marketing', 'service', 'automated_dialing')),
    channel        text NOT NULL DEFAULT 'phone',
    granted_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    source         text NOT NULL DEFAULT 'import',
    CHECK (revoked_at IS NULL OR revoked_at >= granted_at)
);
CREATE INDEX consents_account ON consents (account_id);

-- Lists ----------------------------------------------------------------------

CREATE TABLE lists (
    list_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL UNIQUE CHECK (length(name) > 0),
    default_region text NOT NULL DEFAULT 'CN',
    created_by     bigint REFERENCES users,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE list_imports (
    import_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list_id        bigint NOT NULL REFERENCES lists,
    file_name      text NOT NULL,
    content_sha256 text NOT NULL,
    status         text NOT NULL DEFAULT 'running'
                   CHECK (status IN ('running', 'done', 'failed')),
    rows_total     integer NOT NULL DEFAULT 0,
    rows_accepted  integer NOT NULL DEFAULT 0,
    rows_merged    integer NOT NULL DEFAULT 0,
    rows_rejected  integer NOT NULL DEFAULT 0,
    error          text,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    CONSTRAINT list_imports_reconcile CHECK (
        status <> 'done' OR rows_total = rows_accepted + rows_merged + rows_rejected)
);
CREATE INDEX list_imports_hash ON list_imports (content_sha256);

CREATE TABLE import_rejects (
    import_id      bigint NOT NULL REFERENCES list_imports ON DELETE CASCADE,
    line_number    integer NOT NULL,
    raw            text NOT NULL,
    reason         text NOT NULL,
    PRIMARY KEY (import_id, line_number)
);

CREATE TABLE list_memberships (
    list_id        bigint NOT NULL REFERENCES lists,
    account_id     bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    import_id      bigint REFERENCES list_imports,
    added_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, account_id)
);
CREATE INDEX list_memberships_account ON list_memberships (account_id);

-- Products and campaigns -----------------------------------------------------

CREATE TABLE products (
    product_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code           text NOT NULL UNIQUE,
    name           text NOT NULL,
    risk_level     text NOT NULL CHECK (risk_level IN ('R1', 'R2', 'R3', 'R4', 'R5')),
    kind           text NOT NULL DEFAULT 'advisory'
                   CHECK (kind IN ('advisory', 'fund', 'margin', 'account', 'service')),
    required_registration text,
    disclosure     text NOT NULL DEFAULT ''
);

CREATE TABLE campaigns (
    campaign_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL UNIQUE CHECK (length(name) > 0),
    purpose        text NOT NULL CHECK (purpose IN ('marketing', 'service')),
    product_id     bigint REFERENCES products,
    subject        text NOT NULL DEFAULT 'general',
    target_segments account_segment[] NOT NULL DEFAULT '{}',
    list_ids       bigint[] NOT NULL DEFAULT '{}',
    pacing_mode    text NOT NULL DEFAULT 'progressive' CHECK (pacing_mode IN (
                     'preview', 'progressive', 'power', 'RATIO', 'ADAPT_HARD_LIMIT',
                     'ADAPT_AVERAGE', 'ADAPT_TAPERED', 'predictive')),
    pacing         jsonb NOT NULL DEFAULT '{}',  -- lines per rep, abandon target / cap, ...
    calling_windows jsonb NOT NULL DEFAULT '{}',
    retry_policy   jsonb NOT NULL DEFAULT '{}',
    jurisdiction   text NOT NULL DEFAULT 'CN' CHECK (jurisdiction IN ('US', 'UK', 'CN')),
    caller_id      text CHECK (caller_id IS NULL OR caller_id ~ '^\+[1-9][0-9]{6,14}$'),
    ring_seconds   integer NOT NULL DEFAULT 25 CHECK (ring_seconds BETWEEN 15 AND 60),
    abandon_message text,
    voicemail_policy text NOT NULL DEFAULT 'hangup' CHECK (voicemail_policy IN ('hangup', 'leave_message')),
    voicemail_message text,
    wrap_up_max_seconds integer NOT NULL DEFAULT 60 CHECK (wrap_up_max_seconds > 0),
    status         text NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft', 'running', 'paused', 'finished')),
    created_by     bigint REFERENCES users,
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz
);

CREATE TABLE disposition_codes (
    campaign_id    bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
    code           text NOT NULL CHECK (code ~ '^[A-Z0-9_]{1,24}$'),
    label_en       text NOT NULL,
    label_zh       text NOT NULL,
    hotkey         text,
    human_answered boolean NOT NULL DEFAULT false,
    contact        boolean NOT NULL DEFAULT false,
    warm_lead      boolean NOT NULL DEFAULT false,
    do_not_call    boolean NOT NULL DEFAULT false,
    callback       boolean NOT NULL DEFAULT false,
    final          boolean NOT NULL DEFAULT false,
    PRIMARY KEY (campaign_id, code),
    UNIQUE (campaign_id, hotkey)
);

-- Agents ---------------------------------------------------------------------

CREATE TABLE agent_sessions (
    agent_session_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users,
    campaign_id    bigint REFERENCES campaigns,
    state          text NOT NULL DEFAULT 'ready' CHECK (state IN (
                     'logged_out', 'ready', 'reserved', 'on_call', 'wrap_up', 'paused')),
    pause_code     text,
    state_since    timestamptz NOT NULL,
    started_at     timestamptz NOT NULL,
    ended_at       timestamptz
);
-- a rep is logged in at most once
CREATE UNIQUE INDEX agent_sessions_one_open ON agent_sessions (user_id) WHERE ended_at IS NULL;

CREATE TABLE agent_state_changes (
    agent_session_id bigint NOT NULL REFERENCES agent_sessions,
    at             timestamptz NOT NULL,
    from_state     text,
    to_state       text NOT NULL,
    pause_code     text,
    call_attempt_id bigint
);
CREATE INDEX agent_state_changes_session ON agent_state_changes (agent_session_id, at);

-- Calls ----------------------------------------------------------------------

CREATE TABLE call_attempts (
    call_attempt_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id    bigint NOT NULL REFERENCES campaigns,
    account_id     bigint NOT NULL REFERENCES accounts,
    phone_id       bigint REFERENCES account_phones,
    e164           text NOT NULL,
    provider       text NOT NULL DEFAULT 'twilio',
    provider_call_id text UNIQUE,
    idempotency_key text NOT NULL UNIQUE,
    status         text NOT NULL DEFAULT 'created' CHECK (status IN (
                     'created', 'queued', 'initiated', 'ringing', 'in_progress', 'completed',
                     'busy', 'no_answer', 'failed', 'canceled', 'blocked')),
    created_at     timestamptz NOT NULL,
    queued_at      timestamptz,
    initiated_at   timestamptz,
    ringing_at     timestamptz,
    answered_at    timestamptz,
    bridged_at     timestamptz,
    amd_at         timestamptz,
    ended_at       timestamptz,
    answered_by    text CHECK (answered_by IN ('human', 'machine', 'fax', 'unknown')),
    abandoned      boolean NOT NULL DEFAULT false,
    end_reason     text,
    sip_code       integer,
    provider_error_code integer,
    ring_seconds   integer,
    talk_seconds   integer,
    duration_seconds integer,
    agent_user_id  bigint REFERENCES users,
    compliance_decision_id bigint
);
CREATE INDEX call_attempts_account ON call_attempts (account_id, created_at);
CREATE INDEX call_attempts_campaign ON call_attempts (campaign_id, created_at);
CREATE INDEX call_attempts_e164 ON call_attempts (e164, created_at);
-- one live call per number at a time: the database refuses a second concurrent dial
CREATE UNIQUE INDEX call_attempts_one_live_per_number ON call_attempts (e164)
    WHERE status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress');

CREATE TABLE dispositions (
    disposition_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_attempt_id bigint REFERENCES call_attempts,
    campaign_id    bigint NOT NULL,
    account_id     bigint NOT NULL REFERENCES accounts,
    code           text NOT NULL,
    agent_user_id  bigint REFERENCES users,
    note           text NOT NULL DEFAULT '',
    idempotency_key text UNIQUE,
    recorded_at    timestamptz NOT NULL,
    FOREIGN KEY (campaign_id, code) REFERENCES disposition_codes (campaign_id, code)
);
-- one disposition per call
CREATE UNIQUE INDEX dispositions_one_per_call ON dispositions (call_attempt_id)
    WHERE call_attempt_id IS NOT NULL;
CREATE INDEX dispositions_account ON dispositions (account_id, recorded_at);

CREATE TABLE callbacks (
    callback_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id    bigint NOT NULL REFERENCES campaigns,
    account_id     bigint NOT NULL REFERENCES accounts,
    owner_user_id  bigint REFERENCES users,      -- NULL = any rep
    due_at         timestamptz NOT NULL,
    disposition_id bigint REFERENCES dispositions,
    status         text NOT NULL DEFAULT 'scheduled'
                   CHECK (status IN ('scheduled', 'done', 'canceled', 'missed')),
    note           text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL
);
CREATE INDEX callbacks_due ON callbacks (campaign_id, due_at) WHERE status = 'scheduled';

-- Do-not-call ------------------------------------------------------------------

CREATE TABLE dnc_snapshots (
    snapshot_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source         text NOT NULL CHECK (source IN ('firm', 'national', 'tps', 'ctps', 'cn_refusal')),
    snapshot_date  date NOT NULL,
    file_name      text,
    content_sha256 text,
    entries        integer NOT NULL DEFAULT 0,
    loaded_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dnc_entries (
    dnc_entry_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    e164           text NOT NULL CHECK (e164 ~ '^\+[1-9][0-9]{6,14}$'),
    source         text NOT NULL CHECK (source IN ('firm', 'national', 'tps', 'ctps', 'cn_refusal')),
    scope          text NOT NULL DEFAULT 'all' CHECK (scope IN ('all', 'marketing')),
    channel        text,                         -- where an opt-out came from
    added_at       timestamptz NOT NULL,
    expires_at     timestamptz,
    snapshot_id    bigint REFERENCES dnc_snapshots,
    account_id     bigint REFERENCES accounts,
    note           text NOT NULL DEFAULT '',
    UNIQUE (e164, source)
);

-- Leads and money --------------------------------------------------------------

CREATE TABLE leads (
    lead_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     bigint NOT NULL REFERENCES accounts,
    campaign_id    bigint NOT NULL REFERENCES campaigns,
    product_id     bigint REFERENCES products,
    interest_key   bigint GENERATED ALWAYS AS (coalesce(product_id, 0)) STORED,
    rep_user_id    bigint NOT NULL REFERENCES users,
    call_attempt_id bigint REFERENCES call_attempts,
    disposition_id bigint REFERENCES dispositions,
    branch_id      bigint REFERENCES branches,
    assigned_to    bigint REFERENCES users,
    state          text NOT NULL DEFAULT 'new' CHECK (state IN (
                     'new', 'accepted', 'contacted', 'won', 'lost', 'expired', 'returned')),
    interest       text NOT NULL DEFAULT '',
    preferred_contact_at timestamptz,
    notes          text NOT NULL DEFAULT '',
    handed_off_at  timestamptz NOT NULL,
    accepted_at    timestamptz,
    first_contact_at timestamptz,
    closed_at      timestamptz,
    sla_due_at     timestamptz
);
-- one open lead per customer and product
CREATE UNIQUE INDEX leads_one_open_per_interest ON leads (account_id, interest_key)
    WHERE state IN ('new', 'accepted', 'contacted');
CREATE INDEX leads_branch_state ON leads (branch_id, state);
CREATE INDEX leads_assigned ON leads (assigned_to, state);

CREATE TABLE lead_events (
    lead_id        bigint NOT NULL REFERENCES leads,
    at             timestamptz NOT NULL,
    kind           text NOT NULL,
    actor_user_id  bigint REFERENCES users,
    detail         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX lead_events_lead ON lead_events (lead_id, at);

CREATE TABLE conversions (
    conversion_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_ref   text NOT NULL UNIQUE,         -- back office's id: makes imports idempotent
    account_id     bigint NOT NULL REFERENCES accounts,
    kind           text NOT NULL CHECK (kind IN (
                     'reactivated', 'funds_in', 'advisory_signed', 'product_bought', 'net_commission')),
    occurred_on    date NOT NULL,
    amount_cents   bigint NOT NULL DEFAULT 0,
    period         text,                         -- YYYY-MM for commission reports
    lead_id        bigint REFERENCES leads,      -- NULL = unattributed
    received_at    timestamptz NOT NULL
);
CREATE INDEX conversions_account ON conversions (account_id, occurred_on);

CREATE TABLE revenue_rule_sets (
    rule_set_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version        text NOT NULL UNIQUE,
    effective_from date NOT NULL,
    rules          jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE revenue_ledger (
    entry_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversion_id  bigint NOT NULL REFERENCES conversions,
    lead_id        bigint REFERENCES leads,
    call_attempt_id bigint REFERENCES call_attempts,
    rule_set_id    bigint REFERENCES revenue_rule_sets,
    party_kind     text NOT NULL CHECK (party_kind IN (
                     'rep', 'team', 'account_manager', 'branch', 'centre', 'firm')),
    party_id       bigint,
    amount_cents   bigint NOT NULL,
    period         text NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{2}$'),
    reverses_entry_id bigint REFERENCES revenue_ledger,
    reason         text NOT NULL DEFAULT 'split',
    posted_at      timestamptz NOT NULL
);
CREATE INDEX revenue_ledger_period ON revenue_ledger (period, party_kind, party_id);

-- Audit ------------------------------------------------------------------------

CREATE TABLE audit_log (
    audit_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL,
    actor_user_id  bigint,
    kind           text NOT NULL,                -- compliance_decision, dnc_added, login, ...
    subject_type   text,
    subject_id     bigint,
    detail         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id, at);
CREATE INDEX audit_log_kind ON audit_log (kind, at);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER revenue_ledger_append_only BEFORE UPDATE OR DELETE ON revenue_ledger
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
