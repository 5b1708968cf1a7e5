-- Every list membership is brought by an import of that list. One foreign key to
-- (list, import) checks that the import exists and belongs to the list; it replaces the two
-- separate keys, so loading a list checks each new membership once instead of twice.
ALTER TABLE list_imports ADD CONSTRAINT list_imports_list_import UNIQUE (list_id, import_id);

ALTER TABLE list_memberships ALTER COLUMN import_id SET NOT NULL;

ALTER TABLE list_memberships
    DROP CONSTRAINT list_memberships_list_id_fkey,
    DROP CONSTRAINT list_memberships_import_id_fkey,
    ADD CONSTRAINT list_memberships_import_fkey
        FOREIGN KEY (list_id, import_id) REFERENCES list_imports (list_id, import_id);
