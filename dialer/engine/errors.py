"""The engine package's exceptions: one root, each subclass's docstring reads as its message."""

from __future__ import annotations


class EngineError(Exception):
    """The campaign engine cannot run this campaign as configured; the message says why."""


class CallBoundElsewhere(EngineError):
    """The provider's call is already bound to another call attempt: this one is left as it is."""


class StaleLease(Exception):
    """The database refused a write made under a campaign lease this engine's worker no
    longer holds (another worker took the campaign over): the engine must stop."""
