-- 0017 callbacks are dialled. A callback a rep schedules puts its number back in the
-- campaign's queue (campaign_numbers.callback_id, due at the callback's time, owned by the
-- rep); the attempt that dials it is recorded on the callback, which leaves `scheduled`:
-- `dialled` (with its attempt), `blocked` (the compliance gate refused the number, or the
-- number was retired; `reason` says why) or `canceled` (a newer callback for the number).
ALTER TABLE callbacks DROP CONSTRAINT callbacks_status_check;
ALTER TABLE callbacks ADD CONSTRAINT callbacks_status_check CHECK (status IN (
    'scheduled', 'dialled', 'blocked', 'done', 'canceled', 'missed'));
ALTER TABLE callbacks ADD COLUMN call_attempt_id bigint REFERENCES call_attempts;
ALTER TABLE callbacks ADD COLUMN reason text;
ALTER TABLE callbacks ADD CONSTRAINT callbacks_dialled_by_an_attempt
    CHECK (status <> 'dialled' OR call_attempt_id IS NOT NULL);
CREATE UNIQUE INDEX callbacks_one_per_attempt ON callbacks (call_attempt_id)
    WHERE call_attempt_id IS NOT NULL;
-- my day: a rep's callbacks still to be dialled
CREATE INDEX callbacks_due_by_owner ON callbacks (owner_user_id, due_at)
    WHERE status = 'scheduled';

ALTER TABLE campaign_numbers ADD COLUMN callback_id bigint REFERENCES callbacks;

-- Callbacks scheduled before this migration were never queued: queue the newest one of each
-- number (an older one for the same number is superseded), as a disposition now does.
WITH scheduled AS (
    SELECT cb.callback_id, cb.campaign_id, c.account_id, c.e164, cb.due_at, cb.owner_user_id,
           row_number() OVER (PARTITION BY cb.campaign_id, c.account_id, c.e164
                              ORDER BY cb.created_at DESC, cb.callback_id DESC) AS newest
    FROM callbacks cb
    JOIN dispositions d USING (disposition_id)
    JOIN call_attempts c ON c.call_attempt_id = d.call_attempt_id
    WHERE cb.status = 'scheduled'
),
superseded AS (
    UPDATE callbacks cb SET status = 'canceled', reason = 'superseded by a newer callback'
    FROM scheduled s WHERE cb.callback_id = s.callback_id AND s.newest > 1
)
UPDATE campaign_numbers n
SET callback_id = s.callback_id, callback_due_at = s.due_at, callback_owner = s.owner_user_id,
    state = CASE WHEN n.state = 'done' THEN 'pending' ELSE n.state END,
    next_attempt_at = CASE WHEN n.state IN ('pending', 'done') THEN s.due_at
                           ELSE n.next_attempt_at END
FROM scheduled s
WHERE s.newest = 1 AND n.campaign_id = s.campaign_id AND n.account_id = s.account_id
  AND n.e164 = s.e164 AND n.state IN ('pending', 'done', 'leased', 'dialing');
