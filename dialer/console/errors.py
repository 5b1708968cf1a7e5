"""Moved to `dialer.floor.errors`; this name is kept for one release."""

from dialer.floor.errors import (
    AlreadyDisposed,
    CallbackRefused,
    CallNotFound,
    CampaignNotAvailable,
    ConsoleError,
    DispositionRefused,
    IllegalStateChange,
    NothingToPreview,
    NotLoggedIn,
    NotYourCall,
)

__all__ = [
    "AlreadyDisposed",
    "CallbackRefused",
    "CallNotFound",
    "CampaignNotAvailable",
    "ConsoleError",
    "DispositionRefused",
    "IllegalStateChange",
    "NothingToPreview",
    "NotLoggedIn",
    "NotYourCall",
]
