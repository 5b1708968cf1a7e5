"""What an account manager can do with a lead, and which state that leads to (pure).

new --accept--> accepted --contact reached--> contacted --won/lost--> won | lost
A contact attempt that does not reach the customer is recorded without changing state.
An outcome needs the lead accepted first, so every closed lead has an owner who took it.
A lead whose first contact is missed for too long expires (the SLA, ``sla_jobs``): closed
for its branch and in the centre's pool, where the centre re-routes it (``pool``).

``LEAD_STATES`` are the states the schema's CHECK allows, the API filters by and the branch
inbox shows, in that order.
"""

from __future__ import annotations

from enum import StrEnum

from dialer.leads.errors import LeadError

OPEN_STATES = ("new", "accepted", "contacted")
LEAD_STATES = (*OPEN_STATES, "won", "lost", "expired")


class Action(StrEnum):
    ACCEPT = "accept"
    CONTACT_REACHED = "contact_reached"
    CONTACT_MISSED = "contact_missed"
    WON = "won"
    LOST = "lost"


class TransitionRefused(LeadError):
    """The lead is not in a state that allows this step: reload it and check its state."""


_FROM: dict[Action, tuple[str, ...]] = {
    Action.ACCEPT: ("new",),
    Action.CONTACT_REACHED: ("accepted", "contacted"),
    Action.CONTACT_MISSED: ("accepted", "contacted"),
    Action.WON: ("accepted", "contacted"),
    Action.LOST: ("accepted", "contacted"),
}


def allowed_from(action: Action) -> tuple[str, ...]:
    """The states in which ``action`` may be taken."""
    return _FROM[action]


def next_state(state: str, action: Action) -> str:
    """The state after ``action``; raises TransitionRefused when it is not allowed."""
    if state not in _FROM[action]:
        hint = (
            "accept it first"
            if state == "new"
            else "it is closed"
            if state not in OPEN_STATES
            else ""
        )
        raise TransitionRefused(
            f"cannot {action.value.replace('_', ' ')} a lead that is {state}"
            + (f": {hint}" if hint else "")
        )
    if action is Action.ACCEPT:
        return "accepted"
    if action is Action.CONTACT_REACHED:
        return "contacted"
    if action is Action.CONTACT_MISSED:
        return state
    return action.value
