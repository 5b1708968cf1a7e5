-- Learned propensity models (scoring.model) and the learned hopper order.
-- A model is fitted per campaign and firm-wide (scope 'firm'); a new campaign starts from
-- the firm-wide one. Each retrain run has a key (scope and time slot): the unique key keeps
-- a run single across processes (a second process inserting the same run does nothing).
CREATE TABLE scoring_models (
    scoring_model_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope          text NOT NULL CHECK (scope = 'firm' OR scope ~ '^campaign:[0-9]+$'),
    campaign_id    bigint REFERENCES campaigns,
    version        integer NOT NULL CHECK (version > 0),
    run_key        text NOT NULL UNIQUE,
    trained_at     timestamptz NOT NULL,
    trained_rows   integer NOT NULL CHECK (trained_rows >= 0),
    model          jsonb NOT NULL,
    UNIQUE (scope, version),
    CHECK ((scope = 'firm') = (campaign_id IS NULL))
);
CREATE INDEX scoring_models_latest ON scoring_models (scope, version DESC);

-- the learned order's place of a pending number (NULL: not ranked yet, after the ranked)
ALTER TABLE campaign_numbers ADD COLUMN scored_rank integer;
ALTER TABLE campaign_numbers ADD COLUMN scored_at timestamptz;
-- which order the campaign dials in: the learned score (default) or the tier rule
ALTER TABLE campaigns ADD COLUMN dialing_priority text NOT NULL DEFAULT 'learned'
    CHECK (dialing_priority IN ('tier', 'learned'));
