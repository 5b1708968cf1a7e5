-- Revenue gaps: advisory fees are revenue the firm's rules may count, like net commission;
-- and the revenue ledger refuses TRUNCATE as the audit log does (UPDATE and DELETE were
-- already refused row by row, which a TRUNCATE would skip).
ALTER TABLE conversions DROP CONSTRAINT conversions_kind_check;
ALTER TABLE conversions ADD CONSTRAINT conversions_kind_check CHECK (kind IN (
    'reactivated', 'funds_in', 'advisory_signed', 'product_bought', 'net_commission',
    'advisory_fee'));

CREATE TRIGGER revenue_ledger_no_truncate BEFORE TRUNCATE ON revenue_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Notices about a lead (handed off, assigned) queued in the transaction that made the
-- change, so they exist only once it commits; the service's notice job claims and sends
-- them (inbox = the timeline, signed webhook, e-mail). A claimed notice is never sent twice.
CREATE TABLE lead_notices (
    notice_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id        bigint NOT NULL REFERENCES leads,
    event          text NOT NULL,
    branch_id      bigint REFERENCES branches,
    at             timestamptz NOT NULL,
    recipients     bigint[] NOT NULL DEFAULT '{}',
    detail         jsonb NOT NULL DEFAULT '{}',
    sent_at        timestamptz
);
CREATE INDEX lead_notices_unsent ON lead_notices (notice_id) WHERE sent_at IS NULL;
