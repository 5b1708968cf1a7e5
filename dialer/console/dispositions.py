"""Moved to `dialer.floor.dispositions`; this name is kept for one release."""

from dialer.floor.dispositions import (
    DISCONNECTED,
    DispositionInput,
    RecordedDisposition,
    callback_instant,
    record_disposition,
)

__all__ = [
    "DISCONNECTED",
    "DispositionInput",
    "RecordedDisposition",
    "callback_instant",
    "record_disposition",
]
