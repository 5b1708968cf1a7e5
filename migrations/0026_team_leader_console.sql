-- The team leader's console and the reports: sub-teams within a team, each team's targets,
-- the limits of a break, the firm's leaderboard weights and discipline points, monitoring
-- sessions (listen, whisper, barge), and figure_tallies: the one SQL definition of the
-- counts behind every figure (docs/figures.md), read by the wallboard and the reports.

CREATE TABLE sub_teams (
    sub_team_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id        bigint NOT NULL REFERENCES teams,
    name           text NOT NULL CHECK (length(name) > 0),
    leader_user_id bigint REFERENCES users,
    UNIQUE (team_id, name)
);
ALTER TABLE users ADD COLUMN sub_team_id bigint REFERENCES sub_teams;

-- a team's target for a figure: a floor for figures where higher is better, a ceiling
-- for the others (figures/definitions.py DIRECTION)
CREATE TABLE team_targets (
    team_id bigint NOT NULL REFERENCES teams,
    figure  text NOT NULL CHECK (figure IN (
        'calls_per_hour', 'average_talk_seconds', 'utilisation', 'contacts', 'warm_leads',
        'first_contact_resolution', 'talk_seconds', 'dials', 'break_overruns')),
    target  numeric NOT NULL CHECK (target >= 0),
    PRIMARY KEY (team_id, figure)
);

-- how long a pause may last before it is an overrun (小休超时); a code with no row has none
CREATE TABLE pause_limits (
    pause_code    text PRIMARY KEY,
    limit_seconds integer NOT NULL CHECK (limit_seconds > 0)
);
INSERT INTO pause_limits (pause_code, limit_seconds) VALUES
    ('break', 900), ('lunch', 3600), ('meeting', 3600), ('training', 7200),
    ('coaching', 3600), ('admin', 1800);

-- the firm's weights for 个人风云榜 (a figure weighted 0 does not count)
CREATE TABLE leaderboard_weights (
    figure text PRIMARY KEY CHECK (figure IN (
        'calls_per_hour', 'average_talk_seconds', 'first_contact_resolution', 'utilisation',
        'contacts', 'warm_leads', 'contact_rate', 'talk_seconds', 'dials', 'leads_won')),
    weight numeric NOT NULL CHECK (weight >= 0)
);
INSERT INTO leaderboard_weights (figure, weight) VALUES
    ('calls_per_hour', 1), ('average_talk_seconds', 1), ('first_contact_resolution', 1),
    ('utilisation', 1);

-- 小组PK: points added or deducted for floor discipline, per sub-team and month
CREATE TABLE sub_team_points (
    sub_team_point_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sub_team_id       bigint NOT NULL REFERENCES sub_teams,
    month             date NOT NULL CHECK (extract(day FROM month) = 1),
    points            integer NOT NULL,
    reason            text NOT NULL CHECK (length(reason) > 0),
    recorded_by       bigint REFERENCES users,
    recorded_at       timestamptz NOT NULL
);
CREATE INDEX sub_team_points_month ON sub_team_points (month, sub_team_id);

-- a team leader (or supervisor) listening to, coaching or joining a rep's call
CREATE TABLE monitoring_sessions (
    monitoring_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    monitor_user_id  bigint NOT NULL REFERENCES users,
    rep_user_id      bigint NOT NULL REFERENCES users,
    call_attempt_id  bigint REFERENCES call_attempts,
    room             text NOT NULL,
    mode             text NOT NULL CHECK (mode IN ('listen', 'whisper', 'barge')),
    participant_call_id text,
    started_at       timestamptz NOT NULL,
    ended_at         timestamptz,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
-- one open monitoring session per monitor
CREATE UNIQUE INDEX monitoring_sessions_one_open ON monitoring_sessions (monitor_user_id)
    WHERE ended_at IS NULL;

-- the figures read a day (or month) of the floor at once
CREATE INDEX call_attempts_created ON call_attempts (created_at);
CREATE INDEX dispositions_recorded ON dispositions (recorded_at);
CREATE INDEX agent_sessions_started ON agent_sessions (started_at);
CREATE INDEX leads_closed ON leads (closed_at) WHERE state = 'won';

-- The counts behind every figure over [p_start, p_end) (rep time runs to p_now at most),
-- per bucket (day, week or month in p_zone) and key (the rep, team, sub-team, campaign,
-- list, segment or branch named by p_dimension; NULL: none, e.g. a dial no rep took).
-- A call counts at its creation, a disposition when recorded, rep time in the bucket its
-- span starts in (clipped to the window), a lead won when closed, revenue on the day the
-- conversion occurred. docs/figures.md defines each column.
CREATE FUNCTION figure_tallies(
    p_start timestamptz, p_end timestamptz, p_now timestamptz,
    p_dimension text, p_bucket text, p_zone text
) RETURNS TABLE (
    bucket date, key text, dials bigint, talked bigint, talk_seconds bigint,
    contacts bigint, warm_leads bigint, first_contacts bigint, first_contact_resolved bigint,
    person_answers bigint, abandoned bigint, logged_in_seconds bigint, working_seconds bigint,
    leads_won bigint, revenue_cents bigint, break_overruns bigint
) LANGUAGE sql STABLE AS $$
WITH calls AS (
    SELECT date_trunc(p_bucket, c.created_at AT TIME ZONE p_zone)::date AS bucket,
           CASE p_dimension
               WHEN 'rep' THEN c.agent_user_id::text
               WHEN 'team' THEN u.team_id::text
               WHEN 'sub_team' THEN u.sub_team_id::text
               WHEN 'campaign' THEN c.campaign_id::text
               WHEN 'list' THEN n.list_id::text
               WHEN 'segment' THEN a.segment::text
               WHEN 'branch' THEN a.branch_id::text
           END AS key,
           count(*) AS dials,
           count(*) FILTER (WHERE c.bridged_at IS NOT NULL) AS talked,
           coalesce(sum(CASE
               WHEN c.talk_seconds IS NOT NULL THEN c.talk_seconds
               WHEN c.bridged_at IS NOT NULL THEN greatest(0, extract(epoch FROM
                   least(coalesce(c.ended_at, p_now), p_now) - c.bridged_at))::bigint
               ELSE 0 END), 0)::bigint AS talk_seconds,
           count(*) FILTER (WHERE (c.agent_user_id IS NOT NULL OR c.abandoned)
                            AND coalesce(c.answered_by, 'human') <> 'machine') AS person_answers,
           count(*) FILTER (WHERE c.abandoned
                            AND coalesce(c.answered_by, 'human') <> 'machine') AS abandoned
    FROM call_attempts c
    JOIN accounts a ON a.account_id = c.account_id
    LEFT JOIN users u ON u.user_id = c.agent_user_id
    LEFT JOIN campaign_numbers n ON p_dimension = 'list'
         AND n.campaign_id = c.campaign_id AND n.phone_id = c.phone_id
    WHERE c.created_at >= p_start AND c.created_at < p_end AND c.status <> 'blocked'
    GROUP BY 1, 2
), scored AS MATERIALIZED (
    -- each disposition once, with whether it is the account's first contact in the campaign
    SELECT d.recorded_at, d.agent_user_id, d.campaign_id, d.call_attempt_id, d.account_id,
           dc.contact, dc.warm_lead, dc.final,
           dc.contact AND NOT EXISTS (
               SELECT 1 FROM dispositions e
               JOIN disposition_codes ec ON ec.campaign_id = e.campaign_id AND ec.code = e.code
               WHERE e.account_id = d.account_id AND e.campaign_id = d.campaign_id
                 AND ec.contact
                 AND (e.recorded_at, e.disposition_id) < (d.recorded_at, d.disposition_id)
           ) AS first_contact
    FROM dispositions d
    JOIN disposition_codes dc ON dc.campaign_id = d.campaign_id AND dc.code = d.code
    WHERE d.recorded_at >= p_start AND d.recorded_at < p_end
), outcomes AS (
    SELECT date_trunc(p_bucket, d.recorded_at AT TIME ZONE p_zone)::date AS bucket,
           CASE p_dimension
               WHEN 'rep' THEN d.agent_user_id::text
               WHEN 'team' THEN u.team_id::text
               WHEN 'sub_team' THEN u.sub_team_id::text
               WHEN 'campaign' THEN d.campaign_id::text
               WHEN 'list' THEN n.list_id::text
               WHEN 'segment' THEN a.segment::text
               WHEN 'branch' THEN a.branch_id::text
           END AS key,
           count(*) FILTER (WHERE d.contact) AS contacts,
           count(*) FILTER (WHERE d.warm_lead) AS warm_leads,
           count(*) FILTER (WHERE d.first_contact) AS first_contacts,
           count(*) FILTER (WHERE d.first_contact AND d.final) AS first_contact_resolved
    FROM scored d
    JOIN accounts a ON a.account_id = d.account_id
    LEFT JOIN users u ON u.user_id = d.agent_user_id
    LEFT JOIN call_attempts c ON p_dimension = 'list' AND c.call_attempt_id = d.call_attempt_id
    LEFT JOIN campaign_numbers n ON p_dimension = 'list'
         AND n.campaign_id = c.campaign_id AND n.phone_id = c.phone_id
    GROUP BY 1, 2
), spans AS (
    SELECT s.user_id, s.campaign_id, ch.to_state AS state, ch.pause_code, ch.at AS began,
           coalesce(lead(ch.at) OVER w, s.ended_at, p_now) AS ended
    FROM agent_sessions s
    JOIN agent_state_changes ch ON ch.agent_session_id = s.agent_session_id
    WHERE s.started_at < p_end AND coalesce(s.ended_at, p_now) > p_start
    -- a session's changes are refused out of order (sessions.py), so change_id orders them
    WINDOW w AS (PARTITION BY ch.agent_session_id ORDER BY ch.change_id)
), rep_time AS (
    SELECT date_trunc(p_bucket, greatest(sp.began, p_start) AT TIME ZONE p_zone)::date AS bucket,
           CASE p_dimension
               WHEN 'rep' THEN sp.user_id::text
               WHEN 'team' THEN u.team_id::text
               WHEN 'sub_team' THEN u.sub_team_id::text
               WHEN 'campaign' THEN sp.campaign_id::text
           END AS key,
           sum(clipped.seconds) FILTER (WHERE sp.state IN
               ('ready', 'reserved', 'on_call', 'wrap_up', 'paused'))::bigint AS logged_in_seconds,
           sum(clipped.seconds) FILTER (WHERE sp.state IN ('on_call', 'wrap_up'))::bigint
               AS working_seconds,
           count(*) FILTER (WHERE sp.state = 'paused' AND sp.began >= p_start
                            AND extract(epoch FROM sp.ended - sp.began) > pl.limit_seconds)
               AS break_overruns
    FROM spans sp
    JOIN users u ON u.user_id = sp.user_id
    LEFT JOIN pause_limits pl ON pl.pause_code = sp.pause_code
    CROSS JOIN LATERAL (
        SELECT greatest(0, extract(epoch FROM
            least(sp.ended, p_end, p_now) - greatest(sp.began, p_start)))::bigint AS seconds
    ) clipped
    WHERE p_dimension IN ('rep', 'team', 'sub_team', 'campaign')
      AND sp.began < least(p_end, p_now) AND sp.ended > p_start
    GROUP BY 1, 2
), won AS (
    SELECT date_trunc(p_bucket, l.closed_at AT TIME ZONE p_zone)::date AS bucket,
           CASE p_dimension
               WHEN 'rep' THEN l.rep_user_id::text
               WHEN 'team' THEN u.team_id::text
               WHEN 'sub_team' THEN u.sub_team_id::text
               WHEN 'campaign' THEN l.campaign_id::text
               WHEN 'list' THEN n.list_id::text
               WHEN 'segment' THEN a.segment::text
               WHEN 'branch' THEN a.branch_id::text
           END AS key,
           count(*) AS leads_won
    FROM leads l
    JOIN accounts a ON a.account_id = l.account_id
    JOIN users u ON u.user_id = l.rep_user_id
    LEFT JOIN call_attempts c ON p_dimension = 'list' AND c.call_attempt_id = l.call_attempt_id
    LEFT JOIN campaign_numbers n ON p_dimension = 'list'
         AND n.campaign_id = c.campaign_id AND n.phone_id = c.phone_id
    WHERE l.state = 'won' AND l.closed_at >= p_start AND l.closed_at < p_end
    GROUP BY 1, 2
), revenue AS (
    SELECT date_trunc(p_bucket, v.occurred_on)::date AS bucket,
           CASE p_dimension
               WHEN 'rep' THEN l.rep_user_id::text
               WHEN 'team' THEN u.team_id::text
               WHEN 'sub_team' THEN u.sub_team_id::text
               WHEN 'campaign' THEN l.campaign_id::text
               WHEN 'list' THEN n.list_id::text
               WHEN 'segment' THEN a.segment::text
               WHEN 'branch' THEN a.branch_id::text
           END AS key,
           sum(v.amount_cents)::bigint AS revenue_cents
    FROM conversions v
    JOIN leads l ON l.lead_id = v.lead_id
    JOIN accounts a ON a.account_id = l.account_id
    JOIN users u ON u.user_id = l.rep_user_id
    LEFT JOIN call_attempts c ON p_dimension = 'list' AND c.call_attempt_id = l.call_attempt_id
    LEFT JOIN campaign_numbers n ON p_dimension = 'list'
         AND n.campaign_id = c.campaign_id AND n.phone_id = c.phone_id
    WHERE v.kind IN ('net_commission', 'advisory_fee') AND v.not_posted_reason IS NULL
      AND v.occurred_on >= (p_start AT TIME ZONE p_zone)::date
      AND v.occurred_on < (p_end AT TIME ZONE p_zone)::date
    GROUP BY 1, 2
), facts AS (
    SELECT bucket, key, dials, talked, talk_seconds, 0::bigint AS contacts,
           0::bigint AS warm_leads, 0::bigint AS first_contacts,
           0::bigint AS first_contact_resolved, person_answers, abandoned,
           0::bigint AS logged_in_seconds, 0::bigint AS working_seconds,
           0::bigint AS leads_won, 0::bigint AS revenue_cents, 0::bigint AS break_overruns
    FROM calls
    UNION ALL
    SELECT bucket, key, 0, 0, 0, contacts, warm_leads, first_contacts, first_contact_resolved,
           0, 0, 0, 0, 0, 0, 0 FROM outcomes
    UNION ALL
    SELECT bucket, key, 0, 0, 0, 0, 0, 0, 0, 0, 0, coalesce(logged_in_seconds, 0),
           coalesce(working_seconds, 0), 0, 0, break_overruns FROM rep_time
    UNION ALL
    SELECT bucket, key, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, leads_won, 0, 0 FROM won
    UNION ALL
    SELECT bucket, key, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, revenue_cents, 0 FROM revenue
)
SELECT bucket, key, sum(dials)::bigint, sum(talked)::bigint, sum(talk_seconds)::bigint,
       sum(contacts)::bigint, sum(warm_leads)::bigint, sum(first_contacts)::bigint,
       sum(first_contact_resolved)::bigint, sum(person_answers)::bigint,
       sum(abandoned)::bigint, sum(logged_in_seconds)::bigint, sum(working_seconds)::bigint,
       sum(leads_won)::bigint, sum(revenue_cents)::bigint, sum(break_overruns)::bigint
FROM facts
GROUP BY bucket, key
$$;
