-- Named queries of customer data by need: why a rep may see a customer now, and the
-- access log (who saw whose data, when, why).

-- name: rep_need
-- why the rep may see this customer now, the first that holds: their call (live, or
-- the call their session is working, through wrap-up), their preview (offered, not yet decided on),
-- their callback (scheduled for them, or for any rep of the campaign they work), their
-- open lead; NULL when none holds
SELECT CASE
  WHEN EXISTS (SELECT 1 FROM call_attempts c
               WHERE c.account_id = $2 AND c.agent_user_id = $1
                 AND (c.status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress')
                      OR EXISTS (SELECT 1 FROM agent_sessions s
                                 WHERE s.user_id = $1 AND s.ended_at IS NULL
                                   AND s.current_call_attempt_id = c.call_attempt_id)))
    THEN 'call'
  WHEN EXISTS (SELECT 1 FROM preview_offers o
               WHERE o.account_id = $2 AND o.user_id = $1
                 AND NOT EXISTS (SELECT 1 FROM preview_decisions p
                                 WHERE p.campaign_id = o.campaign_id
                                   AND p.account_id = o.account_id))
    THEN 'preview'
  WHEN EXISTS (SELECT 1 FROM callbacks cb
               WHERE cb.account_id = $2 AND cb.status = 'scheduled'
                 AND (cb.owner_user_id = $1
                      OR (cb.owner_user_id IS NULL AND cb.campaign_id IN (
                            SELECT s.campaign_id FROM agent_sessions s
                            WHERE s.user_id = $1 AND s.ended_at IS NULL))))
    THEN 'callback'
  WHEN EXISTS (SELECT 1 FROM leads l
               WHERE l.account_id = $2 AND l.rep_user_id = $1
                 AND l.state IN ('new', 'accepted', 'contacted'))
    THEN 'lead'
END;

-- name: record_access
INSERT INTO customer_access_log (at, user_id, role, account_id, route, reason)
SELECT $1, $2, $3, account_id, $5, $6 FROM unnest($4::bigint[]) AS account_id;

-- name: access_report
SELECT g.access_id, g.at, g.user_id, u.username, u.display_name, g.role, g.account_id,
       g.route, g.reason
FROM customer_access_log g
JOIN users u USING (user_id)
WHERE ($1::bigint IS NULL OR g.account_id = $1)
  AND ($2::bigint IS NULL OR g.user_id = $2)
  AND ($3::timestamptz IS NULL OR g.at >= $3)
  AND ($4::timestamptz IS NULL OR g.at < $4)
  AND g.access_id > $5
ORDER BY g.access_id
LIMIT $6;
