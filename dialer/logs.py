"""Logging: structlog, JSON by default, phone numbers masked in every event.

Only entry points call `configure_logging`; library code just asks for a logger.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

# E.164 or long digit runs that look like phone numbers (7+ digits, optional +/spaces/dashes)
_PHONE = re.compile(r"(?<![\w])(\+?\d[\d \-]{5,}\d)(?![\w])")


def mask_phone(text: str) -> str:
    """Keep the country prefix and the last two digits: +86138****21."""

    def _mask(match: re.Match[str]) -> str:
        raw = match.group(1)
        digits = re.sub(r"\D", "", raw)
        if len(digits) < 7:
            return raw
        head = ("+" if raw.startswith("+") else "") + digits[:3]
        return head + "*" * (len(digits) - 5) + digits[-2:]

    return _PHONE.sub(_mask, text)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_phone(value)
    if isinstance(value, dict):
        return {key: _mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_mask_value(item) for item in value)
    return value


def mask_phone_numbers(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        if key in ("timestamp", "level", "request_id"):
            continue
        event_dict[key] = _mask_value(value)
    return event_dict


def configure_logging(
    log_format: str = "json", level: str = "info", file: TextIO | None = None
) -> None:
    renderer: Any
    if log_format == "console":
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    else:
        renderer = structlog.processors.JSONRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            mask_phone_numbers,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            getattr(logging, level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=file or sys.stderr),
        cache_logger_on_first_use=False,
    )
