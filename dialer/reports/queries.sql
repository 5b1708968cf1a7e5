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

-- name: funnel_listed
-- accounts queued for the campaigns in scope (the top of the funnel): numbers in
-- campaign_numbers of campaigns that dialled in the period, or of campaign $3
SELECT count(DISTINCT n.account_id) AS listed
FROM campaign_numbers n
WHERE ($3::bigint IS NULL AND EXISTS (
          SELECT 1 FROM call_attempts c WHERE c.campaign_id = n.campaign_id
            AND c.created_at >= $1 AND c.created_at < $2))
   OR n.campaign_id = $3;
