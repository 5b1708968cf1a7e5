"""The revenue package's exceptions: one root, one subclass per thing that can be wrong."""

from __future__ import annotations


class RevenueError(Exception):
    """Something about revenue attribution, splitting or the ledger was wrong."""


class RuleSetInvalid(RevenueError, ValueError):
    """A revenue rule set is inconsistent: fix the firm's rule configuration."""


class NoRuleInForce(RevenueError):
    """No revenue rule version was in force at that moment: add a version that covers it."""


class RevenueNotCounted(RevenueError):
    """This revenue does not count toward that conversion under the rules in force."""


class AmountInvalid(RevenueError, ValueError):
    """A money amount is not a whole number of cents, or has the wrong sign."""


class NothingToReverse(RevenueError):
    """The ledger holds no open balance to reverse or claw back for that revenue."""


class LedgerInconsistent(RevenueError):
    """Ledger entries contradict each other (duplicate keys or mixed currencies)."""
