"""Moved to `dialer.floor.sessions`; this name is kept for one release."""

from dialer.floor.sessions import (
    PAUSE_CODES,
    REP_PAUSE_CODES,
    AgentSession,
    can_move,
    current_session,
    go_ready,
    log_in,
    log_out,
    set_agent_state,
)

__all__ = [
    "PAUSE_CODES",
    "REP_PAUSE_CODES",
    "AgentSession",
    "can_move",
    "current_session",
    "go_ready",
    "log_in",
    "log_out",
    "set_agent_state",
]
