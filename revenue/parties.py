"""Who shares in revenue: the centre (rep, team), the branch (account manager), the firm."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    """The three sides a statement total belongs to."""

    CENTRE = "centre"
    BRANCH = "branch"
    FIRM = "firm"


class Party(StrEnum):
    """A party to a revenue split. Order matters: it breaks rounding ties (first wins).

    The values are the ``party_kind`` of the database's ``revenue_ledger``."""

    REP = "rep"
    TEAM = "team"
    ACCOUNT_MANAGER = "account_manager"
    BRANCH_POOL = "branch"
    """The branch itself, paid the account manager's share when no manager works the lead."""
    FIRM_RETAINED = "firm"

    @property
    def side(self) -> Side:
        if self in (Party.REP, Party.TEAM):
            return Side.CENTRE
        if self in (Party.ACCOUNT_MANAGER, Party.BRANCH_POOL):
            return Side.BRANCH
        return Side.FIRM


PAYEES: tuple[Party, ...] = (Party.REP, Party.TEAM, Party.ACCOUNT_MANAGER)
"""The parties the rules give a percentage; the firm retains what is left. The branch pool
stands in for the account manager (same percentage, cap and coefficient) when there is none."""
