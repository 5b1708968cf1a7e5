-- Revenue gaps: advisory fees are revenue the firm's rules may count, like net commission;
-- and the revenue ledger refuses TRUNCATE as the audit log does (UPDATE and DELETE were
-- already refused row by row, which a TRUNCATE would skip).
ALTER TABLE conversions DROP CONSTRAINT conversions_kind_check;
ALTER TABLE conversions ADD CONSTRAINT conversions_kind_check CHECK (kind IN (
    'reactivated', 'funds_in', 'advisory_signed', 'product_bought', 'net_commission',
    'advisory_fee'));

CREATE TRIGGER revenue_ledger_no_truncate BEFORE TRUNCATE ON revenue_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
