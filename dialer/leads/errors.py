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


class NotInPool(LeadError):
    """The lead is not in the centre's pool: only an expired lead not yet re-routed, or an
    open lead with no branch, can be re-routed; reload the pool."""


class RerouteRefused(LeadError):
    """The lead cannot go to that branch: a customer with an account manager goes back to
    that manager's branch; an orphan goes to their own branch or the one you name."""


class OpenLeadExists(LeadError):
    """The customer already has an open lead for this product: work that lead; one open lead
    per customer and product is allowed."""
