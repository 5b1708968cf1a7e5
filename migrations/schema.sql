--
-- PostgreSQL database dump
--

--
-- Name: account_segment; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.account_segment AS ENUM (
    'lapsed',
    'empty',
    'prospect',
    'withdrawn',
    'orphan',
    'dormant',
    'new'
);

--
-- Name: account_tier; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.account_tier AS ENUM (
    'silver',
    'gold',
    'diamond'
);

--
-- Name: user_role; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.user_role AS ENUM (
    'telesales_rep',
    'team_leader',
    'campaign_manager',
    'branch_manager',
    'account_manager',
    'admin',
    'qa_reviewer',
    'compliance_officer'
);

--
-- Name: call_attempts_refuse_stale_lease(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.call_attempts_refuse_stale_lease() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.lease_epoch IS NOT NULL
       AND NOT campaign_lease_current(NEW.campaign_id, NEW.lease_epoch) THEN
        RAISE EXCEPTION 'campaign % is no longer leased at epoch %', NEW.campaign_id, NEW.lease_epoch
            USING ERRCODE = 'DL409';
    END IF;
    RETURN NEW;
END
$$;

--
-- Name: campaign_lease_current(bigint, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.campaign_lease_current(p_campaign_id bigint, p_epoch bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (
        SELECT 1 FROM campaign_leases
        WHERE campaign_id = p_campaign_id AND epoch = p_epoch AND worker_id IS NOT NULL
    )
$$;

--
-- Name: end_sessions_on_user_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.end_sessions_on_user_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.role IS DISTINCT FROM OLD.role OR NEW.branch_id IS DISTINCT FROM OLD.branch_id
       OR NEW.team_id IS DISTINCT FROM OLD.team_id OR NEW.active IS DISTINCT FROM OLD.active
       OR NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
        DELETE FROM web_sessions WHERE user_id = NEW.user_id;
    END IF;
    RETURN NEW;
END $$;

--
-- Name: figure_tallies(timestamp with time zone, timestamp with time zone, timestamp with time zone, text, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.figure_tallies(p_start timestamp with time zone, p_end timestamp with time zone, p_now timestamp with time zone, p_dimension text, p_bucket text, p_zone text) RETURNS TABLE(bucket date, key text, dials bigint, talked bigint, talk_seconds bigint, contacts bigint, warm_leads bigint, first_contacts bigint, first_contact_resolved bigint, person_answers bigint, abandoned bigint, logged_in_seconds bigint, working_seconds bigint, leads_won bigint, revenue_cents bigint, break_overruns bigint)
    LANGUAGE sql STABLE
    AS $$
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

--
-- Name: refuse_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

--
-- Name: account_phones; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_phones (
    phone_id bigint NOT NULL,
    account_id bigint NOT NULL,
    e164 text NOT NULL,
    line_type text DEFAULT 'unknown'::text NOT NULL,
    region_code text,
    time_zones text[] DEFAULT '{}'::text[] NOT NULL,
    priority smallint DEFAULT 0 NOT NULL,
    is_valid boolean DEFAULT true NOT NULL,
    retired_at timestamp with time zone,
    retired_reason text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    dnc_source text,
    CONSTRAINT account_phones_e164_check CHECK ((e164 ~ '^\+[1-9][0-9]{6,14}$'::text)),
    CONSTRAINT account_phones_line_type_check CHECK ((line_type = ANY (ARRAY['mobile'::text, 'fixed_line'::text, 'wireless'::text, 'landline'::text, 'voip'::text, 'unknown'::text])))
);

--
-- Name: account_phones_phone_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.account_phones ALTER COLUMN phone_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.account_phones_phone_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accounts (
    account_id bigint NOT NULL,
    account_number text,
    name text NOT NULL,
    segment public.account_segment NOT NULL,
    tier public.account_tier DEFAULT 'silver'::public.account_tier NOT NULL,
    branch_id bigint,
    account_manager_id bigint,
    assets_cents bigint DEFAULT 0 NOT NULL,
    opened_on date,
    last_trade_on date,
    region text,
    city text,
    address text,
    address_time_zone text,
    risk_tolerance text,
    risk_assessed_on date,
    professional_investor boolean DEFAULT false NOT NULL,
    existing_customer_since date,
    last_transaction_on date,
    extra jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT accounts_assets_cents_check CHECK ((assets_cents >= 0)),
    CONSTRAINT accounts_name_check CHECK ((length(name) > 0)),
    CONSTRAINT accounts_risk_tolerance_check CHECK ((risk_tolerance = ANY (ARRAY['C1'::text, 'C2'::text, 'C3'::text, 'C4'::text, 'C5'::text])))
);

--
-- Name: accounts_account_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.accounts ALTER COLUMN account_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.accounts_account_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: agent_sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agent_sessions (
    agent_session_id bigint NOT NULL,
    user_id bigint NOT NULL,
    campaign_id bigint,
    state text DEFAULT 'ready'::text NOT NULL,
    pause_code text,
    state_since timestamp with time zone NOT NULL,
    started_at timestamp with time zone NOT NULL,
    ended_at timestamp with time zone,
    current_call_attempt_id bigint,
    audio_call_id text,
    CONSTRAINT agent_sessions_state_check CHECK ((state = ANY (ARRAY['logged_out'::text, 'ready'::text, 'reserved'::text, 'on_call'::text, 'wrap_up'::text, 'paused'::text])))
);

--
-- Name: agent_sessions_agent_session_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.agent_sessions ALTER COLUMN agent_session_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.agent_sessions_agent_session_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: agent_state_changes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agent_state_changes (
    agent_session_id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    from_state text,
    to_state text NOT NULL,
    pause_code text,
    call_attempt_id bigint,
    change_id bigint NOT NULL
);

--
-- Name: agent_state_changes_change_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.agent_state_changes ALTER COLUMN change_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.agent_state_changes_change_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: api_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_tokens (
    token_id bigint NOT NULL,
    user_id bigint NOT NULL,
    token_hash text NOT NULL,
    label text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    expires_at timestamp with time zone NOT NULL,
    last_used_at timestamp with time zone
);

--
-- Name: api_tokens_token_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.api_tokens ALTER COLUMN token_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.api_tokens_token_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    audit_id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    actor_user_id bigint,
    kind text NOT NULL,
    subject_type text,
    subject_id bigint,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL
);

--
-- Name: audit_log_audit_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.audit_log ALTER COLUMN audit_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_log_audit_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: branches; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.branches (
    branch_id bigint NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    time_zone text DEFAULT 'Asia/Shanghai'::text NOT NULL,
    region text,
    lead_assignment text DEFAULT 'round_robin'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT branches_code_check CHECK ((code ~ '^[A-Z0-9_-]{2,32}$'::text)),
    CONSTRAINT branches_lead_assignment_check CHECK ((lead_assignment = ANY (ARRAY['manual'::text, 'round_robin'::text, 'least_loaded'::text]))),
    CONSTRAINT branches_name_check CHECK ((length(name) > 0))
);

--
-- Name: branches_branch_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.branches ALTER COLUMN branch_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.branches_branch_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: call_attempts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.call_attempts (
    call_attempt_id bigint NOT NULL,
    campaign_id bigint NOT NULL,
    account_id bigint NOT NULL,
    phone_id bigint,
    e164 text NOT NULL,
    provider text DEFAULT 'twilio'::text NOT NULL,
    provider_call_id text,
    idempotency_key text NOT NULL,
    status text DEFAULT 'created'::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    queued_at timestamp with time zone,
    initiated_at timestamp with time zone,
    ringing_at timestamp with time zone,
    answered_at timestamp with time zone,
    bridged_at timestamp with time zone,
    amd_at timestamp with time zone,
    ended_at timestamp with time zone,
    answered_by text,
    abandoned boolean DEFAULT false NOT NULL,
    end_reason text,
    sip_code integer,
    provider_error_code integer,
    ring_seconds integer,
    talk_seconds integer,
    duration_seconds integer,
    agent_user_id bigint,
    compliance_decision_id bigint,
    provider_sequence integer,
    bridged_room text,
    engine_id text,
    reserved_agent_user_id bigint,
    outcome text,
    lease_epoch bigint,
    carrier_checked_at timestamp with time zone,
    CONSTRAINT call_attempts_answered_by_check CHECK ((answered_by = ANY (ARRAY['human'::text, 'machine'::text, 'fax'::text, 'unknown'::text]))),
    CONSTRAINT call_attempts_status_check CHECK ((status = ANY (ARRAY['created'::text, 'queued'::text, 'initiated'::text, 'ringing'::text, 'in_progress'::text, 'completed'::text, 'busy'::text, 'no_answer'::text, 'failed'::text, 'canceled'::text, 'blocked'::text])))
);

--
-- Name: call_attempts_call_attempt_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.call_attempts ALTER COLUMN call_attempt_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.call_attempts_call_attempt_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: call_recordings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.call_recordings (
    recording_id bigint NOT NULL,
    call_attempt_id bigint NOT NULL,
    provider text NOT NULL,
    provider_recording_id text NOT NULL,
    provider_call_id text NOT NULL,
    status text DEFAULT 'in_progress'::text NOT NULL,
    channels integer,
    duration_seconds integer,
    started_at timestamp with time zone NOT NULL,
    completed_at timestamp with time zone,
    media_type text,
    media bytea,
    media_bytes integer,
    jurisdiction text NOT NULL,
    purpose text NOT NULL,
    retain_until timestamp with time zone,
    deleted_at timestamp with time zone,
    CONSTRAINT call_recordings_channels_check CHECK ((channels = ANY (ARRAY[1, 2]))),
    CONSTRAINT call_recordings_duration_seconds_check CHECK ((duration_seconds >= 0)),
    CONSTRAINT call_recordings_status_check CHECK ((status = ANY (ARRAY['in_progress'::text, 'completed'::text, 'absent'::text, 'failed'::text, 'deleted'::text])))
);

--
-- Name: call_recordings_recording_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.call_recordings ALTER COLUMN recording_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.call_recordings_recording_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: callbacks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.callbacks (
    callback_id bigint NOT NULL,
    campaign_id bigint NOT NULL,
    account_id bigint NOT NULL,
    owner_user_id bigint,
    due_at timestamp with time zone NOT NULL,
    disposition_id bigint,
    status text DEFAULT 'scheduled'::text NOT NULL,
    note text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    call_attempt_id bigint,
    reason text,
    CONSTRAINT callbacks_dialled_by_an_attempt CHECK (((status <> 'dialled'::text) OR (call_attempt_id IS NOT NULL))),
    CONSTRAINT callbacks_status_check CHECK ((status = ANY (ARRAY['scheduled'::text, 'dialled'::text, 'blocked'::text, 'done'::text, 'canceled'::text, 'missed'::text])))
);

--
-- Name: callbacks_callback_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.callbacks ALTER COLUMN callback_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.callbacks_callback_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: campaign_lease_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaign_lease_events (
    lease_event_id bigint NOT NULL,
    campaign_id bigint NOT NULL,
    worker_id text,
    epoch bigint NOT NULL,
    event text NOT NULL,
    at timestamp with time zone NOT NULL,
    previous_worker_id text,
    CONSTRAINT campaign_lease_events_event_check CHECK ((event = ANY (ARRAY['acquired'::text, 'released'::text, 'lost'::text])))
);

--
-- Name: campaign_lease_events_lease_event_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.campaign_lease_events_lease_event_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: campaign_lease_events_lease_event_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.campaign_lease_events_lease_event_id_seq OWNED BY public.campaign_lease_events.lease_event_id;

--
-- Name: campaign_leases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaign_leases (
    campaign_id bigint NOT NULL,
    worker_id text,
    epoch bigint NOT NULL,
    acquired_at timestamp with time zone NOT NULL,
    renewed_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT campaign_leases_epoch_check CHECK ((epoch > 0))
);

--
-- Name: campaign_numbers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaign_numbers (
    campaign_id bigint NOT NULL,
    phone_id bigint NOT NULL,
    account_id bigint NOT NULL,
    e164 text NOT NULL,
    list_id bigint,
    state text DEFAULT 'pending'::text NOT NULL,
    priority integer DEFAULT 0 NOT NULL,
    fairness_rank integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone NOT NULL,
    callback_due_at timestamp with time zone,
    callback_owner bigint,
    attempts integer DEFAULT 0 NOT NULL,
    last_attempt_at timestamp with time zone,
    last_outcome text,
    leased_by text,
    lease_expires_at timestamp with time zone,
    call_attempt_id bigint,
    reason text,
    preview_only boolean DEFAULT false NOT NULL,
    callback_id bigint,
    blocked_rules text[] DEFAULT '{}'::text[] NOT NULL,
    scored_rank integer,
    scored_at timestamp with time zone,
    CONSTRAINT campaign_numbers_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT campaign_numbers_check CHECK (((state <> 'leased'::text) OR ((leased_by IS NOT NULL) AND (lease_expires_at IS NOT NULL)))),
    CONSTRAINT campaign_numbers_check1 CHECK (((state <> 'dialing'::text) OR (call_attempt_id IS NOT NULL))),
    CONSTRAINT campaign_numbers_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'leased'::text, 'dialing'::text, 'done'::text, 'retired'::text, 'blocked'::text])))
);

--
-- Name: campaigns; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaigns (
    campaign_id bigint NOT NULL,
    name text NOT NULL,
    purpose text NOT NULL,
    product_id bigint,
    subject text DEFAULT 'general'::text NOT NULL,
    target_segments public.account_segment[] DEFAULT '{}'::public.account_segment[] NOT NULL,
    list_ids bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    pacing_mode text DEFAULT 'progressive'::text NOT NULL,
    pacing jsonb DEFAULT '{}'::jsonb NOT NULL,
    calling_windows jsonb DEFAULT '{}'::jsonb NOT NULL,
    retry_policy jsonb DEFAULT '{}'::jsonb NOT NULL,
    jurisdiction text DEFAULT 'CN'::text NOT NULL,
    caller_id text,
    ring_seconds integer DEFAULT 25 NOT NULL,
    abandon_message text,
    voicemail_policy text DEFAULT 'hangup'::text NOT NULL,
    voicemail_message text,
    wrap_up_max_seconds integer DEFAULT 60 NOT NULL,
    status text DEFAULT 'draft'::text NOT NULL,
    created_by bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    script text DEFAULT ''::text NOT NULL,
    dialing boolean DEFAULT false NOT NULL,
    disclosures text DEFAULT ''::text NOT NULL,
    coverage_target numeric(5,4),
    coverage_days integer,
    recording_policy text DEFAULT 'record'::text NOT NULL,
    recording_channels text DEFAULT 'dual'::text NOT NULL,
    dialing_priority text DEFAULT 'learned'::text NOT NULL,
    CONSTRAINT campaigns_caller_id_check CHECK (((caller_id IS NULL) OR (caller_id ~ '^\+[1-9][0-9]{6,14}$'::text))),
    CONSTRAINT campaigns_coverage_days_check CHECK (((coverage_days IS NULL) OR (coverage_days > 0))),
    CONSTRAINT campaigns_coverage_target_check CHECK (((coverage_target IS NULL) OR ((coverage_target > (0)::numeric) AND (coverage_target <= (1)::numeric)))),
    CONSTRAINT campaigns_dialing_priority_check CHECK ((dialing_priority = ANY (ARRAY['tier'::text, 'learned'::text]))),
    CONSTRAINT campaigns_jurisdiction_check CHECK ((jurisdiction = ANY (ARRAY['US'::text, 'UK'::text, 'CN'::text]))),
    CONSTRAINT campaigns_name_check CHECK ((length(name) > 0)),
    CONSTRAINT campaigns_pacing_mode_check CHECK ((pacing_mode = ANY (ARRAY['preview'::text, 'progressive'::text, 'power'::text, 'RATIO'::text, 'ADAPT_HARD_LIMIT'::text, 'ADAPT_AVERAGE'::text, 'ADAPT_TAPERED'::text, 'predictive'::text]))),
    CONSTRAINT campaigns_purpose_check CHECK ((purpose = ANY (ARRAY['marketing'::text, 'service'::text]))),
    CONSTRAINT campaigns_recording_channels_check CHECK ((recording_channels = ANY (ARRAY['dual'::text, 'mono'::text]))),
    CONSTRAINT campaigns_recording_policy_check CHECK ((recording_policy = ANY (ARRAY['record'::text, 'do_not_record'::text]))),
    CONSTRAINT campaigns_ring_seconds_check CHECK (((ring_seconds >= 15) AND (ring_seconds <= 60))),
    CONSTRAINT campaigns_status_check CHECK ((status = ANY (ARRAY['draft'::text, 'running'::text, 'paused'::text, 'finished'::text]))),
    CONSTRAINT campaigns_voicemail_policy_check CHECK ((voicemail_policy = ANY (ARRAY['hangup'::text, 'leave_message'::text]))),
    CONSTRAINT campaigns_wrap_up_max_seconds_check CHECK ((wrap_up_max_seconds > 0))
);

--
-- Name: campaigns_campaign_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.campaigns ALTER COLUMN campaign_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.campaigns_campaign_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: carrier_budgets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.carrier_budgets (
    provider text NOT NULL,
    tokens double precision NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

--
-- Name: carrier_grants; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.carrier_grants (
    carrier_grant_id bigint NOT NULL,
    provider text NOT NULL,
    granted_at timestamp with time zone NOT NULL,
    granted integer NOT NULL,
    CONSTRAINT carrier_grants_granted_check CHECK ((granted > 0))
);

--
-- Name: carrier_grants_carrier_grant_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.carrier_grants_carrier_grant_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: carrier_grants_carrier_grant_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.carrier_grants_carrier_grant_id_seq OWNED BY public.carrier_grants.carrier_grant_id;

--
-- Name: complaint_calls; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.complaint_calls (
    complaint_id bigint NOT NULL,
    call_attempt_id bigint NOT NULL
);

--
-- Name: complaint_people; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.complaint_people (
    complaint_id bigint NOT NULL,
    user_id bigint NOT NULL
);

--
-- Name: complaints; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.complaints (
    complaint_id bigint NOT NULL,
    account_id bigint NOT NULL,
    source text NOT NULL,
    about_marketing boolean DEFAULT true NOT NULL,
    summary text NOT NULL,
    received_at timestamp with time zone NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    recorded_by bigint,
    investigator_id bigint,
    closed_at timestamp with time zone,
    closed_by bigint,
    finding text,
    evidence jsonb DEFAULT '[]'::jsonb NOT NULL,
    dnc_applied boolean DEFAULT false NOT NULL,
    CONSTRAINT complaints_check CHECK (((status = ANY (ARRAY['upheld'::text, 'not_upheld'::text])) = (closed_at IS NOT NULL))),
    CONSTRAINT complaints_source_check CHECK ((source = ANY (ARRAY['customer'::text, 'branch'::text, 'regulator'::text]))),
    CONSTRAINT complaints_status_check CHECK ((status = ANY (ARRAY['open'::text, 'investigating'::text, 'upheld'::text, 'not_upheld'::text]))),
    CONSTRAINT complaints_summary_check CHECK ((length(summary) > 0))
);

--
-- Name: complaints_complaint_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.complaints ALTER COLUMN complaint_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.complaints_complaint_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: consents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consents (
    consent_id bigint NOT NULL,
    account_id bigint NOT NULL,
    purpose text NOT NULL,
    channel text DEFAULT 'phone'::text NOT NULL,
    granted_at timestamp with time zone NOT NULL,
    revoked_at timestamp with time zone,
    source text DEFAULT 'import'::text NOT NULL,
    CONSTRAINT consents_check CHECK (((revoked_at IS NULL) OR (revoked_at >= granted_at))),
    CONSTRAINT consents_purpose_check CHECK ((purpose = ANY (ARRAY['marketing'::text, 'service'::text, 'automated_dialing'::text])))
);

--
-- Name: consents_consent_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.consents ALTER COLUMN consent_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.consents_consent_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: console_connections; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.console_connections (
    console_connection_id bigint NOT NULL,
    user_id bigint NOT NULL,
    opened_at timestamp with time zone NOT NULL,
    closed_at timestamp with time zone,
    CONSTRAINT console_connections_check CHECK (((closed_at IS NULL) OR (closed_at >= opened_at)))
);

--
-- Name: console_connections_console_connection_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.console_connections ALTER COLUMN console_connection_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.console_connections_console_connection_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: conversions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.conversions (
    conversion_id bigint NOT NULL,
    external_ref text NOT NULL,
    account_id bigint NOT NULL,
    kind text NOT NULL,
    occurred_on date NOT NULL,
    amount_cents bigint DEFAULT 0 NOT NULL,
    period text,
    lead_id bigint,
    received_at timestamp with time zone NOT NULL,
    attribution_window_days integer,
    attribution_rule_set_id bigint,
    attribution_note text,
    not_posted_reason text,
    CONSTRAINT conversions_attribution_window_days_check CHECK ((attribution_window_days >= 1)),
    CONSTRAINT conversions_kind_check CHECK ((kind = ANY (ARRAY['reactivated'::text, 'funds_in'::text, 'advisory_signed'::text, 'product_bought'::text, 'net_commission'::text, 'advisory_fee'::text])))
);

--
-- Name: conversions_conversion_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.conversions ALTER COLUMN conversion_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.conversions_conversion_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: customer_access_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.customer_access_log (
    access_id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    user_id bigint NOT NULL,
    role text NOT NULL,
    account_id bigint NOT NULL,
    route text NOT NULL,
    reason text NOT NULL
);

--
-- Name: customer_access_log_access_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.customer_access_log ALTER COLUMN access_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.customer_access_log_access_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: disposition_codes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.disposition_codes (
    campaign_id bigint NOT NULL,
    code text NOT NULL,
    label_en text NOT NULL,
    label_zh text NOT NULL,
    hotkey text,
    human_answered boolean DEFAULT false NOT NULL,
    contact boolean DEFAULT false NOT NULL,
    warm_lead boolean DEFAULT false NOT NULL,
    do_not_call boolean DEFAULT false NOT NULL,
    callback boolean DEFAULT false NOT NULL,
    final boolean DEFAULT false NOT NULL,
    CONSTRAINT disposition_codes_code_check CHECK ((code ~ '^[A-Z0-9_]{1,24}$'::text))
);

--
-- Name: dispositions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dispositions (
    disposition_id bigint NOT NULL,
    call_attempt_id bigint,
    campaign_id bigint NOT NULL,
    account_id bigint NOT NULL,
    code text NOT NULL,
    agent_user_id bigint,
    note text DEFAULT ''::text NOT NULL,
    idempotency_key text,
    recorded_at timestamp with time zone NOT NULL
);

--
-- Name: dispositions_disposition_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.dispositions ALTER COLUMN disposition_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.dispositions_disposition_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: dnc_entries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dnc_entries (
    dnc_entry_id bigint NOT NULL,
    e164 text NOT NULL,
    source text NOT NULL,
    scope text DEFAULT 'all'::text NOT NULL,
    channel text,
    added_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone,
    snapshot_id bigint,
    account_id bigint,
    note text DEFAULT ''::text NOT NULL,
    CONSTRAINT dnc_entries_e164_check CHECK ((e164 ~ '^\+[1-9][0-9]{6,14}$'::text)),
    CONSTRAINT dnc_entries_scope_check CHECK ((scope = ANY (ARRAY['all'::text, 'marketing'::text]))),
    CONSTRAINT dnc_entries_source_check CHECK ((source = ANY (ARRAY['firm'::text, 'national'::text, 'tps'::text, 'ctps'::text, 'cn_refusal'::text])))
);

--
-- Name: dnc_entries_dnc_entry_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.dnc_entries ALTER COLUMN dnc_entry_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.dnc_entries_dnc_entry_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: dnc_snapshots; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dnc_snapshots (
    snapshot_id bigint NOT NULL,
    source text NOT NULL,
    snapshot_date date NOT NULL,
    file_name text,
    content_sha256 text,
    entries integer DEFAULT 0 NOT NULL,
    loaded_at timestamp with time zone DEFAULT now() NOT NULL,
    lines_total integer DEFAULT 0 NOT NULL,
    rows_rejected integer DEFAULT 0 NOT NULL,
    reject_reasons jsonb DEFAULT '{}'::jsonb NOT NULL,
    entries_added integer DEFAULT 0 NOT NULL,
    entries_expired integer DEFAULT 0 NOT NULL,
    replaces_register boolean DEFAULT false NOT NULL,
    default_region text,
    CONSTRAINT dnc_snapshots_entries_added_check CHECK ((entries_added >= 0)),
    CONSTRAINT dnc_snapshots_entries_expired_check CHECK ((entries_expired >= 0)),
    CONSTRAINT dnc_snapshots_lines_total_check CHECK ((lines_total >= 0)),
    CONSTRAINT dnc_snapshots_rows_rejected_check CHECK ((rows_rejected >= 0)),
    CONSTRAINT dnc_snapshots_source_check CHECK ((source = ANY (ARRAY['firm'::text, 'national'::text, 'tps'::text, 'ctps'::text, 'cn_refusal'::text])))
);

--
-- Name: dnc_snapshots_snapshot_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.dnc_snapshots ALTER COLUMN snapshot_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.dnc_snapshots_snapshot_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: excellent_recording_serial; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.excellent_recording_serial
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: excellent_recordings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.excellent_recordings (
    serial text NOT NULL,
    recording_id bigint NOT NULL,
    review_id bigint,
    nominated_by bigint NOT NULL,
    note text DEFAULT ''::text NOT NULL,
    added_at timestamp with time zone NOT NULL
);

--
-- Name: import_jobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.import_jobs (
    job_id text NOT NULL,
    kind text DEFAULT 'list'::text NOT NULL,
    file_name text NOT NULL,
    list_name text NOT NULL,
    status text DEFAULT 'queued'::text NOT NULL,
    rows_read bigint DEFAULT 0 NOT NULL,
    result jsonb DEFAULT '{}'::jsonb NOT NULL,
    error text,
    pid integer,
    created_by bigint,
    created_at timestamp with time zone NOT NULL,
    heartbeat_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    CONSTRAINT import_jobs_kind_check CHECK ((kind = 'list'::text)),
    CONSTRAINT import_jobs_status_check CHECK ((status = ANY (ARRAY['queued'::text, 'running'::text, 'done'::text, 'skipped'::text, 'failed'::text])))
);

--
-- Name: import_rejects; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.import_rejects (
    import_id bigint NOT NULL,
    line_number integer NOT NULL,
    raw text NOT NULL,
    reason text NOT NULL,
    detail text DEFAULT ''::text NOT NULL
);

--
-- Name: lead_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.lead_events (
    lead_id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    kind text NOT NULL,
    actor_user_id bigint,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL
);

--
-- Name: lead_notices; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.lead_notices (
    notice_id bigint NOT NULL,
    lead_id bigint NOT NULL,
    event text NOT NULL,
    branch_id bigint,
    at timestamp with time zone NOT NULL,
    recipients bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL,
    sent_at timestamp with time zone
);

--
-- Name: lead_notices_notice_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.lead_notices ALTER COLUMN notice_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.lead_notices_notice_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: leaderboard_weights; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.leaderboard_weights (
    figure text NOT NULL,
    weight numeric NOT NULL,
    CONSTRAINT leaderboard_weights_figure_check CHECK ((figure = ANY (ARRAY['calls_per_hour'::text, 'average_talk_seconds'::text, 'first_contact_resolution'::text, 'utilisation'::text, 'contacts'::text, 'warm_leads'::text, 'contact_rate'::text, 'talk_seconds'::text, 'dials'::text, 'leads_won'::text, 'qa_score'::text, 'sms_satisfaction'::text]))),
    CONSTRAINT leaderboard_weights_weight_check CHECK ((weight >= (0)::numeric))
);

--
-- Name: leads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.leads (
    lead_id bigint NOT NULL,
    account_id bigint NOT NULL,
    campaign_id bigint NOT NULL,
    product_id bigint,
    interest_key bigint GENERATED ALWAYS AS (COALESCE(product_id, (0)::bigint)) STORED,
    rep_user_id bigint NOT NULL,
    call_attempt_id bigint,
    disposition_id bigint,
    branch_id bigint,
    assigned_to bigint,
    state text DEFAULT 'new'::text NOT NULL,
    interest text DEFAULT ''::text NOT NULL,
    preferred_contact_at timestamp with time zone,
    notes text DEFAULT ''::text NOT NULL,
    handed_off_at timestamp with time zone NOT NULL,
    accepted_at timestamp with time zone,
    first_contact_at timestamp with time zone,
    closed_at timestamp with time zone,
    sla_due_at timestamp with time zone,
    rerouted_to bigint,
    CONSTRAINT leads_rerouted_only_when_expired CHECK (((rerouted_to IS NULL) OR (state = 'expired'::text))),
    CONSTRAINT leads_state_check CHECK ((state = ANY (ARRAY['new'::text, 'accepted'::text, 'contacted'::text, 'won'::text, 'lost'::text, 'expired'::text])))
);

--
-- Name: leads_lead_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.leads ALTER COLUMN lead_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.leads_lead_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: list_imports; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.list_imports (
    import_id bigint NOT NULL,
    list_id bigint NOT NULL,
    file_name text NOT NULL,
    content_sha256 text NOT NULL,
    status text DEFAULT 'running'::text NOT NULL,
    rows_total integer DEFAULT 0 NOT NULL,
    rows_accepted integer DEFAULT 0 NOT NULL,
    rows_merged integer DEFAULT 0 NOT NULL,
    rows_rejected integer DEFAULT 0 NOT NULL,
    error text,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    forced boolean DEFAULT false NOT NULL,
    options jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT list_imports_reconcile CHECK (((status <> 'done'::text) OR (rows_total = ((rows_accepted + rows_merged) + rows_rejected)))),
    CONSTRAINT list_imports_status_check CHECK ((status = ANY (ARRAY['running'::text, 'done'::text, 'failed'::text])))
);

--
-- Name: list_imports_import_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.list_imports ALTER COLUMN import_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.list_imports_import_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: list_mapping_presets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.list_mapping_presets (
    name text NOT NULL,
    mapping jsonb NOT NULL,
    updated_by bigint,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT list_mapping_presets_mapping_check CHECK ((jsonb_typeof(mapping) = 'object'::text)),
    CONSTRAINT list_mapping_presets_name_check CHECK ((length(btrim(name)) > 0))
);

--
-- Name: list_memberships; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.list_memberships (
    list_id bigint NOT NULL,
    account_id bigint NOT NULL,
    import_id bigint NOT NULL,
    added_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: lists; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.lists (
    list_id bigint NOT NULL,
    name text NOT NULL,
    default_region text DEFAULT 'CN'::text NOT NULL,
    created_by bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT lists_name_check CHECK ((length(name) > 0))
);

--
-- Name: lists_list_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.lists ALTER COLUMN list_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.lists_list_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: login_forms; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.login_forms (
    pre_session_hash text NOT NULL,
    token_hash text NOT NULL,
    expires_at timestamp with time zone NOT NULL
);

--
-- Name: login_throttle; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.login_throttle (
    key text NOT NULL,
    failures integer DEFAULT 0 NOT NULL,
    last_failure_at timestamp with time zone NOT NULL,
    blocked_until timestamp with time zone
);

--
-- Name: monitoring_sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.monitoring_sessions (
    monitoring_id bigint NOT NULL,
    monitor_user_id bigint NOT NULL,
    rep_user_id bigint NOT NULL,
    call_attempt_id bigint,
    room text NOT NULL,
    mode text NOT NULL,
    participant_call_id text,
    started_at timestamp with time zone NOT NULL,
    ended_at timestamp with time zone,
    CONSTRAINT monitoring_sessions_check CHECK (((ended_at IS NULL) OR (ended_at >= started_at))),
    CONSTRAINT monitoring_sessions_mode_check CHECK ((mode = ANY (ARRAY['listen'::text, 'whisper'::text, 'barge'::text])))
);

--
-- Name: monitoring_sessions_monitoring_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.monitoring_sessions ALTER COLUMN monitoring_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.monitoring_sessions_monitoring_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: pause_limits; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pause_limits (
    pause_code text NOT NULL,
    limit_seconds integer NOT NULL,
    CONSTRAINT pause_limits_limit_seconds_check CHECK ((limit_seconds > 0))
);

--
-- Name: planner_jobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.planner_jobs (
    planner_job_id bigint NOT NULL,
    campaign_id bigint NOT NULL,
    status text DEFAULT 'queued'::text NOT NULL,
    question jsonb NOT NULL,
    result jsonb,
    error text,
    created_by bigint,
    created_at timestamp with time zone NOT NULL,
    claimed_by text,
    heartbeat_at timestamp with time zone,
    finished_at timestamp with time zone,
    CONSTRAINT planner_jobs_check CHECK (((status <> 'done'::text) OR (result IS NOT NULL))),
    CONSTRAINT planner_jobs_check1 CHECK (((status <> 'failed'::text) OR (error IS NOT NULL))),
    CONSTRAINT planner_jobs_status_check CHECK ((status = ANY (ARRAY['queued'::text, 'running'::text, 'done'::text, 'failed'::text])))
);

--
-- Name: planner_jobs_planner_job_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.planner_jobs ALTER COLUMN planner_job_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.planner_jobs_planner_job_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: preview_decisions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.preview_decisions (
    preview_decision_id bigint NOT NULL,
    campaign_id bigint NOT NULL,
    account_id bigint NOT NULL,
    user_id bigint NOT NULL,
    action text NOT NULL,
    decided_at timestamp with time zone NOT NULL,
    dialed_call_attempt_id bigint,
    CONSTRAINT preview_decisions_action_check CHECK ((action = ANY (ARRAY['dial'::text, 'skip'::text])))
);

--
-- Name: preview_decisions_preview_decision_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.preview_decisions ALTER COLUMN preview_decision_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.preview_decisions_preview_decision_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: preview_offers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.preview_offers (
    campaign_id bigint NOT NULL,
    account_id bigint NOT NULL,
    user_id bigint NOT NULL,
    offered_at timestamp with time zone NOT NULL
);

--
-- Name: products; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.products (
    product_id bigint NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    risk_level text NOT NULL,
    kind text DEFAULT 'advisory'::text NOT NULL,
    required_registration text,
    disclosure text DEFAULT ''::text NOT NULL,
    CONSTRAINT products_kind_check CHECK ((kind = ANY (ARRAY['advisory'::text, 'fund'::text, 'margin'::text, 'account'::text, 'service'::text]))),
    CONSTRAINT products_risk_level_check CHECK ((risk_level = ANY (ARRAY['R1'::text, 'R2'::text, 'R3'::text, 'R4'::text, 'R5'::text])))
);

--
-- Name: products_product_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.products ALTER COLUMN product_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.products_product_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: provider_callbacks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.provider_callbacks (
    dedupe_key text NOT NULL,
    provider text NOT NULL,
    provider_call_id text NOT NULL,
    call_attempt_id bigint,
    event_kind text NOT NULL,
    verdict text NOT NULL,
    sequence_number integer,
    occurred_at timestamp with time zone NOT NULL,
    received_at timestamp with time zone NOT NULL,
    CONSTRAINT provider_callbacks_event_kind_check CHECK ((event_kind = ANY (ARRAY['initiated'::text, 'ringing'::text, 'answered'::text, 'amd_verdict'::text, 'completed'::text]))),
    CONSTRAINT provider_callbacks_verdict_check CHECK ((verdict = ANY (ARRAY['advanced'::text, 'recorded'::text, 'late'::text, 'conflict'::text])))
);

--
-- Name: qa_comments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.qa_comments (
    comment_id bigint NOT NULL,
    review_id bigint NOT NULL,
    author_id bigint NOT NULL,
    offset_seconds numeric NOT NULL,
    body text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT qa_comments_body_check CHECK ((length(body) > 0)),
    CONSTRAINT qa_comments_offset_seconds_check CHECK ((offset_seconds >= (0)::numeric))
);

--
-- Name: qa_comments_comment_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.qa_comments ALTER COLUMN comment_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.qa_comments_comment_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: qa_review_items; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.qa_review_items (
    review_id bigint NOT NULL,
    item_key text NOT NULL,
    passed boolean NOT NULL
);

--
-- Name: qa_reviews; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.qa_reviews (
    review_id bigint NOT NULL,
    call_attempt_id bigint NOT NULL,
    recording_id bigint,
    rep_user_id bigint NOT NULL,
    scorecard_id bigint NOT NULL,
    reason text NOT NULL,
    reviewer_id bigint,
    status text DEFAULT 'queued'::text NOT NULL,
    score numeric,
    must_pass_failed boolean,
    sampled_on date NOT NULL,
    sampled_at timestamp with time zone NOT NULL,
    scored_at timestamp with time zone,
    acknowledged_at timestamp with time zone,
    disputed_at timestamp with time zone,
    dispute_reason text,
    disputes_review_id bigint,
    CONSTRAINT qa_reviews_reason_check CHECK ((reason = ANY (ARRAY['random'::text, 'warm_lead'::text, 'complaint'::text, 'dnc_disposition'::text, 'dispute'::text]))),
    CONSTRAINT qa_reviews_score_check CHECK (((score >= (0)::numeric) AND (score <= (1)::numeric))),
    CONSTRAINT qa_reviews_status_check CHECK ((status = ANY (ARRAY['queued'::text, 'scored'::text, 'acknowledged'::text, 'disputed'::text, 'rescored'::text])))
);

--
-- Name: qa_reviews_review_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.qa_reviews ALTER COLUMN review_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.qa_reviews_review_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: qa_sample_runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.qa_sample_runs (
    team_id bigint NOT NULL,
    sampled_on date NOT NULL,
    queued integer DEFAULT 0 NOT NULL,
    ran_at timestamp with time zone NOT NULL
);

--
-- Name: qa_sampling_plans; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.qa_sampling_plans (
    team_id bigint NOT NULL,
    random_share numeric DEFAULT 0.1 NOT NULL,
    min_talk_seconds integer DEFAULT 10 NOT NULL,
    scorecard_id bigint,
    CONSTRAINT qa_sampling_plans_min_talk_seconds_check CHECK ((min_talk_seconds >= 0)),
    CONSTRAINT qa_sampling_plans_random_share_check CHECK (((random_share >= (0)::numeric) AND (random_share <= (1)::numeric)))
);

--
-- Name: qa_scorecards; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.qa_scorecards (
    scorecard_id bigint NOT NULL,
    name text NOT NULL,
    items jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT qa_scorecards_name_check CHECK ((length(name) > 0))
);

--
-- Name: qa_scorecards_scorecard_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.qa_scorecards ALTER COLUMN scorecard_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.qa_scorecards_scorecard_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: recording_callbacks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.recording_callbacks (
    dedupe_key text NOT NULL,
    provider text NOT NULL,
    provider_recording_id text NOT NULL,
    recording_status text NOT NULL,
    received_at timestamp with time zone NOT NULL
);

--
-- Name: recording_deletions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.recording_deletions (
    deletion_id bigint NOT NULL,
    recording_id bigint NOT NULL,
    reason text NOT NULL,
    carrier_deleted boolean NOT NULL,
    carrier_detail text DEFAULT ''::text NOT NULL,
    deleted_at timestamp with time zone NOT NULL
);

--
-- Name: recording_deletions_deletion_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.recording_deletions ALTER COLUMN deletion_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.recording_deletions_deletion_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: recording_opt_outs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.recording_opt_outs (
    account_id bigint NOT NULL,
    opted_out_at timestamp with time zone NOT NULL,
    recorded_by bigint,
    note text DEFAULT ''::text NOT NULL
);

--
-- Name: revenue_ledger; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.revenue_ledger (
    entry_id bigint NOT NULL,
    conversion_id bigint NOT NULL,
    lead_id bigint,
    call_attempt_id bigint,
    rule_set_id bigint,
    party_kind text NOT NULL,
    party_id bigint,
    amount_cents bigint NOT NULL,
    period text NOT NULL,
    reverses_entry_id bigint,
    reason text DEFAULT 'split'::text NOT NULL,
    posted_at timestamp with time zone NOT NULL,
    service_score numeric,
    service_multiplier numeric,
    CONSTRAINT revenue_ledger_party_kind_check CHECK ((party_kind = ANY (ARRAY['rep'::text, 'team'::text, 'account_manager'::text, 'branch'::text, 'centre'::text, 'firm'::text]))),
    CONSTRAINT revenue_ledger_period_check CHECK ((period ~ '^[0-9]{4}-[0-9]{2}$'::text)),
    CONSTRAINT revenue_ledger_service_multiplier_check CHECK (((service_multiplier >= (0)::numeric) AND (service_multiplier <= (2)::numeric))),
    CONSTRAINT revenue_ledger_service_score_check CHECK (((service_score >= (0)::numeric) AND (service_score <= (1)::numeric)))
);

--
-- Name: revenue_ledger_entry_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.revenue_ledger ALTER COLUMN entry_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.revenue_ledger_entry_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: revenue_rule_sets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.revenue_rule_sets (
    rule_set_id bigint NOT NULL,
    version text NOT NULL,
    effective_from date NOT NULL,
    rules jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: revenue_rule_sets_rule_set_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.revenue_rule_sets ALTER COLUMN rule_set_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.revenue_rule_sets_rule_set_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    number integer NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: scoring_models; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.scoring_models (
    scoring_model_id bigint NOT NULL,
    scope text NOT NULL,
    campaign_id bigint,
    version integer NOT NULL,
    run_key text NOT NULL,
    trained_at timestamp with time zone NOT NULL,
    trained_rows integer NOT NULL,
    model jsonb NOT NULL,
    CONSTRAINT scoring_models_check CHECK (((scope = 'firm'::text) = (campaign_id IS NULL))),
    CONSTRAINT scoring_models_scope_check CHECK (((scope = 'firm'::text) OR (scope ~ '^campaign:[0-9]+$'::text))),
    CONSTRAINT scoring_models_trained_rows_check CHECK ((trained_rows >= 0)),
    CONSTRAINT scoring_models_version_check CHECK ((version > 0))
);

--
-- Name: scoring_models_scoring_model_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.scoring_models ALTER COLUMN scoring_model_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.scoring_models_scoring_model_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: service_coefficient_rules; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.service_coefficient_rules (
    version integer NOT NULL,
    effective_from date NOT NULL,
    rule jsonb NOT NULL,
    stored_at timestamp with time zone NOT NULL,
    CONSTRAINT service_coefficient_rules_version_check CHECK ((version > 0))
);

--
-- Name: service_coefficients; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.service_coefficients (
    coefficient_id bigint NOT NULL,
    user_id bigint NOT NULL,
    period text NOT NULL,
    score numeric NOT NULL,
    rule_version integer,
    inputs jsonb DEFAULT '{}'::jsonb NOT NULL,
    override_reason text,
    computed_at timestamp with time zone NOT NULL,
    CONSTRAINT service_coefficients_check CHECK (((rule_version IS NULL) = (override_reason IS NOT NULL))),
    CONSTRAINT service_coefficients_period_check CHECK ((period ~ '^[0-9]{4}-[0-9]{2}$'::text)),
    CONSTRAINT service_coefficients_score_check CHECK (((score >= (0)::numeric) AND (score <= (1)::numeric)))
);

--
-- Name: service_coefficients_coefficient_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.service_coefficients ALTER COLUMN coefficient_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.service_coefficients_coefficient_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: sms_opt_outs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sms_opt_outs (
    e164 text NOT NULL,
    opted_out_at timestamp with time zone NOT NULL,
    provider_message_id text NOT NULL
);

--
-- Name: sms_replies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sms_replies (
    provider_message_id text NOT NULL,
    survey_id bigint,
    e164 text NOT NULL,
    body text NOT NULL,
    received_at timestamp with time zone NOT NULL
);

--
-- Name: sms_surveys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sms_surveys (
    survey_id bigint NOT NULL,
    call_attempt_id bigint NOT NULL,
    account_id bigint NOT NULL,
    rep_user_id bigint,
    e164 text NOT NULL,
    status text NOT NULL,
    blocked_reason text,
    provider_message_id text,
    sent_at timestamp with time zone NOT NULL,
    rating integer,
    answered_at timestamp with time zone,
    CONSTRAINT sms_surveys_rating_check CHECK (((rating >= 1) AND (rating <= 5))),
    CONSTRAINT sms_surveys_status_check CHECK ((status = ANY (ARRAY['sent'::text, 'blocked'::text, 'answered'::text, 'opted_out'::text])))
);

--
-- Name: sms_surveys_survey_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.sms_surveys ALTER COLUMN survey_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.sms_surveys_survey_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: sub_team_points; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sub_team_points (
    sub_team_point_id bigint NOT NULL,
    sub_team_id bigint NOT NULL,
    month date NOT NULL,
    points integer NOT NULL,
    reason text NOT NULL,
    recorded_by bigint,
    recorded_at timestamp with time zone NOT NULL,
    CONSTRAINT sub_team_points_month_check CHECK ((EXTRACT(day FROM month) = (1)::numeric)),
    CONSTRAINT sub_team_points_reason_check CHECK ((length(reason) > 0))
);

--
-- Name: sub_team_points_sub_team_point_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.sub_team_points ALTER COLUMN sub_team_point_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.sub_team_points_sub_team_point_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: sub_teams; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sub_teams (
    sub_team_id bigint NOT NULL,
    team_id bigint NOT NULL,
    name text NOT NULL,
    leader_user_id bigint,
    CONSTRAINT sub_teams_name_check CHECK ((length(name) > 0))
);

--
-- Name: sub_teams_sub_team_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.sub_teams ALTER COLUMN sub_team_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.sub_teams_sub_team_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: team_targets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.team_targets (
    team_id bigint NOT NULL,
    figure text NOT NULL,
    target numeric NOT NULL,
    CONSTRAINT team_targets_figure_check CHECK ((figure = ANY (ARRAY['calls_per_hour'::text, 'average_talk_seconds'::text, 'utilisation'::text, 'contacts'::text, 'warm_leads'::text, 'first_contact_resolution'::text, 'talk_seconds'::text, 'dials'::text, 'break_overruns'::text]))),
    CONSTRAINT team_targets_target_check CHECK ((target >= (0)::numeric))
);

--
-- Name: teams; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.teams (
    team_id bigint NOT NULL,
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT teams_name_check CHECK ((length(name) > 0))
);

--
-- Name: teams_team_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.teams ALTER COLUMN team_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.teams_team_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    user_id bigint NOT NULL,
    username text NOT NULL,
    display_name text NOT NULL,
    role public.user_role NOT NULL,
    branch_id bigint,
    team_id bigint,
    password_hash text NOT NULL,
    language text DEFAULT 'zh'::text NOT NULL,
    is_senior boolean DEFAULT false NOT NULL,
    qualification_number text,
    registrations text[] DEFAULT '{}'::text[] NOT NULL,
    audio_leg text DEFAULT 'browser'::text NOT NULL,
    phone_e164 text,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    locked_at timestamp with time zone,
    sub_team_id bigint,
    CONSTRAINT users_audio_leg_check CHECK ((audio_leg = ANY (ARRAY['browser'::text, 'phone'::text, 'simulated'::text]))),
    CONSTRAINT users_branch_roles_have_branch CHECK (((role <> ALL (ARRAY['branch_manager'::public.user_role, 'account_manager'::public.user_role])) OR (branch_id IS NOT NULL))),
    CONSTRAINT users_language_check CHECK ((language = ANY (ARRAY['zh'::text, 'en'::text]))),
    CONSTRAINT users_reps_have_team CHECK (((role <> ALL (ARRAY['telesales_rep'::public.user_role, 'team_leader'::public.user_role])) OR (team_id IS NOT NULL))),
    CONSTRAINT users_username_check CHECK ((username ~ '^[a-z0-9_.-]{2,64}$'::text))
);

--
-- Name: users_user_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.users ALTER COLUMN user_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.users_user_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: web_sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.web_sessions (
    session_hash text NOT NULL,
    user_id bigint NOT NULL,
    csrf_token text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL
);

--
-- Name: workers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.workers (
    worker_id text NOT NULL,
    host text NOT NULL,
    pid integer NOT NULL,
    started_at timestamp with time zone NOT NULL,
    heartbeat_at timestamp with time zone NOT NULL,
    draining boolean DEFAULT false NOT NULL,
    stopped_at timestamp with time zone
);

--
-- Name: campaign_lease_events lease_event_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_lease_events ALTER COLUMN lease_event_id SET DEFAULT nextval('public.campaign_lease_events_lease_event_id_seq'::regclass);

--
-- Name: carrier_grants carrier_grant_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.carrier_grants ALTER COLUMN carrier_grant_id SET DEFAULT nextval('public.carrier_grants_carrier_grant_id_seq'::regclass);

--
-- Name: account_phones account_phones_account_id_e164_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_phones
    ADD CONSTRAINT account_phones_account_id_e164_key UNIQUE (account_id, e164);

--
-- Name: account_phones account_phones_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_phones
    ADD CONSTRAINT account_phones_pkey PRIMARY KEY (phone_id);

--
-- Name: accounts accounts_account_number_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_account_number_key UNIQUE (account_number);

--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (account_id);

--
-- Name: agent_sessions agent_sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_sessions
    ADD CONSTRAINT agent_sessions_pkey PRIMARY KEY (agent_session_id);

--
-- Name: api_tokens api_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_pkey PRIMARY KEY (token_id);

--
-- Name: api_tokens api_tokens_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash);

--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (audit_id);

--
-- Name: branches branches_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.branches
    ADD CONSTRAINT branches_code_key UNIQUE (code);

--
-- Name: branches branches_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.branches
    ADD CONSTRAINT branches_pkey PRIMARY KEY (branch_id);

--
-- Name: call_attempts call_attempts_idempotency_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.call_attempts
    ADD CONSTRAINT call_attempts_idempotency_key_key UNIQUE (idempotency_key);

--
-- Name: call_attempts call_attempts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.call_attempts
    ADD CONSTRAINT call_attempts_pkey PRIMARY KEY (call_attempt_id);

--
-- Name: call_attempts call_attempts_provider_call_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.call_attempts
    ADD CONSTRAINT call_attempts_provider_call_id_key UNIQUE (provider_call_id);

--
-- Name: call_recordings call_recordings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.call_recordings
    ADD CONSTRAINT call_recordings_pkey PRIMARY KEY (recording_id);

--
-- Name: call_recordings call_recordings_provider_provider_recording_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.call_recordings
    ADD CONSTRAINT call_recordings_provider_provider_recording_id_key UNIQUE (provider, provider_recording_id);

--
-- Name: callbacks callbacks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.callbacks
    ADD CONSTRAINT callbacks_pkey PRIMARY KEY (callback_id);

--
-- Name: campaign_lease_events campaign_lease_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_lease_events
    ADD CONSTRAINT campaign_lease_events_pkey PRIMARY KEY (lease_event_id);

--
-- Name: campaign_leases campaign_leases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_leases
    ADD CONSTRAINT campaign_leases_pkey PRIMARY KEY (campaign_id);

--
-- Name: campaign_numbers campaign_numbers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_numbers
    ADD CONSTRAINT campaign_numbers_pkey PRIMARY KEY (campaign_id, phone_id);

--
-- Name: campaigns campaigns_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns
    ADD CONSTRAINT campaigns_name_key UNIQUE (name);

--
-- Name: campaigns campaigns_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns
    ADD CONSTRAINT campaigns_pkey PRIMARY KEY (campaign_id);

--
-- Name: carrier_budgets carrier_budgets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.carrier_budgets
    ADD CONSTRAINT carrier_budgets_pkey PRIMARY KEY (provider);

--
-- Name: carrier_grants carrier_grants_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.carrier_grants
    ADD CONSTRAINT carrier_grants_pkey PRIMARY KEY (carrier_grant_id);

--
-- Name: complaint_calls complaint_calls_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaint_calls
    ADD CONSTRAINT complaint_calls_pkey PRIMARY KEY (complaint_id, call_attempt_id);

--
-- Name: complaint_people complaint_people_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaint_people
    ADD CONSTRAINT complaint_people_pkey PRIMARY KEY (complaint_id, user_id);

--
-- Name: complaints complaints_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaints
    ADD CONSTRAINT complaints_pkey PRIMARY KEY (complaint_id);

--
-- Name: consents consents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consents
    ADD CONSTRAINT consents_pkey PRIMARY KEY (consent_id);

--
-- Name: console_connections console_connections_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.console_connections
    ADD CONSTRAINT console_connections_pkey PRIMARY KEY (console_connection_id);

--
-- Name: conversions conversions_external_ref_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversions
    ADD CONSTRAINT conversions_external_ref_key UNIQUE (external_ref);

--
-- Name: conversions conversions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversions
    ADD CONSTRAINT conversions_pkey PRIMARY KEY (conversion_id);

--
-- Name: customer_access_log customer_access_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customer_access_log
    ADD CONSTRAINT customer_access_log_pkey PRIMARY KEY (access_id);

--
-- Name: disposition_codes disposition_codes_campaign_id_hotkey_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.disposition_codes
    ADD CONSTRAINT disposition_codes_campaign_id_hotkey_key UNIQUE (campaign_id, hotkey);

--
-- Name: disposition_codes disposition_codes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.disposition_codes
    ADD CONSTRAINT disposition_codes_pkey PRIMARY KEY (campaign_id, code);

--
-- Name: dispositions dispositions_idempotency_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispositions
    ADD CONSTRAINT dispositions_idempotency_key_key UNIQUE (idempotency_key);

--
-- Name: dispositions dispositions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispositions
    ADD CONSTRAINT dispositions_pkey PRIMARY KEY (disposition_id);

--
-- Name: dnc_entries dnc_entries_e164_source_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dnc_entries
    ADD CONSTRAINT dnc_entries_e164_source_key UNIQUE (e164, source);

--
-- Name: dnc_entries dnc_entries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dnc_entries
    ADD CONSTRAINT dnc_entries_pkey PRIMARY KEY (dnc_entry_id);

--
-- Name: dnc_snapshots dnc_snapshots_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dnc_snapshots
    ADD CONSTRAINT dnc_snapshots_pkey PRIMARY KEY (snapshot_id);

--
-- Name: excellent_recordings excellent_recordings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.excellent_recordings
    ADD CONSTRAINT excellent_recordings_pkey PRIMARY KEY (serial);

--
-- Name: excellent_recordings excellent_recordings_recording_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.excellent_recordings
    ADD CONSTRAINT excellent_recordings_recording_id_key UNIQUE (recording_id);

--
-- Name: import_jobs import_jobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.import_jobs
    ADD CONSTRAINT import_jobs_pkey PRIMARY KEY (job_id);

--
-- Name: import_rejects import_rejects_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.import_rejects
    ADD CONSTRAINT import_rejects_pkey PRIMARY KEY (import_id, line_number);

--
-- Name: lead_notices lead_notices_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lead_notices
    ADD CONSTRAINT lead_notices_pkey PRIMARY KEY (notice_id);

--
-- Name: leaderboard_weights leaderboard_weights_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leaderboard_weights
    ADD CONSTRAINT leaderboard_weights_pkey PRIMARY KEY (figure);

--
-- Name: leads leads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_pkey PRIMARY KEY (lead_id);

--
-- Name: list_imports list_imports_list_import; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.list_imports
    ADD CONSTRAINT list_imports_list_import UNIQUE (list_id, import_id);

--
-- Name: list_imports list_imports_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.list_imports
    ADD CONSTRAINT list_imports_pkey PRIMARY KEY (import_id);

--
-- Name: list_mapping_presets list_mapping_presets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.list_mapping_presets
    ADD CONSTRAINT list_mapping_presets_pkey PRIMARY KEY (name);

--
-- Name: list_memberships list_memberships_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.list_memberships
    ADD CONSTRAINT list_memberships_pkey PRIMARY KEY (list_id, account_id);

--
-- Name: lists lists_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lists
    ADD CONSTRAINT lists_name_key UNIQUE (name);

--
-- Name: lists lists_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lists
    ADD CONSTRAINT lists_pkey PRIMARY KEY (list_id);

--
-- Name: login_forms login_forms_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.login_forms
    ADD CONSTRAINT login_forms_pkey PRIMARY KEY (pre_session_hash);

--
-- Name: login_throttle login_throttle_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.login_throttle
    ADD CONSTRAINT login_throttle_pkey PRIMARY KEY (key);

--
-- Name: monitoring_sessions monitoring_sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.monitoring_sessions
    ADD CONSTRAINT monitoring_sessions_pkey PRIMARY KEY (monitoring_id);

--
-- Name: pause_limits pause_limits_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pause_limits
    ADD CONSTRAINT pause_limits_pkey PRIMARY KEY (pause_code);

--
-- Name: planner_jobs planner_jobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.planner_jobs
    ADD CONSTRAINT planner_jobs_pkey PRIMARY KEY (planner_job_id);

--
-- Name: preview_decisions preview_decisions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.preview_decisions
    ADD CONSTRAINT preview_decisions_pkey PRIMARY KEY (preview_decision_id);

--
-- Name: preview_offers preview_offers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.preview_offers
    ADD CONSTRAINT preview_offers_pkey PRIMARY KEY (campaign_id, account_id, user_id);

--
-- Name: products products_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.products
    ADD CONSTRAINT products_code_key UNIQUE (code);

--
-- Name: products products_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.products
    ADD CONSTRAINT products_pkey PRIMARY KEY (product_id);

--
-- Name: provider_callbacks provider_callbacks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.provider_callbacks
    ADD CONSTRAINT provider_callbacks_pkey PRIMARY KEY (dedupe_key);

--
-- Name: qa_comments qa_comments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_comments
    ADD CONSTRAINT qa_comments_pkey PRIMARY KEY (comment_id);

--
-- Name: qa_review_items qa_review_items_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_review_items
    ADD CONSTRAINT qa_review_items_pkey PRIMARY KEY (review_id, item_key);

--
-- Name: qa_reviews qa_reviews_call_attempt_id_reason_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_reviews
    ADD CONSTRAINT qa_reviews_call_attempt_id_reason_key UNIQUE (call_attempt_id, reason);

--
-- Name: qa_reviews qa_reviews_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_reviews
    ADD CONSTRAINT qa_reviews_pkey PRIMARY KEY (review_id);

--
-- Name: qa_sample_runs qa_sample_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_sample_runs
    ADD CONSTRAINT qa_sample_runs_pkey PRIMARY KEY (team_id, sampled_on);

--
-- Name: qa_sampling_plans qa_sampling_plans_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_sampling_plans
    ADD CONSTRAINT qa_sampling_plans_pkey PRIMARY KEY (team_id);

--
-- Name: qa_scorecards qa_scorecards_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_scorecards
    ADD CONSTRAINT qa_scorecards_name_key UNIQUE (name);

--
-- Name: qa_scorecards qa_scorecards_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_scorecards
    ADD CONSTRAINT qa_scorecards_pkey PRIMARY KEY (scorecard_id);

--
-- Name: recording_callbacks recording_callbacks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recording_callbacks
    ADD CONSTRAINT recording_callbacks_pkey PRIMARY KEY (dedupe_key);

--
-- Name: recording_deletions recording_deletions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recording_deletions
    ADD CONSTRAINT recording_deletions_pkey PRIMARY KEY (deletion_id);

--
-- Name: recording_opt_outs recording_opt_outs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recording_opt_outs
    ADD CONSTRAINT recording_opt_outs_pkey PRIMARY KEY (account_id);

--
-- Name: revenue_ledger revenue_ledger_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revenue_ledger
    ADD CONSTRAINT revenue_ledger_pkey PRIMARY KEY (entry_id);

--
-- Name: revenue_rule_sets revenue_rule_sets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revenue_rule_sets
    ADD CONSTRAINT revenue_rule_sets_pkey PRIMARY KEY (rule_set_id);

--
-- Name: revenue_rule_sets revenue_rule_sets_version_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revenue_rule_sets
    ADD CONSTRAINT revenue_rule_sets_version_key UNIQUE (version);

--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (number);

--
-- Name: scoring_models scoring_models_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.scoring_models
    ADD CONSTRAINT scoring_models_pkey PRIMARY KEY (scoring_model_id);

--
-- Name: scoring_models scoring_models_run_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.scoring_models
    ADD CONSTRAINT scoring_models_run_key_key UNIQUE (run_key);

--
-- Name: scoring_models scoring_models_scope_version_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.scoring_models
    ADD CONSTRAINT scoring_models_scope_version_key UNIQUE (scope, version);

--
-- Name: service_coefficient_rules service_coefficient_rules_effective_from_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.service_coefficient_rules
    ADD CONSTRAINT service_coefficient_rules_effective_from_key UNIQUE (effective_from);

--
-- Name: service_coefficient_rules service_coefficient_rules_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.service_coefficient_rules
    ADD CONSTRAINT service_coefficient_rules_pkey PRIMARY KEY (version);

--
-- Name: service_coefficients service_coefficients_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.service_coefficients
    ADD CONSTRAINT service_coefficients_pkey PRIMARY KEY (coefficient_id);

--
-- Name: sms_opt_outs sms_opt_outs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sms_opt_outs
    ADD CONSTRAINT sms_opt_outs_pkey PRIMARY KEY (e164);

--
-- Name: sms_replies sms_replies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sms_replies
    ADD CONSTRAINT sms_replies_pkey PRIMARY KEY (provider_message_id);

--
-- Name: sms_surveys sms_surveys_call_attempt_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sms_surveys
    ADD CONSTRAINT sms_surveys_call_attempt_id_key UNIQUE (call_attempt_id);

--
-- Name: sms_surveys sms_surveys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sms_surveys
    ADD CONSTRAINT sms_surveys_pkey PRIMARY KEY (survey_id);

--
-- Name: sms_surveys sms_surveys_provider_message_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sms_surveys
    ADD CONSTRAINT sms_surveys_provider_message_id_key UNIQUE (provider_message_id);

--
-- Name: sub_team_points sub_team_points_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sub_team_points
    ADD CONSTRAINT sub_team_points_pkey PRIMARY KEY (sub_team_point_id);

--
-- Name: sub_teams sub_teams_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sub_teams
    ADD CONSTRAINT sub_teams_pkey PRIMARY KEY (sub_team_id);

--
-- Name: sub_teams sub_teams_team_id_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sub_teams
    ADD CONSTRAINT sub_teams_team_id_name_key UNIQUE (team_id, name);

--
-- Name: team_targets team_targets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.team_targets
    ADD CONSTRAINT team_targets_pkey PRIMARY KEY (team_id, figure);

--
-- Name: teams teams_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.teams
    ADD CONSTRAINT teams_name_key UNIQUE (name);

--
-- Name: teams teams_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.teams
    ADD CONSTRAINT teams_pkey PRIMARY KEY (team_id);

--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (user_id);

--
-- Name: users users_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_username_key UNIQUE (username);

--
-- Name: web_sessions web_sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.web_sessions
    ADD CONSTRAINT web_sessions_pkey PRIMARY KEY (session_hash);

--
-- Name: workers workers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.workers
    ADD CONSTRAINT workers_pkey PRIMARY KEY (worker_id);

--
-- Name: account_phones_e164; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX account_phones_e164 ON public.account_phones USING btree (e164);

--
-- Name: accounts_branch; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX accounts_branch ON public.accounts USING btree (branch_id);

--
-- Name: accounts_manager; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX accounts_manager ON public.accounts USING btree (account_manager_id);

--
-- Name: accounts_segment_tier; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX accounts_segment_tier ON public.accounts USING btree (segment, tier);

--
-- Name: agent_sessions_one_open; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX agent_sessions_one_open ON public.agent_sessions USING btree (user_id) WHERE (ended_at IS NULL);

--
-- Name: agent_sessions_started; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX agent_sessions_started ON public.agent_sessions USING btree (started_at);

--
-- Name: agent_state_changes_order; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX agent_state_changes_order ON public.agent_state_changes USING btree (agent_session_id, change_id);

--
-- Name: agent_state_changes_session; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX agent_state_changes_session ON public.agent_state_changes USING btree (agent_session_id, at);

--
-- Name: api_tokens_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX api_tokens_user ON public.api_tokens USING btree (user_id, expires_at) WHERE (revoked_at IS NULL);

--
-- Name: audit_log_compliance_by_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_compliance_by_account ON public.audit_log USING btree (subject_id, at DESC, audit_id DESC) WHERE ((kind = 'compliance_decision'::text) AND (subject_type = 'account'::text));

--
-- Name: audit_log_kind; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_kind ON public.audit_log USING btree (kind, at);

--
-- Name: audit_log_subject; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_subject ON public.audit_log USING btree (subject_type, subject_id, at);

--
-- Name: call_attempts_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX call_attempts_account ON public.call_attempts USING btree (account_id, created_at);

--
-- Name: call_attempts_campaign; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX call_attempts_campaign ON public.call_attempts USING btree (campaign_id, created_at);

--
-- Name: call_attempts_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX call_attempts_created ON public.call_attempts USING btree (created_at);

--
-- Name: call_attempts_e164; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX call_attempts_e164 ON public.call_attempts USING btree (e164, created_at);

--
-- Name: call_attempts_one_live_per_number; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX call_attempts_one_live_per_number ON public.call_attempts USING btree (e164) WHERE (status = ANY (ARRAY['created'::text, 'queued'::text, 'initiated'::text, 'ringing'::text, 'in_progress'::text]));

--
-- Name: call_attempts_unconfirmed; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX call_attempts_unconfirmed ON public.call_attempts USING btree (created_at) WHERE ((status = 'created'::text) AND (provider_call_id IS NULL));

--
-- Name: call_recordings_attempt; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX call_recordings_attempt ON public.call_recordings USING btree (call_attempt_id);

--
-- Name: call_recordings_retention; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX call_recordings_retention ON public.call_recordings USING btree (retain_until) WHERE (deleted_at IS NULL);

--
-- Name: callbacks_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX callbacks_due ON public.callbacks USING btree (campaign_id, due_at) WHERE (status = 'scheduled'::text);

--
-- Name: callbacks_due_by_owner; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX callbacks_due_by_owner ON public.callbacks USING btree (owner_user_id, due_at) WHERE (status = 'scheduled'::text);

--
-- Name: callbacks_one_per_attempt; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX callbacks_one_per_attempt ON public.callbacks USING btree (call_attempt_id) WHERE (call_attempt_id IS NOT NULL);

--
-- Name: campaign_lease_events_campaign; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaign_lease_events_campaign ON public.campaign_lease_events USING btree (campaign_id, at);

--
-- Name: campaign_leases_worker; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaign_leases_worker ON public.campaign_leases USING btree (worker_id) WHERE (worker_id IS NOT NULL);

--
-- Name: campaign_numbers_attempt; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaign_numbers_attempt ON public.campaign_numbers USING btree (call_attempt_id) WHERE (state = 'dialing'::text);

--
-- Name: campaign_numbers_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaign_numbers_due ON public.campaign_numbers USING btree (campaign_id, next_attempt_at) WHERE (state = 'pending'::text);

--
-- Name: campaign_numbers_leases; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaign_numbers_leases ON public.campaign_numbers USING btree (lease_expires_at) WHERE (state = 'leased'::text);

--
-- Name: campaign_numbers_phone; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaign_numbers_phone ON public.campaign_numbers USING btree (phone_id) WHERE (state = ANY (ARRAY['pending'::text, 'leased'::text]));

--
-- Name: carrier_grants_provider; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX carrier_grants_provider ON public.carrier_grants USING btree (provider, granted_at);

--
-- Name: complaint_people_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX complaint_people_user ON public.complaint_people USING btree (user_id);

--
-- Name: consents_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consents_account ON public.consents USING btree (account_id);

--
-- Name: console_connections_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX console_connections_user ON public.console_connections USING btree (user_id, opened_at);

--
-- Name: conversions_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX conversions_account ON public.conversions USING btree (account_id, occurred_on);

--
-- Name: customer_access_log_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customer_access_log_account ON public.customer_access_log USING btree (account_id, at);

--
-- Name: customer_access_log_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customer_access_log_at ON public.customer_access_log USING btree (at);

--
-- Name: customer_access_log_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customer_access_log_user ON public.customer_access_log USING btree (user_id, at);

--
-- Name: dispositions_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dispositions_account ON public.dispositions USING btree (account_id, recorded_at);

--
-- Name: dispositions_one_per_call; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX dispositions_one_per_call ON public.dispositions USING btree (call_attempt_id) WHERE (call_attempt_id IS NOT NULL);

--
-- Name: dispositions_recorded; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dispositions_recorded ON public.dispositions USING btree (recorded_at);

--
-- Name: dnc_entries_live_by_source; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dnc_entries_live_by_source ON public.dnc_entries USING btree (source, snapshot_id) WHERE (expires_at IS NULL);

--
-- Name: dnc_snapshots_latest; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dnc_snapshots_latest ON public.dnc_snapshots USING btree (source, snapshot_date DESC, snapshot_id DESC);

--
-- Name: import_jobs_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX import_jobs_created ON public.import_jobs USING btree (created_at);

--
-- Name: lead_events_lead; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX lead_events_lead ON public.lead_events USING btree (lead_id, at);

--
-- Name: lead_notices_unsent; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX lead_notices_unsent ON public.lead_notices USING btree (notice_id) WHERE (sent_at IS NULL);

--
-- Name: leads_assigned; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX leads_assigned ON public.leads USING btree (assigned_to, state);

--
-- Name: leads_branch_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX leads_branch_state ON public.leads USING btree (branch_id, state);

--
-- Name: leads_centre_pool; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX leads_centre_pool ON public.leads USING btree (closed_at, lead_id) WHERE ((state = 'expired'::text) AND (rerouted_to IS NULL));

--
-- Name: leads_closed; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX leads_closed ON public.leads USING btree (closed_at) WHERE (state = 'won'::text);

--
-- Name: leads_one_open_per_interest; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX leads_one_open_per_interest ON public.leads USING btree (account_id, interest_key) WHERE (state = ANY (ARRAY['new'::text, 'accepted'::text, 'contacted'::text]));

--
-- Name: leads_rerouted_once; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX leads_rerouted_once ON public.leads USING btree (rerouted_to) WHERE (rerouted_to IS NOT NULL);

--
-- Name: list_imports_hash; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX list_imports_hash ON public.list_imports USING btree (content_sha256);

--
-- Name: list_memberships_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX list_memberships_account ON public.list_memberships USING btree (account_id);

--
-- Name: login_forms_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX login_forms_expiry ON public.login_forms USING btree (expires_at);

--
-- Name: monitoring_sessions_one_open; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX monitoring_sessions_one_open ON public.monitoring_sessions USING btree (monitor_user_id) WHERE (ended_at IS NULL);

--
-- Name: planner_jobs_campaign; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX planner_jobs_campaign ON public.planner_jobs USING btree (campaign_id, created_at DESC);

--
-- Name: planner_jobs_queued; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX planner_jobs_queued ON public.planner_jobs USING btree (created_at) WHERE (status = ANY (ARRAY['queued'::text, 'running'::text]));

--
-- Name: preview_decisions_campaign; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX preview_decisions_campaign ON public.preview_decisions USING btree (campaign_id, account_id);

--
-- Name: preview_decisions_one_pending_dial; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX preview_decisions_one_pending_dial ON public.preview_decisions USING btree (campaign_id, account_id) WHERE ((action = 'dial'::text) AND (dialed_call_attempt_id IS NULL));

--
-- Name: preview_offers_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX preview_offers_user ON public.preview_offers USING btree (user_id, account_id);

--
-- Name: provider_callbacks_attempt; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX provider_callbacks_attempt ON public.provider_callbacks USING btree (call_attempt_id);

--
-- Name: provider_callbacks_call; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX provider_callbacks_call ON public.provider_callbacks USING btree (provider_call_id);

--
-- Name: qa_reviews_queue; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX qa_reviews_queue ON public.qa_reviews USING btree (reviewer_id, status);

--
-- Name: qa_reviews_rep; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX qa_reviews_rep ON public.qa_reviews USING btree (rep_user_id, scored_at);

--
-- Name: revenue_ledger_period; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX revenue_ledger_period ON public.revenue_ledger USING btree (period, party_kind, party_id);

--
-- Name: scoring_models_latest; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX scoring_models_latest ON public.scoring_models USING btree (scope, version DESC);

--
-- Name: service_coefficients_latest; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX service_coefficients_latest ON public.service_coefficients USING btree (user_id, period, coefficient_id DESC);

--
-- Name: sms_surveys_number; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sms_surveys_number ON public.sms_surveys USING btree (e164, sent_at DESC);

--
-- Name: sub_team_points_month; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sub_team_points_month ON public.sub_team_points USING btree (month, sub_team_id);

--
-- Name: users_branch_role; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX users_branch_role ON public.users USING btree (branch_id, role);

--
-- Name: web_sessions_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX web_sessions_expiry ON public.web_sessions USING btree (expires_at);

--
-- Name: audit_log audit_log_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.refuse_change();

--
-- Name: audit_log audit_log_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_change();

--
-- Name: call_attempts call_attempts_lease_fence; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER call_attempts_lease_fence BEFORE INSERT ON public.call_attempts FOR EACH ROW EXECUTE FUNCTION public.call_attempts_refuse_stale_lease();

--
-- Name: customer_access_log customer_access_log_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER customer_access_log_append_only BEFORE DELETE OR UPDATE ON public.customer_access_log FOR EACH ROW EXECUTE FUNCTION public.refuse_change();

--
-- Name: customer_access_log customer_access_log_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER customer_access_log_no_truncate BEFORE TRUNCATE ON public.customer_access_log FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_change();

--
-- Name: revenue_ledger revenue_ledger_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER revenue_ledger_append_only BEFORE DELETE OR UPDATE ON public.revenue_ledger FOR EACH ROW EXECUTE FUNCTION public.refuse_change();

--
-- Name: revenue_ledger revenue_ledger_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER revenue_ledger_no_truncate BEFORE TRUNCATE ON public.revenue_ledger FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_change();

--
-- Name: users users_end_sessions; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_end_sessions AFTER UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.end_sessions_on_user_change();

--
-- Name: account_phones account_phones_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_phones
    ADD CONSTRAINT account_phones_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id) ON DELETE CASCADE;

--
-- Name: accounts accounts_account_manager_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_account_manager_id_fkey FOREIGN KEY (account_manager_id) REFERENCES public.users(user_id);

--
-- Name: accounts accounts_branch_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_branch_id_fkey FOREIGN KEY (branch_id) REFERENCES public.branches(branch_id);

--
-- Name: agent_sessions agent_sessions_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_sessions
    ADD CONSTRAINT agent_sessions_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(campaign_id);

--
-- Name: agent_sessions agent_sessions_current_call_attempt_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_sessions
    ADD CONSTRAINT agent_sessions_current_call_attempt_id_fkey FOREIGN KEY (current_call_attempt_id) REFERENCES public.call_attempts(call_attempt_id);

--
-- Name: agent_sessions agent_sessions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_sessions
    ADD CONSTRAINT agent_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id);

--
-- Name: agent_state_changes agent_state_changes_agent_session_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_state_changes
    ADD CONSTRAINT agent_state_changes_agent_session_id_fkey FOREIGN KEY (agent_session_id) REFERENCES public.agent_sessions(agent_session_id);

--
-- Name: api_tokens api_tokens_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id) ON DELETE CASCADE;

--
-- Name: call_attempts call_attempts_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.call_attempts
    ADD CONSTRAINT call_attempts_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);

--
-- Name: call_attempts call_attempts_agent_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.call_attempts
    ADD CONSTRAINT call_attempts_agent_user_id_fkey FOREIGN KEY (agent_user_id) REFERENCES public.users(user_id);

--
-- Name: call_attempts call_attempts_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.call_attempts
    ADD CONSTRAINT call_attempts_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(campaign_id);

--
-- Name: call_attempts call_attempts_phone_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.call_attempts
    ADD CONSTRAINT call_attempts_phone_id_fkey FOREIGN KEY (phone_id) REFERENCES public.account_phones(phone_id);

--
-- Name: call_attempts call_attempts_reserved_agent_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.call_attempts
    ADD CONSTRAINT call_attempts_reserved_agent_user_id_fkey FOREIGN KEY (reserved_agent_user_id) REFERENCES public.users(user_id);

--
-- Name: call_recordings call_recordings_call_attempt_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.call_recordings
    ADD CONSTRAINT call_recordings_call_attempt_id_fkey FOREIGN KEY (call_attempt_id) REFERENCES public.call_attempts(call_attempt_id);

--
-- Name: callbacks callbacks_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.callbacks
    ADD CONSTRAINT callbacks_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);

--
-- Name: callbacks callbacks_call_attempt_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.callbacks
    ADD CONSTRAINT callbacks_call_attempt_id_fkey FOREIGN KEY (call_attempt_id) REFERENCES public.call_attempts(call_attempt_id);

--
-- Name: callbacks callbacks_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.callbacks
    ADD CONSTRAINT callbacks_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(campaign_id);

--
-- Name: callbacks callbacks_disposition_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.callbacks
    ADD CONSTRAINT callbacks_disposition_id_fkey FOREIGN KEY (disposition_id) REFERENCES public.dispositions(disposition_id);

--
-- Name: callbacks callbacks_owner_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.callbacks
    ADD CONSTRAINT callbacks_owner_user_id_fkey FOREIGN KEY (owner_user_id) REFERENCES public.users(user_id);

--
-- Name: campaign_lease_events campaign_lease_events_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_lease_events
    ADD CONSTRAINT campaign_lease_events_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(campaign_id);

--
-- Name: campaign_leases campaign_leases_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_leases
    ADD CONSTRAINT campaign_leases_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(campaign_id);

--
-- Name: campaign_leases campaign_leases_worker_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_leases
    ADD CONSTRAINT campaign_leases_worker_id_fkey FOREIGN KEY (worker_id) REFERENCES public.workers(worker_id);

--
-- Name: campaign_numbers campaign_numbers_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_numbers
    ADD CONSTRAINT campaign_numbers_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);

--
-- Name: campaign_numbers campaign_numbers_call_attempt_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_numbers
    ADD CONSTRAINT campaign_numbers_call_attempt_id_fkey FOREIGN KEY (call_attempt_id) REFERENCES public.call_attempts(call_attempt_id);

--
-- Name: campaign_numbers campaign_numbers_callback_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_numbers
    ADD CONSTRAINT campaign_numbers_callback_id_fkey FOREIGN KEY (callback_id) REFERENCES public.callbacks(callback_id);

--
-- Name: campaign_numbers campaign_numbers_callback_owner_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_numbers
    ADD CONSTRAINT campaign_numbers_callback_owner_fkey FOREIGN KEY (callback_owner) REFERENCES public.users(user_id);

--
-- Name: campaign_numbers campaign_numbers_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_numbers
    ADD CONSTRAINT campaign_numbers_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(campaign_id);

--
-- Name: campaign_numbers campaign_numbers_phone_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaign_numbers
    ADD CONSTRAINT campaign_numbers_phone_id_fkey FOREIGN KEY (phone_id) REFERENCES public.account_phones(phone_id);

--
-- Name: campaigns campaigns_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns
    ADD CONSTRAINT campaigns_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(user_id);

--
-- Name: campaigns campaigns_product_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns
    ADD CONSTRAINT campaigns_product_id_fkey FOREIGN KEY (product_id) REFERENCES public.products(product_id);

--
-- Name: carrier_grants carrier_grants_provider_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.carrier_grants
    ADD CONSTRAINT carrier_grants_provider_fkey FOREIGN KEY (provider) REFERENCES public.carrier_budgets(provider);

--
-- Name: complaint_calls complaint_calls_call_attempt_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaint_calls
    ADD CONSTRAINT complaint_calls_call_attempt_id_fkey FOREIGN KEY (call_attempt_id) REFERENCES public.call_attempts(call_attempt_id);

--
-- Name: complaint_calls complaint_calls_complaint_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaint_calls
    ADD CONSTRAINT complaint_calls_complaint_id_fkey FOREIGN KEY (complaint_id) REFERENCES public.complaints(complaint_id);

--
-- Name: complaint_people complaint_people_complaint_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaint_people
    ADD CONSTRAINT complaint_people_complaint_id_fkey FOREIGN KEY (complaint_id) REFERENCES public.complaints(complaint_id);

--
-- Name: complaint_people complaint_people_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaint_people
    ADD CONSTRAINT complaint_people_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id);

--
-- Name: complaints complaints_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaints
    ADD CONSTRAINT complaints_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);

--
-- Name: complaints complaints_closed_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaints
    ADD CONSTRAINT complaints_closed_by_fkey FOREIGN KEY (closed_by) REFERENCES public.users(user_id);

--
-- Name: complaints complaints_investigator_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaints
    ADD CONSTRAINT complaints_investigator_id_fkey FOREIGN KEY (investigator_id) REFERENCES public.users(user_id);

--
-- Name: complaints complaints_recorded_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.complaints
    ADD CONSTRAINT complaints_recorded_by_fkey FOREIGN KEY (recorded_by) REFERENCES public.users(user_id);

--
-- Name: consents consents_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consents
    ADD CONSTRAINT consents_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id) ON DELETE CASCADE;

--
-- Name: console_connections console_connections_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.console_connections
    ADD CONSTRAINT console_connections_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id);

--
-- Name: conversions conversions_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversions
    ADD CONSTRAINT conversions_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);

--
-- Name: conversions conversions_attribution_rule_set_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversions
    ADD CONSTRAINT conversions_attribution_rule_set_id_fkey FOREIGN KEY (attribution_rule_set_id) REFERENCES public.revenue_rule_sets(rule_set_id);

--
-- Name: conversions conversions_lead_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversions
    ADD CONSTRAINT conversions_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES public.leads(lead_id);

--
-- Name: customer_access_log customer_access_log_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customer_access_log
    ADD CONSTRAINT customer_access_log_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);

--
-- Name: customer_access_log customer_access_log_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customer_access_log
    ADD CONSTRAINT customer_access_log_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id);

--
-- Name: disposition_codes disposition_codes_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.disposition_codes
    ADD CONSTRAINT disposition_codes_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(campaign_id) ON DELETE CASCADE;

--
-- Name: dispositions dispositions_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispositions
    ADD CONSTRAINT dispositions_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);

--
-- Name: dispositions dispositions_agent_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispositions
    ADD CONSTRAINT dispositions_agent_user_id_fkey FOREIGN KEY (agent_user_id) REFERENCES public.users(user_id);

--
-- Name: dispositions dispositions_call_attempt_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispositions
    ADD CONSTRAINT dispositions_call_attempt_id_fkey FOREIGN KEY (call_attempt_id) REFERENCES public.call_attempts(call_attempt_id);

--
-- Name: dispositions dispositions_campaign_id_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispositions
    ADD CONSTRAINT dispositions_campaign_id_code_fkey FOREIGN KEY (campaign_id, code) REFERENCES public.disposition_codes(campaign_id, code);

--
-- Name: dnc_entries dnc_entries_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dnc_entries
    ADD CONSTRAINT dnc_entries_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);

--
-- Name: dnc_entries dnc_entries_snapshot_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dnc_entries
    ADD CONSTRAINT dnc_entries_snapshot_id_fkey FOREIGN KEY (snapshot_id) REFERENCES public.dnc_snapshots(snapshot_id);

--
-- Name: excellent_recordings excellent_recordings_nominated_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.excellent_recordings
    ADD CONSTRAINT excellent_recordings_nominated_by_fkey FOREIGN KEY (nominated_by) REFERENCES public.users(user_id);

--
-- Name: excellent_recordings excellent_recordings_recording_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.excellent_recordings
    ADD CONSTRAINT excellent_recordings_recording_id_fkey FOREIGN KEY (recording_id) REFERENCES public.call_recordings(recording_id);

--
-- Name: excellent_recordings excellent_recordings_review_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.excellent_recordings
    ADD CONSTRAINT excellent_recordings_review_id_fkey FOREIGN KEY (review_id) REFERENCES public.qa_reviews(review_id);

--
-- Name: import_jobs import_jobs_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.import_jobs
    ADD CONSTRAINT import_jobs_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(user_id);

--
-- Name: import_rejects import_rejects_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.import_rejects
    ADD CONSTRAINT import_rejects_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.list_imports(import_id) ON DELETE CASCADE;

--
-- Name: lead_events lead_events_actor_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lead_events
    ADD CONSTRAINT lead_events_actor_user_id_fkey FOREIGN KEY (actor_user_id) REFERENCES public.users(user_id);

--
-- Name: lead_events lead_events_lead_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lead_events
    ADD CONSTRAINT lead_events_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES public.leads(lead_id);

--
-- Name: lead_notices lead_notices_branch_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lead_notices
    ADD CONSTRAINT lead_notices_branch_id_fkey FOREIGN KEY (branch_id) REFERENCES public.branches(branch_id);

--
-- Name: lead_notices lead_notices_lead_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lead_notices
    ADD CONSTRAINT lead_notices_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES public.leads(lead_id);

--
-- Name: leads leads_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);

--
-- Name: leads leads_assigned_to_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_assigned_to_fkey FOREIGN KEY (assigned_to) REFERENCES public.users(user_id);

--
-- Name: leads leads_branch_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_branch_id_fkey FOREIGN KEY (branch_id) REFERENCES public.branches(branch_id);

--
-- Name: leads leads_call_attempt_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_call_attempt_id_fkey FOREIGN KEY (call_attempt_id) REFERENCES public.call_attempts(call_attempt_id);

--
-- Name: leads leads_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(campaign_id);

--
-- Name: leads leads_disposition_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_disposition_id_fkey FOREIGN KEY (disposition_id) REFERENCES public.dispositions(disposition_id);

--
-- Name: leads leads_product_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_product_id_fkey FOREIGN KEY (product_id) REFERENCES public.products(product_id);

--
-- Name: leads leads_rep_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_rep_user_id_fkey FOREIGN KEY (rep_user_id) REFERENCES public.users(user_id);

--
-- Name: leads leads_rerouted_to_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leads
    ADD CONSTRAINT leads_rerouted_to_fkey FOREIGN KEY (rerouted_to) REFERENCES public.leads(lead_id);

--
-- Name: list_imports list_imports_list_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.list_imports
    ADD CONSTRAINT list_imports_list_id_fkey FOREIGN KEY (list_id) REFERENCES public.lists(list_id);

--
-- Name: list_mapping_presets list_mapping_presets_updated_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.list_mapping_presets
    ADD CONSTRAINT list_mapping_presets_updated_by_fkey FOREIGN KEY (updated_by) REFERENCES public.users(user_id);

--
-- Name: list_memberships list_memberships_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.list_memberships
    ADD CONSTRAINT list_memberships_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id) ON DELETE CASCADE;

--
-- Name: list_memberships list_memberships_import_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.list_memberships
    ADD CONSTRAINT list_memberships_import_fkey FOREIGN KEY (list_id, import_id) REFERENCES public.list_imports(list_id, import_id);

--
-- Name: lists lists_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lists
    ADD CONSTRAINT lists_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(user_id);

--
-- Name: monitoring_sessions monitoring_sessions_call_attempt_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.monitoring_sessions
    ADD CONSTRAINT monitoring_sessions_call_attempt_id_fkey FOREIGN KEY (call_attempt_id) REFERENCES public.call_attempts(call_attempt_id);

--
-- Name: monitoring_sessions monitoring_sessions_monitor_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.monitoring_sessions
    ADD CONSTRAINT monitoring_sessions_monitor_user_id_fkey FOREIGN KEY (monitor_user_id) REFERENCES public.users(user_id);

--
-- Name: monitoring_sessions monitoring_sessions_rep_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.monitoring_sessions
    ADD CONSTRAINT monitoring_sessions_rep_user_id_fkey FOREIGN KEY (rep_user_id) REFERENCES public.users(user_id);

--
-- Name: planner_jobs planner_jobs_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.planner_jobs
    ADD CONSTRAINT planner_jobs_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(campaign_id);

--
-- Name: planner_jobs planner_jobs_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.planner_jobs
    ADD CONSTRAINT planner_jobs_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(user_id);

--
-- Name: preview_decisions preview_decisions_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.preview_decisions
    ADD CONSTRAINT preview_decisions_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);

--
-- Name: preview_decisions preview_decisions_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.preview_decisions
    ADD CONSTRAINT preview_decisions_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(campaign_id);

--
-- Name: preview_decisions preview_decisions_dialed_call_attempt_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.preview_decisions
    ADD CONSTRAINT preview_decisions_dialed_call_attempt_id_fkey FOREIGN KEY (dialed_call_attempt_id) REFERENCES public.call_attempts(call_attempt_id);

--
-- Name: preview_decisions preview_decisions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.preview_decisions
    ADD CONSTRAINT preview_decisions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id);

--
-- Name: preview_offers preview_offers_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.preview_offers
    ADD CONSTRAINT preview_offers_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);

--
-- Name: preview_offers preview_offers_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.preview_offers
    ADD CONSTRAINT preview_offers_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(campaign_id);

--
-- Name: preview_offers preview_offers_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.preview_offers
    ADD CONSTRAINT preview_offers_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id);

--
-- Name: provider_callbacks provider_callbacks_call_attempt_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.provider_callbacks
    ADD CONSTRAINT provider_callbacks_call_attempt_id_fkey FOREIGN KEY (call_attempt_id) REFERENCES public.call_attempts(call_attempt_id);

--
-- Name: qa_comments qa_comments_author_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_comments
    ADD CONSTRAINT qa_comments_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.users(user_id);

--
-- Name: qa_comments qa_comments_review_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_comments
    ADD CONSTRAINT qa_comments_review_id_fkey FOREIGN KEY (review_id) REFERENCES public.qa_reviews(review_id);

--
-- Name: qa_review_items qa_review_items_review_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_review_items
    ADD CONSTRAINT qa_review_items_review_id_fkey FOREIGN KEY (review_id) REFERENCES public.qa_reviews(review_id);

--
-- Name: qa_reviews qa_reviews_call_attempt_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_reviews
    ADD CONSTRAINT qa_reviews_call_attempt_id_fkey FOREIGN KEY (call_attempt_id) REFERENCES public.call_attempts(call_attempt_id);

--
-- Name: qa_reviews qa_reviews_disputes_review_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_reviews
    ADD CONSTRAINT qa_reviews_disputes_review_id_fkey FOREIGN KEY (disputes_review_id) REFERENCES public.qa_reviews(review_id);

--
-- Name: qa_reviews qa_reviews_recording_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_reviews
    ADD CONSTRAINT qa_reviews_recording_id_fkey FOREIGN KEY (recording_id) REFERENCES public.call_recordings(recording_id);

--
-- Name: qa_reviews qa_reviews_rep_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_reviews
    ADD CONSTRAINT qa_reviews_rep_user_id_fkey FOREIGN KEY (rep_user_id) REFERENCES public.users(user_id);

--
-- Name: qa_reviews qa_reviews_reviewer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_reviews
    ADD CONSTRAINT qa_reviews_reviewer_id_fkey FOREIGN KEY (reviewer_id) REFERENCES public.users(user_id);

--
-- Name: qa_reviews qa_reviews_scorecard_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_reviews
    ADD CONSTRAINT qa_reviews_scorecard_id_fkey FOREIGN KEY (scorecard_id) REFERENCES public.qa_scorecards(scorecard_id);

--
-- Name: qa_sample_runs qa_sample_runs_team_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_sample_runs
    ADD CONSTRAINT qa_sample_runs_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.teams(team_id);

--
-- Name: qa_sampling_plans qa_sampling_plans_scorecard_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_sampling_plans
    ADD CONSTRAINT qa_sampling_plans_scorecard_id_fkey FOREIGN KEY (scorecard_id) REFERENCES public.qa_scorecards(scorecard_id);

--
-- Name: qa_sampling_plans qa_sampling_plans_team_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.qa_sampling_plans
    ADD CONSTRAINT qa_sampling_plans_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.teams(team_id);

--
-- Name: recording_deletions recording_deletions_recording_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recording_deletions
    ADD CONSTRAINT recording_deletions_recording_id_fkey FOREIGN KEY (recording_id) REFERENCES public.call_recordings(recording_id);

--
-- Name: recording_opt_outs recording_opt_outs_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recording_opt_outs
    ADD CONSTRAINT recording_opt_outs_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);

--
-- Name: recording_opt_outs recording_opt_outs_recorded_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recording_opt_outs
    ADD CONSTRAINT recording_opt_outs_recorded_by_fkey FOREIGN KEY (recorded_by) REFERENCES public.users(user_id);

--
-- Name: revenue_ledger revenue_ledger_call_attempt_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revenue_ledger
    ADD CONSTRAINT revenue_ledger_call_attempt_id_fkey FOREIGN KEY (call_attempt_id) REFERENCES public.call_attempts(call_attempt_id);

--
-- Name: revenue_ledger revenue_ledger_conversion_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revenue_ledger
    ADD CONSTRAINT revenue_ledger_conversion_id_fkey FOREIGN KEY (conversion_id) REFERENCES public.conversions(conversion_id);

--
-- Name: revenue_ledger revenue_ledger_lead_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revenue_ledger
    ADD CONSTRAINT revenue_ledger_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES public.leads(lead_id);

--
-- Name: revenue_ledger revenue_ledger_reverses_entry_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revenue_ledger
    ADD CONSTRAINT revenue_ledger_reverses_entry_id_fkey FOREIGN KEY (reverses_entry_id) REFERENCES public.revenue_ledger(entry_id);

--
-- Name: revenue_ledger revenue_ledger_rule_set_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revenue_ledger
    ADD CONSTRAINT revenue_ledger_rule_set_id_fkey FOREIGN KEY (rule_set_id) REFERENCES public.revenue_rule_sets(rule_set_id);

--
-- Name: scoring_models scoring_models_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.scoring_models
    ADD CONSTRAINT scoring_models_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(campaign_id);

--
-- Name: service_coefficients service_coefficients_rule_version_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.service_coefficients
    ADD CONSTRAINT service_coefficients_rule_version_fkey FOREIGN KEY (rule_version) REFERENCES public.service_coefficient_rules(version);

--
-- Name: service_coefficients service_coefficients_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.service_coefficients
    ADD CONSTRAINT service_coefficients_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id);

--
-- Name: sms_replies sms_replies_survey_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sms_replies
    ADD CONSTRAINT sms_replies_survey_id_fkey FOREIGN KEY (survey_id) REFERENCES public.sms_surveys(survey_id);

--
-- Name: sms_surveys sms_surveys_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sms_surveys
    ADD CONSTRAINT sms_surveys_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);

--
-- Name: sms_surveys sms_surveys_call_attempt_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sms_surveys
    ADD CONSTRAINT sms_surveys_call_attempt_id_fkey FOREIGN KEY (call_attempt_id) REFERENCES public.call_attempts(call_attempt_id);

--
-- Name: sms_surveys sms_surveys_rep_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sms_surveys
    ADD CONSTRAINT sms_surveys_rep_user_id_fkey FOREIGN KEY (rep_user_id) REFERENCES public.users(user_id);

--
-- Name: sub_team_points sub_team_points_recorded_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sub_team_points
    ADD CONSTRAINT sub_team_points_recorded_by_fkey FOREIGN KEY (recorded_by) REFERENCES public.users(user_id);

--
-- Name: sub_team_points sub_team_points_sub_team_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sub_team_points
    ADD CONSTRAINT sub_team_points_sub_team_id_fkey FOREIGN KEY (sub_team_id) REFERENCES public.sub_teams(sub_team_id);

--
-- Name: sub_teams sub_teams_leader_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sub_teams
    ADD CONSTRAINT sub_teams_leader_user_id_fkey FOREIGN KEY (leader_user_id) REFERENCES public.users(user_id);

--
-- Name: sub_teams sub_teams_team_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sub_teams
    ADD CONSTRAINT sub_teams_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.teams(team_id);

--
-- Name: team_targets team_targets_team_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.team_targets
    ADD CONSTRAINT team_targets_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.teams(team_id);

--
-- Name: users users_branch_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_branch_id_fkey FOREIGN KEY (branch_id) REFERENCES public.branches(branch_id);

--
-- Name: users users_sub_team_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_sub_team_id_fkey FOREIGN KEY (sub_team_id) REFERENCES public.sub_teams(sub_team_id);

--
-- Name: users users_team_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.teams(team_id);

--
-- Name: web_sessions web_sessions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.web_sessions
    ADD CONSTRAINT web_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id) ON DELETE CASCADE;

--
-- PostgreSQL database dump complete
--
