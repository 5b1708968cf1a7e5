"""A worker: the engine side of the service, reconciling campaigns against their leases.

Every `every` seconds a worker heartbeats, renews the leases it holds (a lost one stops
its engine at once, a paused campaign is stopped and released) and, unless draining,
claims running campaigns nobody holds while it holds no more than the least-loaded live
worker, so campaigns spread over the workers. A drain (SIGTERM) stops launching, hands
every lease back, so another worker takes the campaigns over at once, and lets the calls
in flight finish under the new owner (their webhooks reach the web side, not a worker).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

import structlog
from aiohttp import web

from dialer.clock import Clock
from dialer.keys import CLOCK, EVENTS, POOL, SETTINGS, TELEPHONY, WORKER
from dialer.runtime.leases import Lease, LeaseStore, LeaseTimes, Renewal, new_worker_id

log = structlog.get_logger(__name__)

RECONCILE_SECONDS = 1.0


class CampaignRunner(Protocol):
    """What runs a leased campaign's engine (the telephony service of this process)."""

    async def run_leased(self, lease: Lease) -> None:
        """Start the campaign's engine, dialling under this lease's epoch."""

    async def stop_engine(self, campaign_id: int) -> None:
        """Stop launching and wait for the engine's loop to end."""

    def engine_failed(self, campaign_id: int) -> BaseException | None:
        """The error that ended the campaign's engine loop here, if it ended by one."""


class Worker:
    def __init__(
        self,
        store: LeaseStore,
        runner: CampaignRunner,
        clock: Clock,
        worker_id: str,
        *,
        every: float = RECONCILE_SECONDS,
    ) -> None:
        self.store = store
        self.runner = runner
        self.clock = clock
        self.worker_id = worker_id
        self.every = every
        self.leases: dict[int, Lease] = {}
        self.draining = False
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Reconcile now (a campaign was started or paused), not at the next round."""
        self._wake.set()

    async def reconcile(self) -> None:
        now = self.clock()
        if await self.store.heartbeat(self.worker_id, now):
            self.draining = True  # an operator asked this worker to drain
        for campaign_id, lease in list(self.leases.items()):
            renewal = await self.store.renew(lease, now)
            if renewal is Renewal.HELD and not self.draining:
                failure = self.runner.engine_failed(campaign_id)
                if failure is not None:
                    # its loop died on an error while the lease is still ours: run it again
                    log.error(
                        "campaign_engine_restarted", campaign_id=campaign_id, error=repr(failure)
                    )
                    await self._run(lease)
                continue
            await self.runner.stop_engine(campaign_id)
            del self.leases[campaign_id]
            if renewal is Renewal.LOST:
                await self.store.record_lost(lease, self.clock())
                log.warning("campaign_lease_lost", campaign_id=campaign_id, epoch=lease.epoch)
            else:
                await self.store.release(lease, self.clock())
                log.info("campaign_lease_released", campaign_id=campaign_id, epoch=lease.epoch)
        if not self.draining:
            await self._claim()

    async def _claim(self) -> None:
        clock_now = self.clock()
        loads = await self.store.loads(clock_now)
        others = [held for worker, held in loads.items() if worker != self.worker_id]
        for campaign_id in await self.store.claimable(clock_now):
            # the least-loaded worker takes the next campaign: spread, not all on the first
            if others and len(self.leases) > min(others):
                break
            lease = await self.store.claim(campaign_id, self.worker_id, clock_now)
            if lease is None:  # another worker was quicker
                continue
            await self._run(lease)
            if others:
                break  # one a round while others share the work: they take theirs too

    async def take_now(self, campaign_id: int) -> bool:
        """Take a just-started campaign here at once (the process that started it), if
        nobody holds it; True when this worker holds it."""
        if campaign_id in self.leases:
            return True
        if self.draining:
            return False
        lease = await self.store.claim(campaign_id, self.worker_id, self.clock())
        if lease is None:
            return False
        await self._run(lease)
        return campaign_id in self.leases

    async def let_go(self, campaign_id: int) -> None:
        """A paused campaign held here: stop its engine and hand the lease back now."""
        lease = self.leases.pop(campaign_id, None)
        if lease is None:
            return
        await self.runner.stop_engine(campaign_id)
        await self.store.release(lease, self.clock())
        log.info("campaign_lease_released", campaign_id=campaign_id, epoch=lease.epoch)

    async def _run(self, lease: Lease) -> None:
        self.leases[lease.campaign_id] = lease
        log.info("campaign_lease_acquired", campaign_id=lease.campaign_id, epoch=lease.epoch)
        try:
            await self.runner.run_leased(lease)
        except Exception as exc:
            # an engine that cannot start (no caller ID …) must not hold the campaign
            log.error("campaign_engine_not_started", campaign_id=lease.campaign_id, error=str(exc))
            del self.leases[lease.campaign_id]
            await self.store.release(lease, self.clock())

    async def run(self, stop: asyncio.Event) -> None:
        registered = False
        while not stop.is_set():
            try:
                if not registered:
                    await self.store.register(self.worker_id, self.clock())
                    registered = True
                await self.reconcile()
            except Exception as exc:  # the database away: keep trying, hold nothing stale
                log.warning("worker_reconcile_failed", error=repr(exc))
            await self._sleep(stop)
        await self.drain()

    async def _sleep(self, stop: asyncio.Event) -> None:
        """Until the next round, a wake or the stop, whichever comes first."""
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waits, timeout=self.every, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        self._wake.clear()

    async def drain(self) -> None:
        """Stop launching, hand every lease back, mark the worker stopped."""
        self.draining = True
        with contextlib.suppress(Exception):
            await self.store.mark_draining(self.worker_id)
        for campaign_id, lease in list(self.leases.items()):
            await self.runner.stop_engine(campaign_id)
            with contextlib.suppress(Exception):
                await self.store.release(lease, self.clock())
            del self.leases[campaign_id]
        with contextlib.suppress(Exception):
            await self.store.mark_stopped(self.worker_id, self.clock())


#: the bus channel on which a start or a pause wakes every worker at once
WORKERS_CHANNEL = "workers"


async def worker_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: this process's worker, reconciling campaigns against their leases
    while the app is up; the app's shutdown drains it."""
    settings = app[SETTINGS]
    store = LeaseStore(app[POOL], LeaseTimes(lease_seconds=settings.worker_lease_seconds))
    worker = Worker(
        store,
        app[TELEPHONY],
        app[CLOCK],
        new_worker_id(),
        every=settings.worker_reconcile_seconds,
    )
    app[WORKER] = worker
    app[TELEPHONY].worker = worker  # a start in this process takes the campaign here
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop), name="worker")
    waking = asyncio.create_task(_wake_on_events(app, worker), name="worker-wake")
    yield
    waking.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waking
    stop.set()
    await running


async def _wake_on_events(app: web.Application, worker: Worker) -> None:
    async with app[EVENTS].subscribe(WORKERS_CHANNEL) as events:
        while True:
            await events.get()
            worker.wake()
