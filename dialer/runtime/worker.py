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
from typing import Protocol

import structlog

from dialer.clock import Clock
from dialer.runtime.leases import Lease, LeaseStore, Renewal

log = structlog.get_logger(__name__)

RECONCILE_SECONDS = 1.0


class CampaignRunner(Protocol):
    """What runs a leased campaign's engine (the telephony service of this process)."""

    async def run_leased(self, lease: Lease) -> None:
        """Start the campaign's engine, dialling under this lease's epoch."""

    async def stop_campaign(self, campaign_id: int) -> None:
        """Stop launching and wait for the engine's loop to end."""


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
        self._task: asyncio.Task[None] | None = None

    async def reconcile(self) -> None:
        now = self.clock()
        if await self.store.heartbeat(self.worker_id, now):
            self.draining = True  # an operator asked this worker to drain
        for campaign_id, lease in list(self.leases.items()):
            renewal = await self.store.renew(lease, now)
            if renewal is Renewal.HELD and not self.draining:
                continue
            await self.runner.stop_campaign(campaign_id)
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
            self.leases[campaign_id] = lease
            log.info("campaign_lease_acquired", campaign_id=campaign_id, epoch=lease.epoch)
            try:
                await self.runner.run_leased(lease)
            except Exception as exc:
                # an engine that cannot start (no caller ID …) must not hold the campaign
                log.error("campaign_engine_not_started", campaign_id=campaign_id, error=str(exc))
                del self.leases[campaign_id]
                await self.store.release(lease, self.clock())
            if others:
                break  # one a round while others share the work: they take theirs too

    async def run(self, stop: asyncio.Event) -> None:
        await self.store.register(self.worker_id, self.clock())
        while not stop.is_set():
            try:
                await self.reconcile()
            except (TimeoutError, OSError) as exc:
                log.warning("worker_reconcile_failed", error=str(exc))
            except Exception as exc:  # a database outage: keep trying, hold nothing stale
                log.warning("worker_reconcile_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every)
        await self.drain()

    async def drain(self) -> None:
        """Stop launching, hand every lease back, mark the worker stopped."""
        self.draining = True
        with contextlib.suppress(Exception):
            await self.store.mark_draining(self.worker_id)
        for campaign_id, lease in list(self.leases.items()):
            await self.runner.stop_campaign(campaign_id)
            with contextlib.suppress(Exception):
                await self.store.release(lease, self.clock())
            del self.leases[campaign_id]
        with contextlib.suppress(Exception):
            await self.store.mark_stopped(self.worker_id, self.clock())
