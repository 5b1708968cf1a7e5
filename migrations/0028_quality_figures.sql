-- QA score and 短信满意度 as leaderboard figures (docs/figures.md), and the daily QA
-- sampling run once per team and day however many engine workers run the job.
ALTER TABLE leaderboard_weights DROP CONSTRAINT leaderboard_weights_figure_check;
ALTER TABLE leaderboard_weights ADD CONSTRAINT leaderboard_weights_figure_check CHECK (figure IN (
    'calls_per_hour', 'average_talk_seconds', 'first_contact_resolution', 'utilisation',
    'contacts', 'warm_leads', 'contact_rate', 'talk_seconds', 'dials', 'leads_won',
    'qa_score', 'sms_satisfaction'));

-- one row per team and day sampled: the sampler claims it before queueing the sample
CREATE TABLE qa_sample_runs (
    team_id    bigint NOT NULL REFERENCES teams,
    sampled_on date NOT NULL,
    queued     integer NOT NULL DEFAULT 0,
    ran_at     timestamptz NOT NULL,
    PRIMARY KEY (team_id, sampled_on)
);
