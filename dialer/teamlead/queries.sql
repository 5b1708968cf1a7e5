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

-- name: team_exists
SELECT EXISTS (SELECT 1 FROM teams WHERE team_id = $1);

-- name: leaderboard_weights
SELECT figure, weight FROM leaderboard_weights ORDER BY figure;

-- name: set_leaderboard_weight
INSERT INTO leaderboard_weights (figure, weight) VALUES ($1, $2)
ON CONFLICT (figure) DO UPDATE SET weight = EXCLUDED.weight;

-- name: set_team_target
INSERT INTO team_targets (team_id, figure, target) VALUES ($1, $2, $3)
ON CONFLICT (team_id, figure) DO UPDATE SET target = EXCLUDED.target;

-- name: team_reps
SELECT u.user_id, u.display_name, u.sub_team_id FROM users u
WHERE u.role = 'telesales_rep' AND u.team_id = $1 AND u.active
ORDER BY u.user_id;

-- name: sub_teams_of_team
SELECT sub_team_id, name FROM sub_teams WHERE team_id = $1 ORDER BY name;

-- name: sub_team_points_of_month
SELECT p.sub_team_id, sum(p.points)::int AS points
FROM sub_team_points p JOIN sub_teams s USING (sub_team_id)
WHERE s.team_id = $1 AND p.month = $2
GROUP BY p.sub_team_id;

-- name: add_sub_team_points
INSERT INTO sub_team_points (sub_team_id, month, points, reason, recorded_by, recorded_at)
SELECT $1, $2, $3, $4, $5, $6 FROM sub_teams WHERE sub_team_id = $1 AND team_id = $7
RETURNING sub_team_point_id;

-- name: audit
INSERT INTO audit_log (at, actor_user_id, kind, subject_type, subject_id, detail)
VALUES ($1, $2, $3, $4, $5, $6::jsonb);

-- name: rep_call_now
-- the rep's open session and the call they are on, with the customer's carrier call id
SELECT s.state, s.current_call_attempt_id AS call_attempt_id, c.provider_call_id,
       c.status AS call_status
FROM agent_sessions s
LEFT JOIN call_attempts c ON c.call_attempt_id = s.current_call_attempt_id
WHERE s.user_id = $1 AND s.ended_at IS NULL;

-- name: monitor_phone
SELECT phone_e164 FROM users WHERE user_id = $1;

-- name: open_monitoring
INSERT INTO monitoring_sessions (monitor_user_id, rep_user_id, call_attempt_id, room, mode,
                                 started_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING monitoring_id;

-- name: set_monitoring_participant
UPDATE monitoring_sessions SET participant_call_id = $2 WHERE monitoring_id = $1;

-- name: monitoring_of
SELECT m.*, u.display_name AS rep_name, c.provider_call_id
FROM monitoring_sessions m
JOIN users u ON u.user_id = m.rep_user_id
LEFT JOIN call_attempts c ON c.call_attempt_id = m.call_attempt_id
WHERE m.monitoring_id = $1
FOR UPDATE OF m;

-- name: set_monitoring_mode
UPDATE monitoring_sessions SET mode = $2 WHERE monitoring_id = $1;

-- name: end_monitoring
UPDATE monitoring_sessions SET ended_at = greatest($2, started_at)
WHERE monitoring_id = $1 AND ended_at IS NULL;

-- name: end_stale_monitoring
-- the monitor's sessions on calls that have since ended (the supervisor left with the call)
UPDATE monitoring_sessions m SET ended_at = greatest($2, m.started_at)
FROM call_attempts c
WHERE m.monitor_user_id = $1 AND m.ended_at IS NULL
  AND c.call_attempt_id = m.call_attempt_id AND c.status <> 'in_progress'
RETURNING m.monitoring_id, m.rep_user_id, m.mode;
