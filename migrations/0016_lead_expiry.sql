-- Lead expiry. The follow-up SLA's last step marks a lead `expired`: closed for its branch
-- (the inbox's expired tab keeps it there, with its timeline) and back in the centre's pool,
-- from which the centre re-routes it. `returned` meant the same and is gone: its rows
-- become `expired`, so the states are the six the inbox shows.
UPDATE leads SET state = 'expired' WHERE state = 'returned';
ALTER TABLE leads DROP CONSTRAINT leads_state_check;
ALTER TABLE leads ADD CONSTRAINT leads_state_check CHECK (state IN (
    'new', 'accepted', 'contacted', 'won', 'lost', 'expired'));

-- A re-routed expired lead points at the lead the centre made of it; until then it is in the
-- pool. Only an expired lead is re-routed, once.
ALTER TABLE leads ADD COLUMN rerouted_to bigint REFERENCES leads;
ALTER TABLE leads ADD CONSTRAINT leads_rerouted_only_when_expired
    CHECK (rerouted_to IS NULL OR state = 'expired');
CREATE UNIQUE INDEX leads_rerouted_once ON leads (rerouted_to) WHERE rerouted_to IS NOT NULL;
CREATE INDEX leads_centre_pool ON leads (closed_at, lead_id)
    WHERE state = 'expired' AND rerouted_to IS NULL;
