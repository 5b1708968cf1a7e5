"""The leads package's exceptions: one root, a subclass per thing that can be wrong."""

from __future__ import annotations


class LeadError(Exception):
    """A warm lead could not be handed off, assigned or changed."""


class AccountNotFound(LeadError):
    """The customer account does not exist: check the account id on the disposition."""


class LeadNotFound(LeadError):
    """No such lead in your branch: check the lead id (branches see only their own leads)."""


class AssignmentRefused(LeadError):
    """The lead cannot be given to that person: pick an active account manager of the
    lead's branch, and only while the lead is open."""
