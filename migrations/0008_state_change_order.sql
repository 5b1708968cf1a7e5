-- 0008: state changes recorded at the same instant (reserved, then on the call) keep the
-- order they were made in, so time in each state is computed from the right neighbour.
ALTER TABLE agent_state_changes ADD COLUMN change_id bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX agent_state_changes_order ON agent_state_changes (agent_session_id, change_id);
