-- Saved column mappings. A branch's export has the same odd headers every week: the campaign
-- manager saves its mapping (header -> field) once under a name and picks it on each load;
-- a mapping given with the load itself still wins, entry by entry.
CREATE TABLE list_mapping_presets (
    name        text PRIMARY KEY CHECK (length(btrim(name)) > 0),
    mapping     jsonb NOT NULL CHECK (jsonb_typeof(mapping) = 'object'),
    updated_by  bigint REFERENCES users,
    updated_at  timestamptz NOT NULL
);
