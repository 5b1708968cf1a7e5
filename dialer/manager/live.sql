-- name: floor_snapshot
-- The whole floor of one campaign in one round trip: every logged-in rep with its state,
-- time in it and calls today; the call counts (dials, person-answers and abandons as
-- dialer/engine/figures.sql counts them, lines in flight) and the abandon counts in each
-- of the regulator's windows; the answer rate by local hour over the last 7 days; and the
-- list penetration per list and segment, with the rules that blocked numbers.
-- $1 campaign, $2 now, $3 the regulator's window starts (one or two), $4 the start of
-- today (local),
-- $5 the campaign's time zone
WITH calls AS MATERIALIZED (
    SELECT created_at, agent_user_id, abandoned, answered_by, answered_at, status, talk_seconds,
           (agent_user_id IS NOT NULL OR abandoned)
               AND coalesce(answered_by, 'human') <> 'machine' AS person,
           abandoned AND coalesce(answered_by, 'human') <> 'machine' AS dropped
    FROM call_attempts WHERE campaign_id = $1
), today AS (
    SELECT agent_user_id, count(*) AS calls, coalesce(sum(talk_seconds), 0) AS talk_seconds
    FROM calls WHERE created_at >= $4 AND agent_user_id IS NOT NULL
    GROUP BY agent_user_id
), numbers AS (
    SELECT n.state, n.attempts, n.blocked_rules, n.list_id, a.segment
    FROM campaign_numbers n JOIN accounts a USING (account_id)
    WHERE n.campaign_id = $1
), counts AS (
    -- one pass: the totals and each regulator's window ($3: one or two starts)
    SELECT count(*) AS dials,
           count(*) FILTER (WHERE person) AS person_answers,
           count(*) FILTER (WHERE dropped) AS abandons,
           count(*) FILTER (
               WHERE status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress')) AS in_flight,
           count(*) FILTER (WHERE created_at >= $4) AS dials_today,
           count(*) FILTER (WHERE person AND created_at >= ($3::timestamptz[])[1]) AS w1_answers,
           count(*) FILTER (WHERE dropped AND created_at >= ($3::timestamptz[])[1]) AS w1_abandons,
           count(*) FILTER (WHERE person AND created_at >= ($3::timestamptz[])[array_length($3::timestamptz[], 1)]) AS w2_answers,
           count(*) FILTER (WHERE dropped AND created_at >= ($3::timestamptz[])[array_length($3::timestamptz[], 1)]) AS w2_abandons
    FROM calls
)
SELECT json_build_object(
    'status', (SELECT status FROM campaigns WHERE campaign_id = $1),
    'reps', (
        SELECT coalesce(json_agg(r ORDER BY r.display_name), '[]'::json) FROM (
            SELECT s.user_id, u.display_name, s.state, s.pause_code,
                   greatest(0, extract(epoch FROM $2 - s.state_since))::int AS seconds_in_state,
                   coalesce(t.calls, 0) AS calls_today,
                   coalesce(t.talk_seconds, 0) AS talk_seconds_today
            FROM agent_sessions s
            JOIN users u USING (user_id)
            LEFT JOIN today t ON t.agent_user_id = s.user_id
            WHERE s.campaign_id = $1 AND s.ended_at IS NULL
        ) r),
    'calls', (
        SELECT json_build_object('dials', dials, 'person_answers', person_answers,
                                 'abandons', abandons, 'in_flight', in_flight,
                                 'dials_today', dials_today)
        FROM counts),
    'windows', (
        SELECT json_build_array(
            json_build_object('since', ($3::timestamptz[])[1], 'person_answers', w1_answers, 'abandons', w1_abandons),
            json_build_object('since', ($3::timestamptz[])[array_length($3::timestamptz[], 1)], 'person_answers', w2_answers,
                              'abandons', w2_abandons))
        FROM counts),
    'by_hour', (
        SELECT coalesce(json_agg(h ORDER BY h.hour), '[]'::json) FROM (
            SELECT extract(hour FROM created_at AT TIME ZONE $5)::int AS hour,
                   count(*) AS dials,
                   count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
                   count(*) FILTER (WHERE answered_at IS NOT NULL
                                    AND coalesce(answered_by, 'human') <> 'machine') AS persons
            FROM calls WHERE created_at >= $2 - interval '7 days'
            GROUP BY 1
        ) h),
    'penetration', (
        SELECT coalesce(json_agg(p ORDER BY p.list_name, p.segment), '[]'::json) FROM (
            SELECT coalesce(l.name, '') AS list_name, n.segment::text AS segment,
                   count(*) AS numbers,
                   count(*) FILTER (WHERE n.state = 'pending' AND n.attempts = 0) AS untouched,
                   count(*) FILTER (WHERE n.state = 'pending' AND n.attempts > 0) AS in_retry,
                   count(*) FILTER (WHERE n.state IN ('leased', 'dialing')) AS in_progress,
                   count(*) FILTER (WHERE n.state IN ('done', 'retired')) AS done,
                   count(*) FILTER (WHERE n.state = 'blocked') AS blocked
            FROM numbers n LEFT JOIN lists l USING (list_id)
            GROUP BY 1, 2
        ) p),
    'blocked_by', (
        SELECT coalesce(json_agg(b ORDER BY b.numbers DESC, b.rules), '[]'::json) FROM (
            SELECT coalesce(nullif(array_to_string(blocked_rules, ' + '), ''), '—') AS rules,
                   count(*) AS numbers
            FROM numbers WHERE state = 'blocked'
            GROUP BY 1
        ) b)
) AS floor;

-- name: live_campaign
SELECT c.campaign_id, c.name, c.purpose, c.status, c.jurisdiction, c.pacing_mode,
       coalesce((c.pacing ->> 'abandon_target')::float8, 0.025) AS abandon_target,
       coalesce((c.pacing ->> 'abandon_cap')::float8, 0.03) AS abandon_cap,
       c.pacing ->> 'time_zone' AS time_zone
FROM campaigns c WHERE c.campaign_id = $1;
