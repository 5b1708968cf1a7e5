"""The compliance package's exceptions: one root, each subclass says what to do."""

from __future__ import annotations


class ComplianceError(Exception):
    """A compliance decision could not be made; fix the input or the rule configuration."""


class NoRuleSetInForce(ComplianceError):
    """No rule-set version of this jurisdiction is in force on that date: add one whose
    effective_from is on or before it."""


class InvalidCase(ComplianceError):
    """An explain case is malformed: correct the line named in the message."""
