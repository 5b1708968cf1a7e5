"""Small builders for gate inputs, so each test states only the facts it is about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from compliance.gate import decide
from compliance.models import Decision, DialFacts, DialRequest


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def request(**changes: Any) -> DialRequest:
    data: dict[str, Any] = {
        "number": "+13055550123",
        "profile": "US",
        "purpose": "marketing",
        "dial_mode": "predictive",
        "subject": "advisory",
    }
    data.update(changes)
    return DialRequest.model_validate(data)


def facts(**changes: Any) -> DialFacts:
    account: dict[str, Any] = {"line_type": "landline"}
    account.update(changes.pop("account", {}))
    return DialFacts.model_validate({"account": account, **changes})


def gate(now: str, request_changes: dict[str, Any] | None = None, **fact_changes: Any) -> Decision:
    return decide(request(**(request_changes or {})), facts(**fact_changes), at(now))
