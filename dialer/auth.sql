-- Sign-in, web sessions and API tokens (dialer.auth).

-- name: user_password
-- $1 username
SELECT user_id, password_hash FROM users WHERE username = $1 AND active;

-- name: insert_session
-- $1 session hash, $2 user, $3 CSRF token, $4 created, $5 expires
INSERT INTO web_sessions (session_hash, user_id, csrf_token, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5);

-- name: delete_session
-- $1 session hash
DELETE FROM web_sessions WHERE session_hash = $1;

-- name: insert_api_token
-- $1 user, $2 token hash, $3 label
INSERT INTO api_tokens (user_id, token_hash, label) VALUES ($1, $2, $3);

-- name: user_for_session
-- $1 session hash, $2 now
SELECT u.user_id, u.username, u.display_name, u.role::text AS role, u.branch_id, u.team_id,
       u.language, s.csrf_token
FROM web_sessions s JOIN users u USING (user_id)
WHERE s.session_hash = $1 AND s.expires_at > $2 AND u.active;

-- name: user_for_api_token
-- $1 token hash
SELECT u.user_id, u.username, u.display_name, u.role::text AS role, u.branch_id, u.team_id,
       u.language
FROM api_tokens t JOIN users u USING (user_id)
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active;

-- name: user_by_username
-- $1 username
SELECT user_id, active FROM users WHERE username = $1;
