"""The engine package's exceptions: one root, each subclass's docstring reads as its message."""

from __future__ import annotations


class EngineError(Exception):
    """The campaign engine cannot run this campaign as configured; the message says why."""


class CallBoundElsewhere(EngineError):
    """The provider's call is already bound to another call attempt: this one is left as it is."""
