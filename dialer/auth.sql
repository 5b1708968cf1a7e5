-- Sign-in, web sessions and API tokens (dialer.auth).

-- name: user_password
-- $1 username
SELECT user_id, password_hash, locked_at IS NOT NULL AS locked
FROM users WHERE username = $1 AND active;

-- name: insert_session
-- $1 session hash, $2 user, $3 CSRF token, $4 created, $5 expires
INSERT INTO web_sessions (session_hash, user_id, csrf_token, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5);

-- name: delete_session
-- $1 session hash
DELETE FROM web_sessions WHERE session_hash = $1;

-- name: insert_api_token
-- $1 user, $2 token hash, $3 label, $4 now, $5 expires, $6 most live tokens per user:
-- nothing is inserted (no row returned) when the user already has that many; the
-- user's row is locked so that two requests at once cannot both pass the count
WITH owner AS (SELECT user_id FROM users WHERE user_id = $1 FOR UPDATE),
     live AS (SELECT count(*) AS n FROM api_tokens
              WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $4)
INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at)
SELECT owner.user_id, $2, $3, $4, $5 FROM owner, live WHERE live.n < $6
RETURNING token_id;

-- name: user_for_session
-- $1 session hash, $2 now
SELECT u.user_id, u.username, u.display_name, u.role::text AS role, u.branch_id, u.team_id,
       u.language, s.csrf_token
FROM web_sessions s JOIN users u USING (user_id)
WHERE s.session_hash = $1 AND s.expires_at > $2 AND u.active;

-- name: user_for_api_token
-- $1 token hash, $2 now: a live token's user
SELECT u.user_id, u.username, u.display_name, u.role::text AS role, u.branch_id, u.team_id,
       u.language, t.token_id, t.last_used_at
FROM api_tokens t JOIN users u USING (user_id)
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.active;

-- name: token_used
UPDATE api_tokens SET last_used_at = $2 WHERE token_id = $1;

-- name: list_tokens
-- $1 user (NULL: everyone's)
SELECT t.token_id, t.user_id, u.username, t.label, t.created_at, t.expires_at,
       t.last_used_at, t.revoked_at
FROM api_tokens t JOIN users u USING (user_id)
WHERE ($1::bigint IS NULL OR t.user_id = $1)
ORDER BY t.token_id;

-- name: token_owner
SELECT user_id, revoked_at FROM api_tokens WHERE token_id = $1;

-- name: revoke_token
UPDATE api_tokens SET revoked_at = $2 WHERE token_id = $1 AND revoked_at IS NULL;

-- name: audit_token
INSERT INTO audit_log (at, actor_user_id, kind, subject_type, subject_id, detail)
VALUES ($1, $2, 'api_token_revoked', 'api_token', $3, $4);

-- name: user_by_username
-- $1 username
SELECT user_id, active FROM users WHERE username = $1;
