"""Campaign leases on a real PostgreSQL: spread over workers, taken over when a worker
dies, released on pause and drain, and a stale epoch refused by the database."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from dialer.runtime.leases import CarrierBudget, Lease, LeaseStore, LeaseTimes, is_stale_lease
from dialer.runtime.worker import Worker

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class RecordingRunner:
    """Runs nothing: records which leases it was given and which campaigns it stopped."""

    running: dict[int, Lease] = field(default_factory=dict)
    stopped: list[int] = field(default_factory=list)
    failed: dict[int, BaseException] = field(default_factory=dict)
    started: list[int] = field(default_factory=list)

    async def run_leased(self, lease: Lease) -> None:
        self.failed.pop(lease.campaign_id, None)
        self.running[lease.campaign_id] = lease
        self.started.append(lease.campaign_id)

    async def stop_engine(self, campaign_id: int) -> None:
        self.running.pop(campaign_id, None)
        self.stopped.append(campaign_id)

    def engine_failed(self, campaign_id: int) -> BaseException | None:
        return self.failed.get(campaign_id)


async def running_campaign(pool: asyncpg.Pool, name: str) -> int:
    campaign_id: int = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose, status, dialing)"
        " VALUES ($1, 'marketing', 'running', true)"
        " RETURNING campaign_id",
        name,
    )
    return campaign_id


def worker(pool: asyncpg.Pool, clock: FakeClock, name: str) -> tuple[Worker, RecordingRunner]:
    runner = RecordingRunner()
    store = LeaseStore(pool, LeaseTimes(lease_seconds=3.0, worker_seconds=3.0))
    return Worker(store, runner, clock, name), runner


async def test_campaigns_spread_over_workers_and_a_dead_workers_are_taken_over(pool) -> None:
    clock = FakeClock()
    first, second = await running_campaign(pool, "c1"), await running_campaign(pool, "c2")
    a, a_runner = worker(pool, clock, "worker-a")
    b, b_runner = worker(pool, clock, "worker-b")
    await a.store.register("worker-a", clock())
    await b.store.register("worker-b", clock())
    for _ in range(3):
        await a.reconcile()
        await b.reconcile()
        clock.advance(1)
    # one each: the least-loaded worker takes the next campaign
    assert len(a_runner.running) == 1 and len(b_runner.running) == 1
    assert set(a_runner.running) | set(b_runner.running) == {first, second}
    (a_campaign,) = a_runner.running
    epoch_before = a_runner.running[a_campaign].epoch

    # worker a stops (kill -9: no release); once its lease ran out, b holds both
    for _ in range(4):
        clock.advance(1)
        await b.reconcile()
    assert set(b_runner.running) == {first, second}
    assert b_runner.running[a_campaign].epoch == epoch_before + 1

    # a wakes up (paused by the OS): its renewal finds the lease gone and stops its engine
    await a.reconcile()
    assert a_runner.running == {} and a_runner.stopped == [a_campaign]
    events = await pool.fetch(
        "SELECT event, worker_id, epoch FROM campaign_lease_events WHERE campaign_id = $1"
        " ORDER BY lease_event_id",
        a_campaign,
    )
    assert [(e["event"], e["worker_id"]) for e in events] == [
        ("acquired", "worker-a"),
        ("acquired", "worker-b"),
        ("lost", "worker-a"),
    ]


async def test_an_engine_whose_loop_died_is_run_again_under_the_same_lease(pool) -> None:
    """PostgreSQL shutting down once killed an engine's loop (an error it did not count
    as the database away) and the worker, still holding the lease, never dialled again."""
    clock = FakeClock()
    campaign_id = await running_campaign(pool, "crashed")
    one, runner = worker(pool, clock, "worker-1")
    await one.store.register("worker-1", clock())
    await one.reconcile()
    assert runner.started == [campaign_id]
    lease = runner.running[campaign_id]

    clock.advance(1)
    await one.reconcile()
    assert runner.started == [campaign_id]  # a healthy engine is left alone

    runner.failed[campaign_id] = RuntimeError("the loop died")
    clock.advance(1)
    await one.reconcile()
    assert runner.started == [campaign_id, campaign_id]
    assert runner.running[campaign_id].epoch == lease.epoch  # no takeover: the same lease
    assert one.leases[campaign_id].epoch == lease.epoch


async def test_two_workers_racing_for_one_campaign_one_wins(pool) -> None:
    clock = FakeClock()
    campaign_id = await running_campaign(pool, "race")
    store = LeaseStore(pool)
    for name in ("w1", "w2", "w3", "w4"):
        await store.register(name, clock())
    won = await asyncio.gather(
        *(store.claim(campaign_id, name, clock()) for name in ("w1", "w2", "w3", "w4"))
    )
    assert len([lease for lease in won if lease is not None]) == 1


async def test_a_stale_epoch_is_refused_by_the_database(pool) -> None:
    clock = FakeClock()
    campaign_id = await running_campaign(pool, "fenced")
    account_id = await pool.fetchval(
        "INSERT INTO accounts (name, segment) VALUES ('Test', 'lapsed') RETURNING account_id"
    )
    store = LeaseStore(pool, LeaseTimes(lease_seconds=3.0))
    await store.register("old", clock())
    await store.register("new", clock())
    old = await store.claim(campaign_id, "old", clock())
    assert old is not None
    clock.advance(10)  # old's lease runs out; new takes over
    new = await store.claim(campaign_id, "new", clock())
    assert new is not None and new.epoch == old.epoch + 1

    insert = (
        "INSERT INTO call_attempts (campaign_id, account_id, e164, idempotency_key, created_at,"
        " lease_epoch) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    with pytest.raises(asyncpg.PostgresError) as refused:
        await pool.execute(
            insert, campaign_id, account_id, "+14155550101", "k1", clock(), old.epoch
        )
    assert is_stale_lease(refused.value)
    await pool.execute(insert, campaign_id, account_id, "+14155550102", "k2", clock(), new.epoch)
    # a rep's preview dial carries no epoch: no engine made it
    await pool.execute(insert, campaign_id, account_id, "+14155550103", "k3", clock(), None)
    assert await pool.fetchval("SELECT count(*) FROM call_attempts") == 2


async def test_a_paused_campaign_is_stopped_and_released(pool) -> None:
    clock = FakeClock()
    campaign_id = await running_campaign(pool, "paused")
    a, runner = worker(pool, clock, "worker-a")
    await a.store.register("worker-a", clock())
    await a.reconcile()
    assert campaign_id in runner.running
    await pool.execute("UPDATE campaigns SET status = 'paused' WHERE campaign_id = $1", campaign_id)
    clock.advance(1)
    await a.reconcile()
    assert runner.running == {} and runner.stopped == [campaign_id]
    lease = await a.store.holder(campaign_id)
    assert lease is not None and lease["worker_id"] is None
    # started again: claimed again at once, with a new epoch
    await pool.execute(
        "UPDATE campaigns SET status = 'running' WHERE campaign_id = $1", campaign_id
    )
    await a.reconcile()
    assert runner.running[campaign_id].epoch == lease["epoch"] + 1


async def test_a_drained_workers_campaigns_are_taken_over_without_waiting(pool) -> None:
    clock = FakeClock()
    campaign_id = await running_campaign(pool, "drained")
    a, a_runner = worker(pool, clock, "worker-a")
    b, b_runner = worker(pool, clock, "worker-b")
    await a.store.register("worker-a", clock())
    await a.reconcile()
    await b.store.register("worker-b", clock())
    assert campaign_id in a_runner.running
    await a.drain()
    assert a_runner.stopped == [campaign_id]
    await b.reconcile()  # same instant: no lease expiry to wait for
    assert campaign_id in b_runner.running
    row = await pool.fetchrow(
        "SELECT draining, stopped_at FROM workers WHERE worker_id = 'worker-a'"
    )
    assert row["draining"] and row["stopped_at"] is not None


async def test_the_carrier_budget_is_shared_by_every_worker(pool) -> None:
    clock = FakeClock()
    # three workers on one account: 5 calls a second between them, 8 live at most
    budgets = [CarrierBudget(pool, "twilio", 5.0, 8) for _ in range(3)]
    granted = await asyncio.gather(*(budget.take(4, clock()) for budget in budgets))
    assert sum(granted) == 5  # the bucket's burst: one second's worth
    clock.advance(0.4)
    granted = await asyncio.gather(*(budget.take(4, clock()) for budget in budgets))
    assert sum(granted) == 2  # 0.4 s at 5 a second
    clock.advance(10)
    campaign_id = await running_campaign(pool, "budget")
    account_id = await pool.fetchval(
        "INSERT INTO accounts (name, segment) VALUES ('Test', 'lapsed') RETURNING account_id"
    )
    for n in range(7):  # seven calls live through this provider already
        await pool.execute(
            "INSERT INTO call_attempts (campaign_id, account_id, e164, idempotency_key,"
            " created_at, status, provider) VALUES ($1, $2, $3, $4, $5, 'ringing', 'twilio')",
            campaign_id,
            account_id,
            f"+1415555020{n}",
            f"live-{n}",
            clock(),
        )
    granted = await asyncio.gather(*(budget.take(4, clock()) for budget in budgets))
    assert sum(granted) == 1  # the concurrent-call limit, across all three
    assert await budgets[0].take(0, clock()) == 0
