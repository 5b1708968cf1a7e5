"""The app factory: `create_app(settings)` wires the pool, routes and middlewares."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import ModuleType

import aiohttp_jinja2
import asyncpg
import jinja2
import structlog
from aiohttp import web

from dialer import db, migrations
from dialer.auth import make_auth_middleware
from dialer.clock import Clock, system_clock
from dialer.compliance import routes as compliance_routes
from dialer.console import routes as console_routes
from dialer.console.disconnects import console_background
from dialer.engine import routes as engine_routes
from dialer.engine.service import telephony_context
from dialer.events import EventBus
from dialer.http import Handler, Problem, Routes, problem_response
from dialer.keys import (
    CLOCK,
    CONSOLE_LINKS,
    DATABASE_URL,
    EVENTS,
    GATE_RULES,
    POOL,
    PROCESS_ROLE,
    REQUEST_ID,
    ROUTE_SPECS,
    ROUTES,
    SETTINGS,
    ConsoleLinks,
    pool_of,
)
from dialer.leads import routes as lead_routes
from dialer.leads.background import lead_background
from dialer.lists import routes as list_routes
from dialer.lists.import_jobs import import_pool_context
from dialer.manager import routes as manager_routes
from dialer.manager.live import live_background
from dialer.manager.planner import planner_background
from dialer.revenue import routes as revenue_routes
from dialer.routes import campaigns, customers, health, people
from dialer.runtime.loop_lag import loop_lag_context
from dialer.runtime.roles import ProcessRole
from dialer.runtime.worker import worker_context
from dialer.settings import Settings, load_gate_rules
from dialer.web import pages

log = structlog.get_logger(__name__)

WEB_DIR = Path(__file__).parent / "web"

#: the service's features, each a module exporting `routes` and optionally `console_links`
FEATURES: tuple[ModuleType, ...] = (
    health,
    people,
    customers,
    campaigns,
    pages,
    engine_routes,
    list_routes,
    lead_routes,
    revenue_routes,
    console_routes,
    compliance_routes,
    manager_routes,
)
#: what a worker serves over HTTP: its health and metrics
WORKER_FEATURES: tuple[ModuleType, ...] = (health,)

Background = Callable[[web.Application], AsyncIterator[None]]
#: long-lived parts of feature packages, started after the pool and the event bus: every
#: process measures its loop and has the carrier (webhooks on the web side, dials on the
#: engine side); the web side imports lists; the engine side runs the leased campaigns,
#: the sweeps and the timed jobs
BACKGROUND: tuple[Background, ...] = (loop_lag_context, telephony_context)
WEB_BACKGROUND: tuple[Background, ...] = (import_pool_context, live_background)
ENGINE_BACKGROUND: tuple[Background, ...] = (
    console_background,
    lead_background,
    worker_context,
    planner_background,
)


def features_of(role: ProcessRole) -> tuple[ModuleType, ...]:
    return FEATURES if role.serves_web else WORKER_FEATURES


def background_of(role: ProcessRole) -> tuple[Background, ...]:
    return (
        BACKGROUND
        + (WEB_BACKGROUND if role.serves_web else ())
        + (ENGINE_BACKGROUND if role.runs_engines else ())
    )


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


def all_routes(role: ProcessRole = ProcessRole.ALL) -> Routes:
    """Every route the process serves, from every feature that declares some."""
    routes = Routes()
    for feature in features_of(role):
        routes.specs.extend(feature.routes.specs)
    return routes


def console_links() -> ConsoleLinks:
    """Each role's consoles for the home page, in the order the features are listed."""
    links: ConsoleLinks = {}
    for feature in FEATURES:
        for role, path, label in getattr(feature, "console_links", ()):
            entries = links.setdefault(role.value, [])
            if (path, label) not in entries:
                entries.append((path, label))
    return links


def create_app(
    settings: Settings,
    *,
    pool: asyncpg.Pool | None = None,
    clock: Clock = system_clock,
    events: EventBus | None = None,
    database_url: str | None = None,
    role: ProcessRole = ProcessRole.ALL,
) -> web.Application:
    """The service's app. With `pool`, the caller owns the database connection (and names
    its URL in `database_url` or the settings, for the import processes)."""
    app = web.Application(
        middlewares=[request_context, make_auth_middleware(pool_of, clock)],
        client_max_size=512 * 1024 * 1024,
    )
    app[SETTINGS] = settings
    app[PROCESS_ROLE] = role
    app[CLOCK] = clock
    # read once: a bad file stops the start (SettingsError naming the variable)
    app[GATE_RULES] = load_gate_rules(settings)
    log.info(
        "compliance_rules_loaded",
        rule_sets=[rs.version for rs in app[GATE_RULES].rule_book.rule_sets],
        firm_policy=app[GATE_RULES].policy.version,
    )
    routes = all_routes(role)
    app[ROUTES] = routes
    app[CONSOLE_LINKS] = console_links()
    specs = {}
    for spec in routes.specs:
        resource = app.router.add_route(spec.method, spec.path, spec.handler)
        specs[(spec.method, resource.resource.canonical if resource.resource else spec.path)] = spec
    app[ROUTE_SPECS] = specs
    app.router.add_static("/static", WEB_DIR / "static", name="static")
    for feature in features_of(role):
        # a feature's own scripts and styles, under its own prefix
        if (static := getattr(feature, "static_files", None)) is not None:
            app.router.add_static(static[0], static[1])
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )

    async def database(app: web.Application) -> AsyncIterator[None]:
        if pool is not None:
            app[POOL] = pool
            app[DATABASE_URL] = database_url or settings.database_url or ""
            yield
            return
        url = await asyncio.to_thread(
            db.resolve_database_url, settings.database_url, settings.data_dir
        )
        app[DATABASE_URL] = url
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
    for background in background_of(role):
        app.cleanup_ctx.append(background)
    return app
