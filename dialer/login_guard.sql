-- Sign-in forms, throttling and lockout (dialer.login_guard).

-- name: forget_expired_forms
DELETE FROM login_forms WHERE expires_at <= $1;

-- name: insert_login_form
INSERT INTO login_forms (pre_session_hash, token_hash, expires_at) VALUES ($1, $2, $3);

-- name: use_login_form
-- the form's token hash, deleted as it is read: a token serves one sign-in attempt
DELETE FROM login_forms WHERE pre_session_hash = $1 AND expires_at > $2 RETURNING token_hash;

-- name: blocked_until
SELECT max(blocked_until) FROM login_throttle WHERE key = ANY ($1::text[]) AND blocked_until > $2;

-- name: count_failure
-- one more failure for the key ($2 now; failures before $3 are forgotten): the count
INSERT INTO login_throttle AS t (key, failures, last_failure_at) VALUES ($1, 1, $2)
ON CONFLICT (key) DO UPDATE
SET failures = CASE WHEN t.last_failure_at < $3 THEN 1 ELSE t.failures + 1 END,
    last_failure_at = $2
RETURNING failures;

-- name: set_blocked_until
UPDATE login_throttle SET blocked_until = $2 WHERE key = $1;

-- name: forget_key
DELETE FROM login_throttle WHERE key = $1;

-- name: lock_user
-- whether this locked it (false: it was locked already)
UPDATE users SET locked_at = $2 WHERE user_id = $1 AND locked_at IS NULL RETURNING true;

-- name: unlock_user
UPDATE users u SET locked_at = NULL FROM users old
WHERE u.user_id = old.user_id AND u.username = $1
RETURNING u.user_id, old.locked_at AS was_locked_at;

-- name: audit
INSERT INTO audit_log (at, actor_user_id, kind, subject_type, subject_id, detail)
VALUES ($1, $2, $3, 'user', $4, $5);
