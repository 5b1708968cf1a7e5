-- Call recordings: the policy at the bridge, recording-status callbacks, playback, retention.
-- Parameters are always $1…

-- name: policy_of_attempt
SELECT c.recording_policy, c.recording_channels, c.jurisdiction, c.purpose,
       EXISTS (SELECT 1 FROM recording_opt_outs o WHERE o.account_id = a.account_id)
           AS customer_refused
FROM call_attempts a JOIN campaigns c USING (campaign_id)
WHERE a.call_attempt_id = $1;

-- name: recording_opt_out
INSERT INTO recording_opt_outs (account_id, opted_out_at, recorded_by, note)
VALUES ($1, $2, $3, $4)
ON CONFLICT (account_id) DO NOTHING
RETURNING account_id;

-- name: account_audit
INSERT INTO audit_log (at, actor_user_id, kind, subject_type, subject_id, detail)
VALUES ($1, $2, $3, 'account', $4, $5);

-- name: recording_started
-- $1 attempt, $2 provider, $3 recording id, $4 call id, $5 started at, $6 channels
INSERT INTO call_recordings (call_attempt_id, provider, provider_recording_id,
                             provider_call_id, started_at, channels, jurisdiction, purpose)
SELECT a.call_attempt_id, $2, $3, $4, $5, $6, c.jurisdiction, c.purpose
FROM call_attempts a JOIN campaigns c USING (campaign_id)
WHERE a.call_attempt_id = $1
ON CONFLICT (provider, provider_recording_id) DO NOTHING;

-- name: seen_recording_callbacks
SELECT count(*) FROM recording_callbacks WHERE dedupe_key = ANY($1::text[]);

-- name: insert_recording_callback
INSERT INTO recording_callbacks (dedupe_key, provider, provider_recording_id,
                                 recording_status, received_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING dedupe_key;

-- name: attempt_of_call
SELECT call_attempt_id FROM call_attempts WHERE provider = $1 AND provider_call_id = $2;

-- name: recording_finished
-- The callback may come before the start was written (a lost create answer): upserted.
-- $1 attempt, $2 provider, $3 recording id, $4 call id, $5 started at, $6 status,
-- $7 channels, $8 duration, $9 completed at, $10 media type, $11 media, $12 retain until
INSERT INTO call_recordings AS r (
    call_attempt_id, provider, provider_recording_id, provider_call_id, started_at, status,
    channels, duration_seconds, completed_at, media_type, media, media_bytes,
    jurisdiction, purpose, retain_until)
SELECT a.call_attempt_id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::bytea,
       length($11::bytea), c.jurisdiction, c.purpose, $12
FROM call_attempts a JOIN campaigns c USING (campaign_id)
WHERE a.call_attempt_id = $1
ON CONFLICT (provider, provider_recording_id) DO UPDATE
SET status = EXCLUDED.status, channels = EXCLUDED.channels,
    duration_seconds = EXCLUDED.duration_seconds, completed_at = EXCLUDED.completed_at,
    media_type = EXCLUDED.media_type, media = EXCLUDED.media,
    media_bytes = EXCLUDED.media_bytes, retain_until = EXCLUDED.retain_until
WHERE r.deleted_at IS NULL
RETURNING recording_id;

-- name: recording_facts
-- A recording and who it belongs to (the rep of the call, the rep's team).
SELECT r.recording_id, r.call_attempt_id, r.provider, r.provider_recording_id,
       r.provider_call_id, r.status, r.channels, r.duration_seconds, r.started_at,
       r.completed_at, r.media_type, r.media_bytes, r.jurisdiction, r.purpose,
       r.retain_until, r.deleted_at, a.agent_user_id AS rep_user_id, u.team_id AS rep_team_id,
       a.campaign_id, a.account_id
FROM call_recordings r
JOIN call_attempts a USING (call_attempt_id)
LEFT JOIN users u ON u.user_id = a.agent_user_id
WHERE r.recording_id = $1;

-- name: recordings_of_attempt
SELECT r.recording_id
FROM call_recordings r WHERE r.call_attempt_id = $1 ORDER BY r.recording_id;

-- name: media_slice
-- bytes [$2, $2 + $3) of the audio (substring counts from 1)
SELECT substring(media FROM $2 + 1 FOR $3) FROM call_recordings
WHERE recording_id = $1 AND media IS NOT NULL;

-- name: audit
INSERT INTO audit_log (at, actor_user_id, kind, subject_type, subject_id, detail)
VALUES ($1, $2, $3, 'call_recording', $4, $5);

-- name: expired_recordings
SELECT recording_id, provider, provider_recording_id
FROM call_recordings
WHERE deleted_at IS NULL AND retain_until IS NOT NULL AND retain_until <= $1
ORDER BY retain_until, recording_id
LIMIT $2;

-- name: delete_media
UPDATE call_recordings SET media = NULL, status = 'deleted', deleted_at = $2
WHERE recording_id = $1 AND deleted_at IS NULL
RETURNING recording_id;

-- name: record_deletion
INSERT INTO recording_deletions (recording_id, reason, carrier_deleted, carrier_detail,
                                 deleted_at)
VALUES ($1, $2, $3, $4, $5);
