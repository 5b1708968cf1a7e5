-- name: campaign_for_engine
SELECT c.campaign_id, c.pacing_mode, c.pacing, c.jurisdiction, c.caller_id, c.ring_seconds,
       c.abandon_message, c.voicemail_policy, c.voicemail_message, c.retry_policy, c.status,
       p.required_registration
FROM campaigns c LEFT JOIN products p USING (product_id)
WHERE c.campaign_id = $1;

-- name: person_answers_since
-- person-answers (reached a rep or abandoned, not a machine, even one detected after the
-- bridge; as figures.sql counts them) answered since $2
SELECT coalesce(answered_at, created_at) AS at, abandoned
FROM call_attempts
WHERE campaign_id = $1 AND answered_at >= $2
  AND (agent_user_id IS NOT NULL OR abandoned) AND coalesce(answered_by, 'human') <> 'machine'
ORDER BY answered_at;

-- name: machine_verdicts_since
-- AMD's machine verdicts on calls answered since $2, when each came (a UK campaign's
-- governor counts an estimate of the persons among them, as abandon_window does)
SELECT coalesce(amd_at, answered_at) AS at
FROM call_attempts
WHERE campaign_id = $1 AND answered_at >= $2 AND answered_by = 'machine'
ORDER BY at;

-- name: pacing_history
-- what the pacer learned online from the campaign's recent calls, for a restarted engine
-- to learn again: the newest $3 dials that stopped ringing since $2 (oldest first), each
-- with its AMD verdict and how long the rep talked, as `on_event` observes them
SELECT * FROM (
    SELECT call_attempt_id, created_at, answered_at, amd_at, ended_at, answered_by,
           ring_seconds, agent_user_id,
           extract(epoch FROM ended_at - coalesce(bridged_at, answered_at))::float8
               AS talked_seconds
    FROM call_attempts
    WHERE campaign_id = $1 AND created_at >= $2 AND ended_at IS NOT NULL
    ORDER BY ended_at DESC, call_attempt_id DESC
    LIMIT $3
) recent
ORDER BY ended_at, call_attempt_id;

-- name: calls_ended_since
-- what the pacer learns from calls whose callbacks another process applied (a worker's
-- engine, the web side answering the carrier): the dials that stopped ringing after $2
-- (by their end), oldest first, as `on_event` observes them
SELECT call_attempt_id, created_at, answered_at, amd_at, ended_at, answered_by,
       ring_seconds, agent_user_id, abandoned,
       extract(epoch FROM ended_at - coalesce(bridged_at, answered_at))::float8
           AS talked_seconds
FROM call_attempts
WHERE campaign_id = $1 AND ended_at > $2
ORDER BY ended_at, call_attempt_id
LIMIT $3;

-- name: rep_states
SELECT state, extract(epoch FROM $2 - state_since)::float8 AS age
FROM agent_sessions
WHERE campaign_id = $1 AND ended_at IS NULL AND state <> 'logged_out';

-- name: calls_in_flight
-- ringing: placed and not answered yet; waiting: answered, not (yet) found a machine, and
-- no rep has taken it (the engine bridges at the answer, so it is a person waiting)
SELECT CASE WHEN answered_at IS NULL THEN 'ringing' ELSE 'waiting' END AS phase,
       extract(epoch FROM $2 - coalesce(answered_at, created_at))::float8 AS age
FROM call_attempts
WHERE campaign_id = $1
  AND status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress')
  AND agent_user_id IS NULL AND NOT abandoned
  AND coalesce(answered_by, 'human') <> 'machine';

-- name: mark_preview_only
UPDATE campaign_numbers
SET state = 'pending', preview_only = true, leased_by = NULL, lease_expires_at = NULL,
    next_attempt_at = 'infinity', reason = $3
WHERE campaign_id = $1 AND phone_id = $2 AND state = 'leased';

-- name: attempt_refused
UPDATE call_attempts
SET status = 'failed', ended_at = $2, end_reason = $3, provider_error_code = $4
WHERE call_attempt_id = $1 AND status = 'created';

-- name: record_placed
UPDATE call_attempts
SET provider_call_id = coalesce(provider_call_id, $2),
    status = CASE WHEN status = 'created' THEN 'queued' ELSE status END,
    queued_at = coalesce(queued_at, $3)
WHERE call_attempt_id = $1;

-- name: attempt_for_routing
-- locked for the answer's routing; `live` is false once the call has ended (a machine
-- verdict hung it up and its end was applied while the answer waited): no rep is then
-- reserved for it, in the same transaction as the reservation would be
SELECT c.call_attempt_id, c.account_id, c.agent_user_id, c.reserved_agent_user_id,
       a.tier::text AS tier, n.callback_owner,
       (c.ended_at IS NULL
        AND c.status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress')) AS live
FROM call_attempts c
JOIN accounts a USING (account_id)
LEFT JOIN campaign_numbers n ON n.campaign_id = c.campaign_id AND n.phone_id = c.phone_id
WHERE c.call_attempt_id = $1 OR ($1::bigint IS NULL AND c.provider_call_id = $2)
FOR UPDATE OF c;

-- name: lock_ranked_ready_rep
-- The routing rule (campaigns/routing.py `rank_reps`) and the lock in one round trip. Only
-- the reps the rule can pick from are ranked: the callback's owner ($3), the $5
-- longest-idle seniors when seniors go first for this call ($4), and the $5 longest-idle
-- of all (a burst of answers does not sort every ready rep of a large floor once per
-- answer). The owner first, then the seniors, then everyone; within each group the
-- longest idle, ties to the lower rep id (compared as the rule compares them, as text).
-- Answers arriving together each lock a different rep (SKIP LOCKED); a rep another answer
-- has just reserved is no longer ready once its lock is released (the row is read again
-- under the lock). The locked session is returned.
WITH ready AS (
    SELECT s.user_id, s.state_since, u.is_senior
    FROM agent_sessions s JOIN users u USING (user_id)
    WHERE s.campaign_id = $1 AND s.ended_at IS NULL AND s.state = 'ready'
      AND ($2::text IS NULL OR $2 = ANY (u.registrations))
), offered AS (
    (SELECT * FROM ready WHERE user_id = $3::bigint)
    UNION
    (SELECT * FROM ready WHERE $4::boolean AND is_senior ORDER BY state_since, user_id LIMIT $5)
    UNION
    (SELECT * FROM ready ORDER BY state_since, user_id LIMIT $5)
)
SELECT s.agent_session_id, s.user_id, s.campaign_id, s.state, s.pause_code, s.state_since,
       s.started_at, s.current_call_attempt_id
FROM agent_sessions s JOIN offered o USING (user_id)
WHERE s.campaign_id = $1 AND s.ended_at IS NULL AND s.state = 'ready'
ORDER BY CASE WHEN o.user_id = $3::bigint THEN 0 WHEN $4::boolean AND o.is_senior THEN 1
              ELSE 2 END,
         o.state_since, o.user_id::text
LIMIT 1
FOR UPDATE OF s SKIP LOCKED;

-- name: attempt_abandoned
-- the answer found no rep: recorded in the answer webhook's own round trip, before the
-- firm's message is returned (a repeated answer of a bridged call is left as it is)
UPDATE call_attempts
SET abandoned = true, provider_call_id = coalesce(provider_call_id, $2)
WHERE (call_attempt_id = $1 OR ($1::bigint IS NULL AND provider_call_id = $2))
  AND agent_user_id IS NULL;

-- name: ended_attempt
SELECT call_attempt_id, status, agent_user_id, reserved_agent_user_id, abandoned,
       answered_by, created_at, answered_at,
       ring_seconds, end_reason, provider_error_code, sip_code,
       -- measured on our clock (a provider's duration may be rounded or simulated)
       extract(epoch FROM ended_at - coalesce(bridged_at, answered_at))::float8 AS talked_seconds
FROM call_attempts WHERE provider_call_id = $1;

-- name: ended_attempt_by_id
-- as ended_attempt, for the live sweep's attempts whose number was never settled
SELECT call_attempt_id, status, agent_user_id, reserved_agent_user_id, abandoned,
       answered_by, created_at, answered_at,
       ring_seconds, end_reason, provider_error_code, sip_code,
       extract(epoch FROM ended_at - coalesce(bridged_at, answered_at))::float8 AS talked_seconds
FROM call_attempts WHERE call_attempt_id = $1;

-- name: attempt_history
-- when the number and the person were dialed before (this attempt included)
SELECT array(SELECT created_at FROM call_attempts WHERE e164 = c.e164 ORDER BY created_at)
           AS number_attempts,
       array(SELECT created_at FROM call_attempts WHERE account_id = c.account_id ORDER BY created_at)
           AS account_attempts
FROM call_attempts c WHERE c.call_attempt_id = $1;

-- name: settle_number
-- A callback scheduled and not dialled yet (callback_due_at still set: recorded on this
-- call before it ended, or earlier) keeps the number queued for its time, whatever this
-- attempt's outcome (a later retry time, an abandon lock, wins), unless the number is
-- retired; otherwise the callback leaves the number with the attempt. Read from the row
-- itself, so a disposition committed while this waits for the row is seen. The attempt
-- takes its outcome in the same statement (an outcome of 'abandoned', even one inferred
-- by outcome_of, is counted as abandoned).
WITH settled_number AS (
    UPDATE campaign_numbers
    SET state = CASE WHEN callback_due_at IS NOT NULL AND $3 <> 'retired' THEN 'pending'
                     ELSE $3 END,
        next_attempt_at = CASE WHEN callback_due_at IS NOT NULL AND $3 <> 'retired'
                               THEN greatest(callback_due_at, coalesce($4, callback_due_at))
                               ELSE coalesce($4, next_attempt_at) END,
        last_outcome = $5,
        reason = CASE WHEN callback_due_at IS NOT NULL AND $3 <> 'retired' THEN 'callback'
                      ELSE $6 END,
        call_attempt_id = NULL,
        callback_due_at = CASE WHEN $3 <> 'retired' THEN callback_due_at END,
        callback_owner = CASE WHEN callback_due_at IS NOT NULL AND $3 <> 'retired'
                              THEN callback_owner END,
        callback_id = CASE WHEN callback_due_at IS NOT NULL AND $3 <> 'retired'
                           THEN callback_id END
    WHERE call_attempt_id = $1 AND campaign_id = $2 AND state = 'dialing'
)
UPDATE call_attempts SET outcome = $5, abandoned = abandoned OR $5 = 'abandoned'
WHERE call_attempt_id = $1;

-- name: ended_calls
-- ended_attempt and attempt_history of a batch of ended calls (the settle of a batch of
-- callbacks, `Settling`), in one round trip
SELECT c.provider_call_id, c.call_attempt_id, c.status, c.agent_user_id,
       c.reserved_agent_user_id, c.abandoned, c.answered_by, c.created_at, c.answered_at,
       c.ring_seconds, c.end_reason, c.provider_error_code, c.sip_code,
       extract(epoch FROM c.ended_at - coalesce(c.bridged_at, c.answered_at))::float8
           AS talked_seconds,
       array(SELECT created_at FROM call_attempts WHERE e164 = c.e164 ORDER BY created_at)
           AS number_attempts,
       array(SELECT created_at FROM call_attempts WHERE account_id = c.account_id ORDER BY created_at)
           AS account_attempts
FROM call_attempts c WHERE c.provider_call_id = ANY($1::text[]);

-- name: settle_numbers
-- settle_number for a batch of attempts ($2..$6 are its columns, one row per attempt), in
-- one statement: the same CASEs, row by row
WITH s AS (
    SELECT * FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::text[], $6::text[])
        AS s(call_attempt_id, state, retry_at, outcome, reason)
), settled_number AS (
    UPDATE campaign_numbers AS n
    SET state = CASE WHEN n.callback_due_at IS NOT NULL AND s.state <> 'retired' THEN 'pending'
                     ELSE s.state END,
        next_attempt_at = CASE WHEN n.callback_due_at IS NOT NULL AND s.state <> 'retired'
                               THEN greatest(n.callback_due_at, coalesce(s.retry_at, n.callback_due_at))
                               ELSE coalesce(s.retry_at, n.next_attempt_at) END,
        last_outcome = s.outcome,
        reason = CASE WHEN n.callback_due_at IS NOT NULL AND s.state <> 'retired' THEN 'callback'
                      ELSE s.reason END,
        call_attempt_id = NULL,
        callback_due_at = CASE WHEN s.state <> 'retired' THEN n.callback_due_at END,
        callback_owner = CASE WHEN n.callback_due_at IS NOT NULL AND s.state <> 'retired'
                              THEN n.callback_owner END,
        callback_id = CASE WHEN n.callback_due_at IS NOT NULL AND s.state <> 'retired'
                           THEN n.callback_id END
    FROM s
    WHERE n.call_attempt_id = s.call_attempt_id AND n.campaign_id = $1 AND n.state = 'dialing'
)
UPDATE call_attempts AS c
SET outcome = s.outcome, abandoned = c.abandoned OR s.outcome = 'abandoned'
FROM s WHERE c.call_attempt_id = s.call_attempt_id;

-- name: rep_still_on_call
SELECT 1 FROM agent_sessions
WHERE user_id = $1 AND ended_at IS NULL AND current_call_attempt_id = $2
  AND state IN ('reserved', 'on_call')
FOR UPDATE;

-- name: wrap_ups_finished
-- wrap-ups of the campaign's reps that ended in ($2, $3], with how long each took
SELECT extract(epoch FROM c.at - w.at)::float8 AS seconds
FROM agent_state_changes c
JOIN agent_sessions s USING (agent_session_id)
JOIN LATERAL (
    SELECT p.at FROM agent_state_changes p
    WHERE p.agent_session_id = c.agent_session_id AND p.to_state = 'wrap_up' AND p.at <= c.at
    ORDER BY p.at DESC, p.change_id DESC LIMIT 1
) w ON true
WHERE s.campaign_id = $1 AND c.from_state = 'wrap_up' AND c.at > $2 AND c.at <= $3;

-- name: pause_campaign
UPDATE campaigns SET status = 'paused' WHERE campaign_id = $1 AND status = 'running';

-- name: abandon_window
-- the campaign's abandon rate as the regulator counts it, since each of the instants $2
-- (one row each, one round trip: person-answers as figures.sql and person_answers_since
-- count them), and AMD's machine verdicts (a UK campaign adds its estimate of the persons
-- among them to both counts)
SELECT w.since,
       count(*) FILTER (WHERE (c.agent_user_id IS NOT NULL OR c.abandoned)
                        AND coalesce(c.answered_by, 'human') <> 'machine') AS persons,
       count(*) FILTER (WHERE c.abandoned AND coalesce(c.answered_by, 'human') <> 'machine')
           AS abandoned,
       count(*) FILTER (WHERE c.answered_by = 'machine') AS machine_verdicts
FROM unnest($2::timestamptz[]) AS w(since)
LEFT JOIN call_attempts c ON c.campaign_id = $1 AND c.created_at >= w.since
GROUP BY w.since;

-- name: retire_phone
-- The carrier says the number itself is bad (invalid, not permitted, blocked, does not
-- exist): every account's phone with that number is retired, not just this campaign's
-- queue entry, and other campaigns' queued entries for it leave their queues too, with
-- any callback still scheduled on it (blocked, with the reason).
-- $1 attempt, $2 now, $3 reason, $4 the number is invalid (not merely not permitted)
WITH retired AS (
    UPDATE account_phones p
    SET retired_at = coalesce(p.retired_at, $2),
        retired_reason = coalesce(p.retired_reason, $3),
        is_valid = p.is_valid AND NOT $4
    FROM call_attempts c
    WHERE c.call_attempt_id = $1 AND p.e164 = c.e164
    RETURNING p.phone_id
),
queued AS (
    UPDATE campaign_numbers n
    SET state = 'retired', reason = $3, leased_by = NULL, lease_expires_at = NULL
    FROM retired
    WHERE n.phone_id = retired.phone_id AND n.state IN ('pending', 'leased')
)
UPDATE callbacks cb
SET status = 'blocked', reason = $3
FROM campaign_numbers n JOIN retired USING (phone_id)
WHERE cb.callback_id = n.callback_id AND cb.status = 'scheduled';

-- name: unconfirmed_attempts
-- attempts written, never confirmed by the provider, and older than the sweep's window
-- (the partial index call_attempts_unconfirmed, migration 0015)
SELECT call_attempt_id, e164, created_at
FROM call_attempts
WHERE campaign_id = $1 AND status = 'created' AND provider_call_id IS NULL AND created_at < $2
ORDER BY created_at
LIMIT $3;

-- name: overdue_live_attempts
-- placed calls never reported ended: unanswered and dialled before $2 (past the ring
-- time), or dialled before $3 (past the talk ceiling); the live sweep asks the provider
-- that placed each about it
-- (past the talk ceiling), or answered with no news since $5 (no callback, and not looked
-- up since then: a lost `completed` is found within a minute, not two hours)
SELECT call_attempt_id, provider, provider_call_id, created_at
FROM call_attempts
WHERE campaign_id = $1 AND provider_call_id IS NOT NULL
  AND status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress')
  AND ((answered_at IS NULL AND created_at < $2) OR created_at < $3
       OR (answered_at IS NOT NULL
           AND greatest(answered_at, amd_at, bridged_at, carrier_checked_at) < $5))
ORDER BY coalesce(carrier_checked_at, created_at)
LIMIT $4;

-- name: carrier_checked
-- the live sweep looked these calls up at $2 (the next look waits for the silence again)
UPDATE call_attempts SET carrier_checked_at = $2 WHERE call_attempt_id = ANY($1::bigint[]);

-- name: reps_left_on_ended_calls
-- reps still reserved for or on a call of the campaign that ended before $2 (its end was
-- applied but the rep was not freed: a lost settle, a crash between the two)
SELECT c.call_attempt_id
FROM agent_sessions s
JOIN call_attempts c ON c.call_attempt_id = s.current_call_attempt_id
WHERE c.campaign_id = $1 AND s.ended_at IS NULL AND s.state IN ('reserved', 'on_call')
  AND c.ended_at < $2
ORDER BY c.ended_at
LIMIT $3;

-- name: ended_attempts_left_dialing
-- attempts that ended before $2 while their number still says `dialing` (the settle after
-- the end was lost): the live sweep settles them
SELECT n.call_attempt_id
FROM campaign_numbers n JOIN call_attempts c ON c.call_attempt_id = n.call_attempt_id
WHERE n.campaign_id = $1 AND n.state = 'dialing'
  AND c.status NOT IN ('created', 'queued', 'initiated', 'ringing', 'in_progress')
  AND c.ended_at < $2
ORDER BY c.ended_at
LIMIT $3;

-- name: campaign_of_call
-- which campaign's engine answers a webhook for this attempt (by id, else by call id)
SELECT campaign_id FROM call_attempts
WHERE call_attempt_id = $1 OR ($1::bigint IS NULL AND provider_call_id = $2);
