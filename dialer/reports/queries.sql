-- name: tallies
-- the counts behind every figure (migrations/0026 figure_tallies, docs/figures.md)
SELECT * FROM figure_tallies($1, $2, $3, $4, $5, $6) ORDER BY bucket, key;

-- name: quality_tallies
-- The QA and SMS survey counts (docs/figures.md) of [$1, $2) per bucket ($4) in zone $5
-- and per key of dimension $3 (rep, team, sub_team; no other dimension has them): a QA
-- review counts when it is standing (scored or acknowledged; a disputed one's re-score
-- stands in for it) in the bucket of its scored_at, a survey when answered with a rating
-- in the bucket of its answered_at; both for the rep whose call it was.
WITH events AS (
    SELECT q.rep_user_id, q.scored_at AS at, 1 AS qa_reviews,
           round(q.score * 10000)::bigint AS qa_score_points, 0 AS sms_ratings,
           0 AS sms_rating_sum
    FROM qa_reviews q
    WHERE q.status IN ('scored', 'acknowledged') AND q.score IS NOT NULL
      AND q.scored_at >= $1 AND q.scored_at < $2
    UNION ALL
    SELECT s.rep_user_id, s.answered_at, 0, 0, 1, s.rating
    FROM sms_surveys s
    WHERE s.status = 'answered' AND s.rating IS NOT NULL AND s.rep_user_id IS NOT NULL
      AND s.answered_at >= $1 AND s.answered_at < $2
)
SELECT date_trunc($4, e.at AT TIME ZONE $5)::date AS bucket,
       CASE $3 WHEN 'rep' THEN u.user_id::text WHEN 'team' THEN u.team_id::text
               ELSE u.sub_team_id::text END AS key,
       sum(e.qa_reviews)::bigint AS qa_reviews, sum(e.qa_score_points)::bigint AS qa_score_points,
       sum(e.sms_ratings)::bigint AS sms_ratings, sum(e.sms_rating_sum)::bigint AS sms_rating_sum
FROM events e JOIN users u ON u.user_id = e.rep_user_id
WHERE $3 IN ('rep', 'team', 'sub_team')
GROUP BY 1, 2;

-- name: key_names
-- display names of the keys a report may group by
SELECT 'rep' AS dimension, user_id::text AS key, display_name AS name FROM users
UNION ALL SELECT 'team', team_id::text, name FROM teams
UNION ALL SELECT 'sub_team', sub_team_id::text, name FROM sub_teams
UNION ALL SELECT 'campaign', campaign_id::text, name FROM campaigns
UNION ALL SELECT 'list', list_id::text, name FROM lists
UNION ALL SELECT 'branch', branch_id::text, name FROM branches;

-- name: funnel_accounts
-- the funnel's accounts: those queued for the campaigns that dialled in the period (the
-- list), those dialled, and those contacted in the period
WITH dialled AS (
    SELECT DISTINCT c.account_id, c.campaign_id FROM call_attempts c
    WHERE c.created_at >= $1 AND c.created_at < $2 AND c.status <> 'blocked'
)
SELECT (SELECT count(DISTINCT n.account_id) FROM campaign_numbers n
        WHERE n.campaign_id IN (SELECT campaign_id FROM dialled)) AS listed,
       (SELECT count(DISTINCT account_id) FROM dialled) AS dialled,
       (SELECT count(DISTINCT d.account_id) FROM dispositions d
        JOIN disposition_codes dc ON dc.campaign_id = d.campaign_id AND dc.code = d.code
        WHERE dc.contact AND d.recorded_at >= $1 AND d.recorded_at < $2) AS contacted;

-- name: team_keys
-- the keys a team leader may see: their team's reps, sub-teams, or the team itself
SELECT user_id::text AS key FROM users WHERE team_id = $1 AND $2 = 'rep'
UNION ALL SELECT sub_team_id::text FROM sub_teams WHERE team_id = $1 AND $2 = 'sub_team'
UNION ALL SELECT $1::text WHERE $2 = 'team';
