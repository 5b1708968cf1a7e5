"""The app factory: `create_app(settings)` wires the pool, routes and middlewares."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

import aiohttp_jinja2
import asyncpg
import jinja2
import structlog
from aiohttp import web

from compliance.rules import GateRules
from dialer import db, migrations
from dialer.auth import make_auth_middleware
from dialer.clock import Clock, system_clock
from dialer.events import EventBus
from dialer.http import ROUTE_SPECS, Handler, Problem, Routes, problem_response
from dialer.settings import Settings, load_gate_rules

log = structlog.get_logger(__name__)

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
POOL: web.AppKey[asyncpg.Pool] = web.AppKey("pool")
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
ROUTES: web.AppKey[Routes] = web.AppKey("routes")
REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id")
EVENTS: web.AppKey[EventBus] = web.AppKey("events")
#: the compliance gate's rule book and firm policy, for every decision the service makes
GATE_RULES: web.AppKey[GateRules] = web.AppKey("gate_rules")

WEB_DIR = Path(__file__).parent / "web"


def pool_of(request: web.Request) -> asyncpg.Pool:
    return request.app[POOL]


def now_of(request: web.Request) -> datetime:
    return request.app[CLOCK]()


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    structlog.contextvars.bind_contextvars(request_id=request_id)
    try:
        try:
            response = await handler(request)
        except Problem as problem:
            response = problem_response(
                problem.status_code,
                problem.title,
                problem.detail,
                errors=problem.errors,
                request_id=request_id,
            )
        except web.HTTPException as exc:
            if exc.status_code < 400 or not request.path.startswith("/api/"):
                raise
            response = problem_response(exc.status_code, exc.reason, request_id=request_id)
        except db.DatabaseError as exc:
            response = problem_response(
                503, "Database unavailable", str(exc), request_id=request_id
            )
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as exc:
            log.warning("database_unreachable", error=str(exc))
            response = problem_response(
                503, "Database unavailable", "Try again shortly.", request_id=request_id
            )
        response.headers["X-Request-Id"] = request_id
        return response
    finally:
        structlog.contextvars.unbind_contextvars("request_id")


def all_routes() -> Routes:
    """Every route of the service, from every module that declares some."""
    # imported here: the feature modules import this module's AppKeys
    from dialer import compliance_routes
    from dialer.console import routes as console
    from dialer.engine import routes as engine
    from dialer.leads import routes as leads
    from dialer.lists import routes as lists
    from dialer.routes import campaigns, customers, health, people
    from dialer.web import pages

    routes = Routes()
    for module in (
        health,
        people,
        customers,
        campaigns,
        pages,
        engine,
        lists,
        leads,
        console,
        compliance_routes,
    ):
        routes.specs.extend(module.routes.specs)
    return routes


def create_app(
    settings: Settings,
    *,
    pool: asyncpg.Pool | None = None,
    clock: Clock = system_clock,
    events: EventBus | None = None,
) -> web.Application:
    app = web.Application(
        middlewares=[request_context, make_auth_middleware(pool_of, clock)],
        client_max_size=512 * 1024 * 1024,
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock
    # read once: a bad file stops the start (SettingsError naming the variable)
    app[GATE_RULES] = load_gate_rules(settings)
    log.info(
        "compliance_rules_loaded",
        rule_sets=[rs.version for rs in app[GATE_RULES].rule_book.rule_sets],
        firm_policy=app[GATE_RULES].policy.version,
    )
    routes = all_routes()
    app[ROUTES] = routes
    specs = {}
    for spec in routes.specs:
        resource = app.router.add_route(spec.method, spec.path, spec.handler)
        specs[(spec.method, resource.resource.canonical if resource.resource else spec.path)] = spec
    app[ROUTE_SPECS] = specs
    app.router.add_static("/static", WEB_DIR / "static", name="static")
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )

    async def database(app: web.Application) -> AsyncIterator[None]:
        if pool is not None:
            app[POOL] = pool
            yield
            return
        url = await asyncio.to_thread(
            db.resolve_database_url, settings.database_url, settings.data_dir
        )
        created = await db.create_pool(url)
        if settings.apply_migrations:
            async with created.acquire() as connection:
                await migrations.migrate(connection)
        app[POOL] = created
        yield
        await created.close()

    async def event_bus(app: web.Application) -> AsyncIterator[None]:
        if events is not None:
            app[EVENTS] = events
            yield
            return
        bus = EventBus(app[POOL])
        await bus.start()
        app[EVENTS] = bus
        yield
        await bus.close()

    app.cleanup_ctx.append(database)
    app.cleanup_ctx.append(event_bus)
    for background in _background_contexts():
        app.cleanup_ctx.append(background)
    return app


def _background_contexts() -> list[Callable[[web.Application], AsyncIterator[None]]]:
    """Long-lived parts of feature packages, started after the pool and the event bus."""
    from dialer.console.disconnects import console_background
    from dialer.engine.service import telephony_context
    from dialer.leads.background import lead_background

    return [telephony_context, console_background, lead_background]
