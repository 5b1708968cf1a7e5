-- Revenue traceability.
--
-- A conversion records how it was attributed: the attribution window (days) of the rule
-- version in force on its day (NULL rule set: no rules were in force, the default 90 days
-- applied), and a note saying which lead earned it or why none did. A revenue row that
-- posting refuses (e.g. its lead lies outside its rules' attribution window) keeps the
-- reason until it is posted.
ALTER TABLE conversions
    ADD COLUMN attribution_window_days integer CHECK (attribution_window_days >= 1),
    ADD COLUMN attribution_rule_set_id bigint REFERENCES revenue_rule_sets,
    ADD COLUMN attribution_note text,
    ADD COLUMN not_posted_reason text;

-- Each ledger entry records the service coefficient (score from complaints, 0..1; NULL when
-- the payee had none) and the pay multiplier actually applied, so a statement shows x0.8
-- for a rep paid x0.8. NULL multiplier: posted before this migration, not recorded.
-- (Adding columns fires no row trigger: the ledger stays append-only.)
ALTER TABLE revenue_ledger
    ADD COLUMN service_score numeric CHECK (service_score BETWEEN 0 AND 1),
    ADD COLUMN service_multiplier numeric CHECK (service_multiplier BETWEEN 0 AND 2);
