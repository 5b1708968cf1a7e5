-- 0006 compliance: what a do-not-call import found, and the lookups the pre-dial gate makes.

-- every DNC file import is a snapshot row; it now also says what the file held and what
-- the import changed, so "which list screened this call?" has a complete answer
ALTER TABLE dnc_snapshots
    ADD COLUMN lines_total     integer NOT NULL DEFAULT 0 CHECK (lines_total >= 0),
    ADD COLUMN rows_rejected   integer NOT NULL DEFAULT 0 CHECK (rows_rejected >= 0),
    ADD COLUMN reject_reasons  jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN entries_added   integer NOT NULL DEFAULT 0 CHECK (entries_added >= 0),
    ADD COLUMN entries_expired integer NOT NULL DEFAULT 0 CHECK (entries_expired >= 0),
    ADD COLUMN replaces_register boolean NOT NULL DEFAULT false,
    ADD COLUMN default_region  text;

-- the gate reads the latest snapshot of each list before every batch of dials
CREATE INDEX dnc_snapshots_latest ON dnc_snapshots (source, snapshot_date DESC, snapshot_id DESC);

-- a later register snapshot expires the entries it no longer lists
CREATE INDEX dnc_entries_live_by_source ON dnc_entries (source, snapshot_id)
    WHERE expires_at IS NULL;

-- "why was this customer not called?": one account's compliance decisions, newest first
CREATE INDEX audit_log_compliance_by_account ON audit_log (subject_id, at DESC, audit_id DESC)
    WHERE kind = 'compliance_decision' AND subject_type = 'account';
