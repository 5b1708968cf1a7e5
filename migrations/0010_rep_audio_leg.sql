-- 0010: a rep on the phone leg has a call from the service to their own phone, kept in
-- their conference room while they are logged in; the session remembers its sid so that
-- logging out hangs it up (and logging in again does not ring the phone twice).
ALTER TABLE agent_sessions ADD COLUMN audio_call_id text;
