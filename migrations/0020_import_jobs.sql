-- List imports run as jobs recorded here, not in one web process's memory: the upload's
-- progress and result can be read from any web process, and a job whose process died is
-- seen as interrupted (its heartbeat stops; the import's own transaction rolled back).
CREATE TABLE import_jobs (
    job_id        text PRIMARY KEY,
    kind          text NOT NULL DEFAULT 'list' CHECK (kind IN ('list')),
    file_name     text NOT NULL,
    list_name     text NOT NULL,
    status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'done', 'skipped', 'failed')),
    rows_read     bigint NOT NULL DEFAULT 0,
    result        jsonb NOT NULL DEFAULT '{}'::jsonb,
    error         text,
    -- the process the import runs in (a child of the web process that took the upload)
    pid           integer,
    created_by    bigint REFERENCES users,
    created_at    timestamptz NOT NULL,
    heartbeat_at  timestamptz NOT NULL,
    finished_at   timestamptz
);
CREATE INDEX import_jobs_created ON import_jobs (created_at);
