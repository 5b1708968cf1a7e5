"""Who may listen to a call's recording: the rep on their own calls, the team leader of
the rep's team, QA reviewers and compliance officers. Nobody else (not another team's
leader, not another rep, not a manager) — a pure rule over the facts of one call."""

from __future__ import annotations

from dialer.http import Role

LISTENER_ROLES = frozenset(
    {Role.TELESALES_REP, Role.TEAM_LEADER, Role.QA_REVIEWER, Role.COMPLIANCE_OFFICER}
)


def may_listen(
    role: Role,
    user_id: int,
    user_team_id: int | None,
    rep_user_id: int | None,
    rep_team_id: int | None,
) -> bool:
    if role in (Role.QA_REVIEWER, Role.COMPLIANCE_OFFICER):
        return True
    if role is Role.TELESALES_REP:
        return rep_user_id is not None and rep_user_id == user_id
    if role is Role.TEAM_LEADER:
        return user_team_id is not None and rep_team_id == user_team_id
    return False
