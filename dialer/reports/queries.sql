-- name: tallies
-- the counts behind every figure (migrations/0026 figure_tallies, docs/figures.md)
SELECT * FROM figure_tallies($1, $2, $3, $4, $5, $6) ORDER BY bucket, key;

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
