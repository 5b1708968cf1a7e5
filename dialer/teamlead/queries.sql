-- name: floor_board
-- The whole floor in one query, for the wallboard: every active rep, their open session
-- (state, time in it, its limit), the call they are on, their team's targets and today's
-- tallies (figure_tallies, the same counts as the reports). $1/$2 the day, $3 now, $4 zone.
SELECT u.user_id, u.display_name, u.team_id, t.name AS team_name, u.sub_team_id,
       st.name AS sub_team_name, s.state, s.pause_code, s.state_since, s.campaign_id,
       k.name AS campaign_name,
       CASE s.state WHEN 'wrap_up' THEN k.wrap_up_max_seconds
                    WHEN 'paused' THEN pl.limit_seconds END AS limit_seconds,
       s.current_call_attempt_id AS call_attempt_id, c.bridged_at AS call_bridged_at,
       (SELECT jsonb_object_agg(tt.figure, tt.target) FROM team_targets tt
        WHERE tt.team_id = u.team_id) AS targets,
       f.dials, f.talked, f.talk_seconds, f.contacts, f.warm_leads, f.first_contacts,
       f.first_contact_resolved, f.person_answers, f.abandoned, f.logged_in_seconds,
       f.working_seconds, f.leads_won, f.revenue_cents, f.break_overruns
FROM users u
JOIN teams t ON t.team_id = u.team_id
LEFT JOIN sub_teams st ON st.sub_team_id = u.sub_team_id
LEFT JOIN agent_sessions s ON s.user_id = u.user_id AND s.ended_at IS NULL
LEFT JOIN campaigns k ON k.campaign_id = s.campaign_id
LEFT JOIN pause_limits pl ON pl.pause_code = s.pause_code
LEFT JOIN call_attempts c ON c.call_attempt_id = s.current_call_attempt_id
LEFT JOIN figure_tallies($1, $2, $3, 'rep', 'day', $4) f ON f.key = u.user_id::text
WHERE u.role = 'telesales_rep' AND u.active
ORDER BY u.team_id, st.name NULLS LAST, u.display_name, u.user_id;

-- name: rep_of_team
SELECT user_id, display_name, team_id, sub_team_id FROM users
WHERE user_id = $1 AND role = 'telesales_rep';

-- name: team_targets
SELECT figure, target FROM team_targets WHERE team_id = $1;

-- name: teams
SELECT team_id, name FROM teams ORDER BY name;
