"""The event loop the service's processes run on: uvloop's (libuv: fewer system calls and
less Python per socket read and write than asyncio's selector loop) unless
`DIALER_UVLOOP=false`, or asyncio's own when uvloop is not installed."""

from __future__ import annotations

import asyncio


def new_event_loop(use_uvloop: bool = True) -> asyncio.AbstractEventLoop:
    """A new event loop: uvloop's when asked for and installed, else asyncio's."""
    if use_uvloop:
        try:
            import uvloop
        except ImportError:  # pragma: no cover - uvloop is a dependency; a platform lacks it
            return asyncio.new_event_loop()
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()
