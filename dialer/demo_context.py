"""What every demo stage is given: the running service's settings, pool, clock and voice.

A leaf of its own, so the stages (`dialer/engine/demo_stage.py`, `dialer/leads/
demo_stage.py`) and the demo that runs them (`dialer/demo.py`) need not import each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from dialer.clock import Clock
from dialer.settings import Settings


@dataclass
class DemoContext:
    settings: Settings
    pool: asyncpg.Pool
    base_url: str
    clock: Clock
    stop: asyncio.Event
    quiet: bool
    minutes: float | None
    say: Callable[[str], None]
    extra: dict[str, Any] = field(default_factory=dict)


DemoStage = Callable[[DemoContext], Awaitable[dict[str, Any]]]
