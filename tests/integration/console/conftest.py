from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from tests.integration.console.world import MORNING, FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MORNING)


@pytest.fixture
async def console_client(settings, pool, clock, monkeypatch):
    """The real app on a clock the test moves; its background sweeper runs once at start
    only, so that the tests call the sweeps themselves at the instants they choose."""
    from dialer.console import disconnects

    monkeypatch.setattr(disconnects, "SWEEP_INTERVAL_SECONDS", 3600.0)
    app = create_app(settings, pool=pool, clock=clock)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client
