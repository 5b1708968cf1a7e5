-- 0003 lists: what list loading records beyond the foundation.

-- why a row was rejected, in words (the reason code stays machine-readable)
ALTER TABLE import_rejects ADD COLUMN detail text NOT NULL DEFAULT '';

-- a number found on a do-not-call list when the list was loaded (the compliance gate checks
-- again at dial time; this is for the campaign manager's eyes)
ALTER TABLE account_phones ADD COLUMN dnc_source text;

-- a re-import of a file already loaded is refused unless forced; forced ones are marked
ALTER TABLE list_imports ADD COLUMN forced boolean NOT NULL DEFAULT false;
ALTER TABLE list_imports ADD COLUMN options jsonb NOT NULL DEFAULT '{}';
