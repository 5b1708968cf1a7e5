-- 0015 telephony gaps: a retired number leaves every campaign's queue, and unconfirmed
-- creates are swept.

-- a number the carrier retires is looked up in every campaign's queue by phone
CREATE INDEX campaign_numbers_phone ON campaign_numbers (phone_id)
    WHERE state IN ('pending', 'leased');

-- the reconcile sweep: attempts written but never confirmed by the provider
CREATE INDEX call_attempts_unconfirmed ON call_attempts (created_at)
    WHERE status = 'created' AND provider_call_id IS NULL;
