-- Workers and their campaign leases (dialer.runtime.leases). Times are the caller's `now`.

-- name: register_worker
-- $1 worker id, $2 host, $3 pid, $4 now
INSERT INTO workers (worker_id, host, pid, started_at, heartbeat_at)
VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (worker_id) DO UPDATE
SET heartbeat_at = EXCLUDED.heartbeat_at, draining = false, stopped_at = NULL;

-- name: worker_heartbeat
-- $1 worker id, $2 now
UPDATE workers SET heartbeat_at = $2 WHERE worker_id = $1 RETURNING draining;

-- name: worker_draining
-- $1 worker id
UPDATE workers SET draining = true WHERE worker_id = $1;

-- name: worker_stopped
-- $1 worker id, $2 now
UPDATE workers SET stopped_at = $2, draining = true WHERE worker_id = $1;

-- name: claimable_campaigns
-- Campaigns started for dialing that nobody holds: never leased, released, or whose lease
-- ran out.
-- $1 now
SELECT c.campaign_id
FROM campaigns c
LEFT JOIN campaign_leases l USING (campaign_id)
WHERE c.status = 'running' AND c.dialing
  AND (l.campaign_id IS NULL OR l.worker_id IS NULL OR l.expires_at < $1)
ORDER BY c.campaign_id;

-- name: load_of_live_workers
-- How many campaigns each live, undraining worker holds (the least-loaded takes next).
-- $1 now, $2 a worker's heartbeat is live within this many seconds
SELECT w.worker_id, count(l.campaign_id) FILTER (WHERE l.expires_at >= $1) AS held
FROM workers w
LEFT JOIN campaign_leases l ON l.worker_id = w.worker_id
WHERE w.stopped_at IS NULL AND NOT w.draining
  AND w.heartbeat_at >= $1::timestamptz - make_interval(secs => $2)
GROUP BY w.worker_id;

-- name: claim_campaign
-- Take a campaign's lease if nobody holds it (the epoch rises by one), in one statement:
-- two workers racing for it cannot both win. Returns the new epoch and who held it.
-- $1 campaign, $2 worker id, $3 now, $4 lease seconds
WITH previous AS (
    SELECT worker_id, epoch FROM campaign_leases WHERE campaign_id = $1
), taken AS (
    INSERT INTO campaign_leases (campaign_id, worker_id, epoch, acquired_at, renewed_at, expires_at)
    SELECT $1, $2, 1, $3::timestamptz, $3::timestamptz, $3::timestamptz + make_interval(secs => $4)
    FROM campaigns WHERE campaign_id = $1 AND status = 'running' AND dialing
    ON CONFLICT (campaign_id) DO UPDATE
    SET worker_id = EXCLUDED.worker_id, epoch = campaign_leases.epoch + 1,
        acquired_at = EXCLUDED.acquired_at, renewed_at = EXCLUDED.renewed_at,
        expires_at = EXCLUDED.expires_at
    WHERE campaign_leases.worker_id IS NULL OR campaign_leases.expires_at < $3
    RETURNING epoch
), logged AS (
    INSERT INTO campaign_lease_events (campaign_id, worker_id, epoch, event, at, previous_worker_id)
    SELECT $1, $2, taken.epoch, 'acquired', $3, (SELECT worker_id FROM previous)
    FROM taken
)
SELECT taken.epoch, (SELECT worker_id FROM previous) AS previous_worker_id FROM taken;

-- name: renew_lease
-- Extend a lease this worker still holds at this epoch; no row: it was lost. The
-- campaign's desired state comes back with it: anything but 'running' means stop.
-- $1 campaign, $2 worker id, $3 epoch, $4 now, $5 lease seconds
UPDATE campaign_leases l
SET renewed_at = $4::timestamptz, expires_at = $4::timestamptz + make_interval(secs => $5)
FROM campaigns c
WHERE l.campaign_id = $1 AND l.worker_id = $2 AND l.epoch = $3 AND c.campaign_id = l.campaign_id
RETURNING l.epoch, c.status = 'running' AND c.dialing AS wanted;

-- name: release_lease
-- Hand a lease back (pause, drain): the next claim takes it without waiting for expiry.
-- $1 campaign, $2 worker id, $3 epoch, $4 now
WITH released AS (
    UPDATE campaign_leases SET worker_id = NULL, expires_at = $4
    WHERE campaign_id = $1 AND worker_id = $2 AND epoch = $3
    RETURNING campaign_id, epoch
)
INSERT INTO campaign_lease_events (campaign_id, worker_id, epoch, event, at)
SELECT campaign_id, $2, epoch, 'released', $4 FROM released
RETURNING epoch;

-- name: lease_lost
-- $1 campaign, $2 worker id, $3 epoch, $4 now
INSERT INTO campaign_lease_events (campaign_id, worker_id, epoch, event, at)
VALUES ($1, $2, $3, 'lost', $4);

-- name: lease_of
-- $1 campaign
SELECT campaign_id, worker_id, epoch, acquired_at, renewed_at, expires_at
FROM campaign_leases WHERE campaign_id = $1;

-- The carrier account's shared budget (CarrierBudget.take, in one transaction whose first
-- statement locks the provider's bucket: takes by every worker queue one after another).

-- name: ensure_budget
-- $1 provider, $2 burst, $3 now
INSERT INTO carrier_budgets (provider, tokens, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (provider) DO NOTHING;

-- name: lock_budget
-- $1 provider
SELECT tokens, updated_at FROM carrier_budgets WHERE provider = $1 FOR UPDATE;

-- name: budget_usage
-- Calls live through the provider, and the engines' attempts written since $2 (grants
-- made since then that no attempt used yet are still on their way to becoming calls; a
-- rep's preview dial, with no epoch, used no grant).
-- $1 provider, $2 since
SELECT count(*) FILTER (WHERE status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress'))
           AS live,
       count(*) FILTER (WHERE created_at > $2 AND lease_epoch IS NOT NULL) AS written_since
FROM call_attempts
WHERE provider = $1
  AND (status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress') OR created_at > $2);

-- name: grants_since
-- $1 provider, $2 since
SELECT coalesce(sum(granted), 0) FROM carrier_grants WHERE provider = $1 AND granted_at > $2;

-- name: record_grant
-- $1 provider, $2 tokens left, $3 now, $4 granted
WITH bucket AS (
    UPDATE carrier_budgets SET tokens = $2, updated_at = greatest(updated_at, $3)
    WHERE provider = $1
), forgotten AS (
    DELETE FROM carrier_grants WHERE provider = $1 AND granted_at < $3::timestamptz - interval '1 minute'
)
INSERT INTO carrier_grants (provider, granted_at, granted) SELECT $1, $3, $4 WHERE $4 > 0;

-- name: start_dialing
-- A start: the campaign runs and an engine is wanted for it.
-- $1 campaign, $2 now
UPDATE campaigns
SET dialing = true, status = 'running', started_at = coalesce(started_at, $2)
WHERE campaign_id = $1 AND status <> 'finished';

-- name: stop_dialing
-- A pause: no engine is wanted; a running campaign is paused.
-- $1 campaign
UPDATE campaigns
SET dialing = false, status = CASE WHEN status = 'running' THEN 'paused' ELSE status END
WHERE campaign_id = $1;
