"""The floor's exceptions, shown to the rep by the console: one root; each subclass says
what went wrong and what to do."""

from __future__ import annotations


class ConsoleError(Exception):
    """A console action could not be done; the message says why and what to do."""

    status = 409


class NotLoggedIn(ConsoleError):
    """The rep is not logged in to a campaign: log in to one first."""

    status = 409


class IllegalStateChange(ConsoleError):
    """The rep's state cannot change that way now (e.g. ready while on a call)."""

    status = 409


class CampaignNotAvailable(ConsoleError):
    """The campaign does not exist or has finished: choose another one."""

    status = 404


class CallNotFound(ConsoleError):
    """No such call: check the call_attempt_id."""

    status = 404


class NotYourCall(ConsoleError):
    """The call was connected to another rep: only that rep may record its outcome."""

    status = 403


class DispositionRefused(ConsoleError):
    """The disposition is incomplete or not allowed: the message names what to fix."""

    status = 422


class CallbackRefused(DispositionRefused):
    """The compliance gate refused the callback time: choose a time it allows."""

    def __init__(self, message: str, message_zh: str = "") -> None:
        super().__init__(message)
        self.message_zh = message_zh or message


class AlreadyDisposed(ConsoleError):
    """The call already has a disposition (recorded with another idempotency key)."""

    status = 409


class NothingToPreview(ConsoleError):
    """No account is left to preview in this campaign."""

    status = 404


class AccountNotFound(ConsoleError):
    """No such account: check the account_id."""

    status = 404


class NotOffered(ConsoleError):
    """That account was never offered to you in this campaign: load the next preview."""

    status = 409
