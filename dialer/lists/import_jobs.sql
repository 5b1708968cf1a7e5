-- List import jobs (dialer.lists.import_jobs).

-- name: insert_job
-- $1 job id, $2 file name, $3 list name, $4 user, $5 now
INSERT INTO import_jobs (job_id, file_name, list_name, created_by, created_at, heartbeat_at)
VALUES ($1, $2, $3, $4, $5, $5);

-- name: job_running
-- $1 job id, $2 now, $3 the import process's pid
UPDATE import_jobs SET status = 'running', heartbeat_at = $2, pid = $3 WHERE job_id = $1;

-- name: job_progress
-- $1 job id, $2 rows read, $3 now
UPDATE import_jobs SET rows_read = greatest(rows_read, $2), heartbeat_at = $3
WHERE job_id = $1 AND status = 'running';

-- name: job_alive
-- The web process that started the job still waits for it (a queued job included).
-- $1 job id, $2 now
UPDATE import_jobs SET heartbeat_at = greatest(heartbeat_at, $2)
WHERE job_id = $1 AND status IN ('queued', 'running');

-- name: job_finished
-- $1 job id, $2 status, $3 result, $4 error, $5 now
UPDATE import_jobs
SET status = $2, result = $3::jsonb, error = $4, finished_at = $5, heartbeat_at = $5
WHERE job_id = $1 AND status IN ('queued', 'running');

-- name: job
-- $1 job id
SELECT job_id, file_name, list_name, status, rows_read, result, error, heartbeat_at,
       finished_at, pid
FROM import_jobs WHERE job_id = $1;
