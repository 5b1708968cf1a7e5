-- Hardening (issue 17): what was offered to whom, who read which customer, sign-in
-- throttling and lockout, API token expiry.

-- Preview offers: the account each rep was shown in preview mode. A rep may decide on
-- (dial or skip) only an account offered to them, and may read that customer meanwhile.
CREATE TABLE preview_offers (
    campaign_id  bigint NOT NULL REFERENCES campaigns,
    account_id   bigint NOT NULL REFERENCES accounts,
    user_id      bigint NOT NULL REFERENCES users,
    offered_at   timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, account_id, user_id)
);
CREATE INDEX preview_offers_user ON preview_offers (user_id, account_id);

-- Who saw whose data (PIPL): every read of a customer record, by anyone, append-only.
-- `reason` is why it was shown: a rep's call, preview, callback or lead; a branch's or
-- the centre's work (branch, centre) or a search.
CREATE TABLE customer_access_log (
    access_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    user_id      bigint NOT NULL REFERENCES users,
    role         text NOT NULL,
    account_id   bigint NOT NULL REFERENCES accounts,
    route        text NOT NULL,
    reason       text NOT NULL
);
CREATE INDEX customer_access_log_account ON customer_access_log (account_id, at);
CREATE INDEX customer_access_log_user ON customer_access_log (user_id, at);
CREATE INDEX customer_access_log_at ON customer_access_log (at);
CREATE TRIGGER customer_access_log_append_only BEFORE UPDATE OR DELETE ON customer_access_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER customer_access_log_no_truncate BEFORE TRUNCATE ON customer_access_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Sign-in throttling: failures per username and per address, with the backoff they
-- earned; an account locked after 30 wrong passwords until an admin lifts it (audited).
CREATE TABLE login_throttle (
    key            text PRIMARY KEY,         -- 'user:<username>' or 'addr:<address>'
    failures       integer NOT NULL DEFAULT 0,
    last_failure_at timestamptz NOT NULL,
    blocked_until  timestamptz
);
ALTER TABLE users ADD COLUMN locked_at timestamptz;

-- The sign-in form's CSRF token, bound to the pre-login session (its cookie) and used once.
CREATE TABLE login_forms (
    pre_session_hash text PRIMARY KEY,
    token_hash     text NOT NULL,
    expires_at     timestamptz NOT NULL
);
CREATE INDEX login_forms_expiry ON login_forms (expires_at);

-- A change of role, branch, team, password or activity ends the user's console sessions:
-- they sign in again, under a new session, with what they are now.
CREATE FUNCTION end_sessions_on_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role IS DISTINCT FROM OLD.role OR NEW.branch_id IS DISTINCT FROM OLD.branch_id
       OR NEW.team_id IS DISTINCT FROM OLD.team_id OR NEW.active IS DISTINCT FROM OLD.active
       OR NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
        DELETE FROM web_sessions WHERE user_id = NEW.user_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER users_end_sessions AFTER UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION end_sessions_on_user_change();

-- API tokens expire (DIALER_API_TOKEN_DAYS, default 90; a token made before this
-- migration expires 90 days after it was made) and show when they were last used.
ALTER TABLE api_tokens
    ADD COLUMN expires_at timestamptz,
    ADD COLUMN last_used_at timestamptz;
UPDATE api_tokens SET expires_at = created_at + interval '90 days';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;
CREATE INDEX api_tokens_user ON api_tokens (user_id, expires_at) WHERE revoked_at IS NULL;
