"""The app factory: `create_app(settings)` wires the pool, routes and middlewares."""

from __future__ import annotations

import asyncio
import re
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
from dialer.limits import JSON_MAX_BYTES, make_body_limit_middleware
from dialer.lists import routes as list_routes
from dialer.lists.import_jobs import import_pool_context
from dialer.lists.uploads import upload_sweep_context
from dialer.manager import routes as manager_routes
from dialer.manager.live import live_background
from dialer.manager.planner import planner_background
from dialer.quality import routes as quality_routes
from dialer.quality.background import sms_survey_background
from dialer.recordings import routes as recording_routes
from dialer.recordings.background import recording_retention_background
from dialer.reports import routes as report_routes
from dialer.revenue import routes as revenue_routes
from dialer.routes import campaigns, customers, health, people, tokens
from dialer.runtime.loop_lag import loop_lag_context
from dialer.runtime.roles import ProcessRole
from dialer.runtime.worker import worker_context
from dialer.scoring import routes as scoring_routes
from dialer.scoring.background import scoring_background
from dialer.settings import Settings, load_gate_rules
from dialer.teamlead import routes as teamlead_routes
from dialer.teamlead.wallboard import wallboard_context
from dialer.web import pages
from dialer.web.security import security_headers

log = structlog.get_logger(__name__)

WEB_DIR = Path(__file__).parent / "web"

#: the service's features, each a module exporting `routes` and optionally `console_links`
FEATURES: tuple[ModuleType, ...] = (
    health,
    people,
    tokens,
    customers,
    campaigns,
    pages,
    engine_routes,
    list_routes,
    lead_routes,
    revenue_routes,
    recording_routes,
    quality_routes,
    console_routes,
    compliance_routes,
    teamlead_routes,
    report_routes,
    scoring_routes,
    manager_routes,
)
#: what a worker serves over HTTP: its health and metrics
WORKER_FEATURES: tuple[ModuleType, ...] = (health,)

Background = Callable[[web.Application], AsyncIterator[None]]
#: long-lived parts of feature packages, started after the pool and the event bus: every
#: process measures its loop and has the carrier (webhooks on the web side, dials on the
#: engine side); the web side imports lists and feeds the wallboards; the engine side runs
#: the leased campaigns, the sweeps and the timed jobs
BACKGROUND: tuple[Background, ...] = (loop_lag_context, telephony_context)
WEB_BACKGROUND: tuple[Background, ...] = (
    import_pool_context,
    upload_sweep_context,
    wallboard_context,
    live_background,
)
ENGINE_BACKGROUND: tuple[Background, ...] = (
    console_background,
    lead_background,
    recording_retention_background,
    sms_survey_background,
    scoring_background,
    planner_background,
    worker_context,
)


def features_of(role: ProcessRole) -> tuple[ModuleType, ...]:
    return FEATURES if role.serves_web else WORKER_FEATURES


def background_of(role: ProcessRole) -> tuple[Background, ...]:
    return (
        BACKGROUND
        + (WEB_BACKGROUND if role.serves_web else ())
        + (ENGINE_BACKGROUND if role.runs_engines else ())
    )


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    sent_id = request.headers.get("X-Request-Id", "")
    # a caller's id is kept only if it is a plain token (it goes into logs and a header)
    request_id = sent_id if _REQUEST_ID.fullmatch(sent_id) else uuid.uuid4().hex
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
            # aiohttp's 405 names the allowed methods: the problem keeps the header
            allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
            response = problem_response(
                exc.status_code, exc.reason, request_id=request_id, headers=allow
            )
        except (asyncpg.DataError, asyncpg.exceptions._base.DataError) as exc:
            # a value the database cannot hold (out of range, not valid text): the input's
            # fault; the checks at the edge (dialer.http.check_input) should have said so
            log.warning("input_refused_by_database", path=request.path, error=str(exc))
            response = problem_response(
                422,
                "Invalid request",
                "A value is out of range or not valid text.",
                request_id=request_id,
            )
        except db.DatabaseError as exc:
            response = problem_response(
                503, "Database unavailable", str(exc), request_id=request_id
            )
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as exc:
            if isinstance(exc, ConnectionResetError) and _client_gone(request):
                # the client went away while we answered: not the database's fault
                log.info("client_disconnected", path=request.path)
                raise
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
        middlewares=[
            request_context,
            make_body_limit_middleware(),
            make_auth_middleware(pool_of, clock),
        ],
        # the ceiling of a route without a declared class (aiohttp's 404s and 405s); each
        # declared route gets its own limit (dialer/limits.py)
        client_max_size=JSON_MAX_BYTES,
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
    for feature in features_of(role):
        # a feature's own static files, under its own prefix (`static_folders`)
        for prefix, folder in getattr(feature, "static_folders", ()):
            app.router.add_static(prefix, folder)
    app.router.add_static("/static", WEB_DIR / "static", name="static")
    security_headers(app)
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
