"""What `/metrics` shows: this process's own measurements and the business figures read
from PostgreSQL at each scrape.

Two kinds, kept apart on purpose. Process figures (event-loop lag, webhook latency,
scheduled-job errors) live in prometheus_client's default registry, incremented where
they happen. Business figures (dials, person-answers, abandons and the abandon rate per
campaign, calls in flight, reps by state, queue depths, recorded job failures) are read
from the database on every scrape, so they equal its rows whichever process is scraped;
in a deployment of N processes every target reports the same values, so aggregate them
with `max by (campaign)` (never `sum`). The definitions are those of
`dialer/engine/figures.sql`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import asyncpg
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from dialer.sql import load_queries

QUERIES = load_queries("dialer.runtime", "metrics.sql")
#: the regulator's abandon window (Ofcom and the TCPA's 30 days; UK campaigns also have
#: their 24 h and calendar-day view on the campaign's live page)
ABANDON_WINDOW = timedelta(days=30)
#: a scrape that cannot read the database in this long reports database_up 0
SCRAPE_TIMEOUT_SECONDS = 5.0

WEBHOOK_SECONDS = Histogram(
    "dialer_webhook_seconds",
    "How long this process took to answer a telephony provider's webhook",
    ["provider", "hook"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SCHEDULED_JOB_ERRORS = Counter(
    "dialer_scheduled_job_errors",
    "Timed jobs (APScheduler) that raised in this process",
    ["job"],
)


def _rate(part: int, whole: int) -> float:
    if not whole:
        return 0.0
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_EVEN))


@dataclass(eq=False)
class BusinessSnapshot(Collector):
    """The database's figures at one instant, as metric families (a collector of its own
    registry, built per scrape)."""

    families: list[Metric] = field(default_factory=list)

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def _campaign_families(rows: Iterable[asyncpg.Record]) -> list[Metric]:
    labels = ["campaign", "campaign_name"]
    dials = CounterMetricFamily(
        "dialer_campaign_dials", "Calls placed (call attempts)", labels=labels
    )
    answers = CounterMetricFamily(
        "dialer_campaign_person_answers",
        "Calls answered by a person (reached a rep or abandoned, not a machine)",
        labels=labels,
    )
    abandons = CounterMetricFamily(
        "dialer_campaign_abandons", "Person-answered calls no rep took in time", labels=labels
    )
    rate = GaugeMetricFamily(
        "dialer_campaign_abandon_rate",
        "Abandoned / person-answered over the regulator's window (30 days)",
        labels=labels,
    )
    in_flight = GaugeMetricFamily(
        "dialer_calls_in_flight", "Calls created and not yet ended", labels=labels
    )
    running = GaugeMetricFamily(
        "dialer_campaign_running", "1 while the campaign is running", labels=labels
    )
    for row in rows:
        values = [str(row["campaign_id"]), row["name"]]
        dials.add_metric(values, row["dials"])
        answers.add_metric(values, row["person_answers"])
        abandons.add_metric(values, row["abandoned"])
        rate.add_metric(values, _rate(row["window_abandoned"], row["window_person_answers"]))
        in_flight.add_metric(values, row["in_flight"])
        running.add_metric(values, 1 if row["status"] == "running" else 0)
    return [dials, answers, abandons, rate, in_flight, running]


async def business_snapshot(pool: asyncpg.Pool, now: datetime) -> BusinessSnapshot:
    """Read the business figures (four queries on one connection)."""
    async with asyncio.timeout(SCRAPE_TIMEOUT_SECONDS), pool.acquire() as connection:
        campaigns = await connection.fetch(QUERIES["campaign_counts"], now - ABANDON_WINDOW)
        reps = await connection.fetch(QUERIES["reps_by_state"])
        queues = await connection.fetch(QUERIES["queue_depths"])
        failures = await connection.fetch(QUERIES["job_failures"])
    families = _campaign_families(campaigns)
    by_state = GaugeMetricFamily(
        "dialer_reps", "Reps logged in now, by state", labels=["campaign", "state"]
    )
    for row in reps:
        by_state.add_metric([str(row["campaign_id"]), row["state"]], row["reps"])
    depth = GaugeMetricFamily(
        "dialer_queue_depth",
        "Work waiting: campaign numbers by state, unsent lead notices, list imports",
        labels=["queue", "campaign", "state"],
    )
    for row in queues:
        depth.add_metric([row["queue"], row["campaign"], row["detail"]], row["depth"])
    failed = CounterMetricFamily(
        "dialer_job_failures", "Background jobs recorded as failed", labels=["kind"]
    )
    for row in failures:
        failed.add_metric([row["kind"]], row["failures"])
    return BusinessSnapshot(families + [by_state, depth, failed])


async def exposition(pool: asyncpg.Pool | None, now: datetime) -> bytes:
    """The text a scrape gets: this process's registry, then the database's figures (none
    when the database is not reachable: the process figures still say why)."""
    process = generate_latest(REGISTRY)
    if pool is None:
        return process
    up = GaugeMetricFamily(
        "dialer_metrics_database_up", "1 when this scrape could read the database's figures"
    )
    try:
        snapshot = await business_snapshot(pool, now)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
        snapshot = BusinessSnapshot()
        up.add_metric([], 0)
    else:
        up.add_metric([], 1)
    snapshot.families.append(up)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(snapshot)
    return process + generate_latest(registry)
