"""The application's state: every `web.AppKey` of the service and its accessor.

A leaf: route and background modules read the app's pool, clock, settings and services
through these keys; `dialer/app.py` sets them when it wires the app. Nothing here imports
a route, a feature package or `dialer.app` (the aiohttp demos keep theirs in a
`typedefs.py` the same way), so importing a key never pulls in the whole service.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import asyncpg
from aiohttp import web

from compliance.rules import GateRules
from dialer.clock import Clock
from dialer.events import EventBus
from dialer.settings import Settings

if TYPE_CHECKING:  # types only: these modules sit above the keys
    from concurrent.futures import Executor

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from dialer.engine.service import TelephonyService
    from dialer.http import Routes, RouteSpec
    from dialer.manager.live import FloorViews
    from dialer.manager.planner import PlannerRunner
    from dialer.runtime.loop_lag import LoopLagMonitor
    from dialer.runtime.roles import ProcessRole
    from dialer.runtime.worker import Worker

#: a console's entry on the home page: (path, i18n key of its label), per role
ConsoleLinks = dict[str, list[tuple[str, str]]]

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
POOL: web.AppKey[asyncpg.Pool] = web.AppKey("pool")
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
EVENTS: web.AppKey[EventBus] = web.AppKey("events")
#: the compliance gate's rule book and firm policy, for every decision the service makes
GATE_RULES: web.AppKey[GateRules] = web.AppKey("gate_rules")
ROUTES: web.AppKey[Routes] = web.AppKey("routes")
#: each declared route by (method, canonical path): the access check reads its roles
ROUTE_SPECS: web.AppKey[dict[tuple[str, str], RouteSpec]] = web.AppKey("route_specs")
#: where each role works: gathered by `create_app` from every feature's `console_links`
CONSOLE_LINKS: web.AppKey[ConsoleLinks] = web.AppKey("console_links")
#: the provider, its webhooks and the campaign engines of this process
TELEPHONY: web.AppKey[TelephonyService] = web.AppKey("telephony")
#: each campaign's live floor, cached for its viewers (the campaign manager's live view)
FLOOR_VIEWS: web.AppKey[FloorViews] = web.AppKey("floor_views")
#: the what-if planner's job runner (engine side)
PLANNER: web.AppKey[PlannerRunner] = web.AppKey("planner")
#: the lead SLA's timed jobs (APScheduler)
LEAD_SCHEDULER: web.AppKey[AsyncIOScheduler] = web.AppKey("lead_scheduler")
#: how late this process's event loop runs (a gauge on /metrics, a warning over 100 ms)
LOOP_LAG_MONITOR: web.AppKey[LoopLagMonitor] = web.AppKey("loop_lag_monitor")
#: the database this process uses, for child processes that open their own connections
DATABASE_URL: web.AppKey[str] = web.AppKey("database_url")
#: the processes list imports run in (CPU-bound reading and validation, off the loop)
IMPORT_POOL: web.AppKey[Executor] = web.AppKey("import_pool")
#: what this process runs: the web side, the engine side, or both
PROCESS_ROLE: web.AppKey[ProcessRole] = web.AppKey("process_role")
#: this process's worker (campaign leases), when it runs the engine side
WORKER: web.AppKey[Worker] = web.AppKey("worker")
REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id")


def pool_of(request: web.Request) -> asyncpg.Pool:
    return request.app[POOL]


def now_of(request: web.Request) -> datetime:
    return request.app[CLOCK]()


def settings_of(request: web.Request) -> Settings:
    return request.app[SETTINGS]


def rules_of(request: web.Request) -> GateRules:
    return request.app[GATE_RULES]


def events_of(request: web.Request) -> EventBus:
    return request.app[EVENTS]


def telephony_of(request: web.Request) -> TelephonyService | None:
    """The telephony service, or None in an app built without it (some tests)."""
    return request.app.get(TELEPHONY)
