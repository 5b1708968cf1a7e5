"""Who may see a rep's figures or monitor their calls: the rep's own team leader, and a
supervisor (admin); a rep sees only their own."""

from __future__ import annotations

import asyncpg

from dialer import auth
from dialer.http import Problem, Role
from dialer.sql import load_queries

QUERIES = load_queries("dialer.teamlead")
LEADERS = frozenset({Role.TEAM_LEADER, Role.ADMIN})


async def rep_in_reach(
    executor: asyncpg.Connection | asyncpg.Pool, user: auth.CurrentUser, rep_user_id: int
) -> asyncpg.Record:
    """The rep, if `user` leads them (or is them); else 404 (a rep of another team is not
    shown to exist) or 403."""
    rep: asyncpg.Record | None = await executor.fetchrow(QUERIES["rep_of_team"], rep_user_id)
    if rep is None:
        raise Problem(404, "No such rep", f"There is no rep {rep_user_id}.")
    if user.role is Role.ADMIN or user.user_id == rep_user_id:
        return rep
    if (
        user.role is Role.TEAM_LEADER
        and user.team_id is not None
        and user.team_id == rep["team_id"]
    ):
        return rep
    raise Problem(
        403, "Not your rep", "Only the rep's own team leader (or a supervisor) may do this."
    )


def team_in_reach(user: auth.CurrentUser, asked: str | None, first_team: int | None = None) -> int:
    """The team a leader's page shows: a team leader's own; a supervisor names one (or,
    on a page, sees the first team)."""
    if user.role is Role.TEAM_LEADER:
        if user.team_id is None:
            raise Problem(409, "No team", "You lead no team yet; ask an administrator.")
        return user.team_id
    if asked is not None and asked.isdigit():
        return int(asked)
    if asked is None and first_team is not None:
        return first_team
    raise Problem(400, "Which team?", "Name the team: ?team=<team id>.")
