"""`dialer`: the command line. Each subcommand is a thin edge over a library call.

Errors a user can fix (configuration, an unreachable database, a tampered migration)
end the command with one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import json
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

import asyncpg
from aiohttp import web
from pydantic import ValidationError

from dialer import auth, db, login_guard, migrations
from dialer.app import create_app
from dialer.cli.context import configured_settings, database_pool
from dialer.clock import offset_clock, system_clock
from dialer.demo import demo_clock, run_demo
from dialer.http import Problem, Role, field_errors
from dialer.loops import new_event_loop
from dialer.migrations import MigrationError
from dialer.routes.people import NewUser, create_user
from dialer.runtime.roles import ProcessRole
from dialer.seed import SeedError, seed
from dialer.settings import Settings, SettingsError


class CommandError(Exception):
    """A command could not do what was asked; the message says why."""


# subcommands implemented by feature modules: `dialer <words…>` → module.main(argv), or
# "module:function" when one module holds several commands
DELEGATED: dict[tuple[str, ...], str] = {
    ("simulate",): "campaigns.simulate_cli",
    ("sim-carrier",): "dialer.cli.carrier",
    ("lists", "import"): "dialer.cli.lists:import_main",
    ("lists", "presets"): "dialer.cli.lists:presets_main",
    ("compliance", "explain"): "compliance.explain",
    ("dnc", "import"): "dialer.cli.dnc",
    ("conversions", "import"): "dialer.cli.revenue:conversions_main",
    ("revenue", "reconcile"): "dialer.cli.revenue:reconcile_main",
    ("revenue", "post"): "dialer.cli.revenue:post_main",
    ("revenue", "clawback"): "dialer.cli.revenue:clawback_main",
    ("revenue", "reverse"): "dialer.cli.revenue:reverse_main",
    ("sim-reps",): "dialer.cli.sim_reps",
}


def _delegate(argv: Sequence[str]) -> int | None:
    for words, target in DELEGATED.items():
        if tuple(argv[: len(words)]) == words:
            module_name, _, function = target.partition(":")
            module = importlib.import_module(module_name)
            main: Callable[[list[str]], int] = getattr(module, function or "main")
            return main(list(argv[len(words) :]))
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dialer", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web service")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations")
    serve.add_argument(
        "--no-engine",
        action="store_true",
        help="the web side only (API, webhooks, consoles): campaigns run in `dialer worker`s",
    )

    worker = commands.add_parser(
        "worker", help="run the engine side: leased campaigns, sweeps, timed jobs"
    )
    worker.add_argument("--host")
    worker.add_argument(
        "--port", type=int, help="serve /healthz, /readyz and /metrics here (default: no HTTP)"
    )
    worker.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations")

    migrate = commands.add_parser("migrate", help="apply pending database migrations")
    migrate.add_argument("--status", action="store_true", help="list migrations and exit")

    user = commands.add_parser("user", help="manage users")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add", help="create a user (asks for the password)")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument(
        "--role",
        required=True,
        choices=[role.value for role in Role],
    )
    add.add_argument("--branch", help="branch code (branch and account managers)")
    add.add_argument("--team", help="team name (reps and team leaders)")
    add.add_argument("--language", default="zh", choices=["zh", "en"])
    add.add_argument(
        "--audio-leg",
        default="browser",
        choices=["browser", "phone", "simulated"],
        help="how a rep hears calls (phone needs --phone)",
    )
    add.add_argument("--phone", help="the rep's own phone in E.164, rung for the phone leg")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    token = user_commands.add_parser("token", help="print a new API token for a user (scripts)")
    token.add_argument("username")
    token.add_argument("--label", default="", help="what the token is for (shown to admins)")
    unlock = user_commands.add_parser(
        "unlock", help="lift a sign-in lockout (after 30 wrong passwords); audited"
    )
    unlock.add_argument("username")

    seed = commands.add_parser("seed", help="create the synthetic brokerage")
    seed.add_argument("--accounts", type=int, default=20_000)
    seed.add_argument("--seed", type=int, default=7)
    seed.add_argument("--json", action="store_true")

    demo = commands.add_parser("demo", help="the whole service on embedded defaults")
    demo.add_argument("--minutes", type=float, help="stop after this many minutes")
    demo.add_argument("--accounts", type=int, default=20_000)
    demo.add_argument("--port", type=int)
    demo.add_argument("--json", action="store_true", help="print the final summary as JSON")
    demo.add_argument(
        "--speed",
        type=float,
        default=10.0,
        help="how much faster than life the simulated calls run (default 10)",
    )
    demo.add_argument(
        "--real-time",
        action="store_true",
        help="use the machine's clock even outside the customers' calling hours",
    )

    for words in DELEGATED:
        if len(words) == 1:
            commands.add_parser(words[0], help=f"see `dialer {words[0]} --help`", add_help=False)
        else:
            group = commands.choices.get(words[0]) or commands.add_parser(words[0])
            group.add_argument(words[1], help=f"see `dialer {' '.join(words)} --help`")
    return parser


T = TypeVar("T")


async def _with_pool(settings: Settings, action: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    async with database_pool(settings, max_size=4) as pool:
        return await action(pool)


def _cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:

    async def run(pool: asyncpg.Pool) -> Any:
        async with pool.acquire() as connection:
            if args.status:
                for item in await migrations.status(connection):
                    state = (
                        "TAMPERED" if item.tampered else "applied" if item.applied else "pending"
                    )
                    print(f"{item.migration.file_name:40} {state}")
                return 0
            applied = await migrations.migrate(connection)
            print(
                f"applied {len(applied)} migration(s)"
                + (": " + ", ".join(m.file_name for m in applied) if applied else "")
            )
            return 0

    return int(asyncio.run(_with_pool(settings, run)))


def _cmd_user_add(settings: Settings, args: argparse.Namespace) -> int:

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass()
    try:
        new = NewUser(
            username=args.username,
            display_name=args.name,
            role=Role(args.role),
            password=password,
            branch_code=args.branch,
            team=args.team,
            language=args.language,
            audio_leg=args.audio_leg,
            phone_e164=args.phone,
        )
    except ValidationError as exc:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(exc))
        raise CommandError(f"invalid user: {detail}") from None

    async def run(pool: asyncpg.Pool) -> Any:

        async with pool.acquire() as connection:
            await migrations.migrate(connection)
        try:
            return await create_user(pool, new)
        except Problem as problem:
            detail = "; ".join(f"{e['field']}: {e['message']}" for e in problem.errors)
            raise CommandError(f"{problem.title}: {detail or problem.detail}") from None

    user_id = asyncio.run(_with_pool(settings, run))
    print(f"created user {args.username} (id {user_id}, role {args.role})")
    return 0


def _cmd_user_token(settings: Settings, args: argparse.Namespace) -> int:

    async def run(pool: asyncpg.Pool) -> str:
        found = await auth.user_by_username(pool, args.username)
        if found is None:
            raise CommandError(f"there is no user {args.username}")
        user_id, active = found
        if not active:
            raise CommandError(f"user {args.username} is inactive: no token issued")
        try:
            return await auth.issue_api_token(
                pool,
                user_id,
                args.label,
                lifetime=timedelta(days=settings.api_token_days),
                limit=settings.api_tokens_per_user,
            )
        except auth.TokenLimitReached as exc:
            raise CommandError(f"{exc}: revoke one first") from None

    print(asyncio.run(_with_pool(settings, run)))
    return 0


def _cmd_user_unlock(settings: Settings, args: argparse.Namespace) -> int:

    async def run(pool: asyncpg.Pool) -> bool:
        return await login_guard.unlock_user(pool, args.username, None, "cli", system_clock())

    if not asyncio.run(_with_pool(settings, run)):
        raise CommandError(f"there is no user {args.username}")
    print(f"unlocked {args.username}")
    return 0


_USER_COMMANDS = {"add": _cmd_user_add, "token": _cmd_user_token, "unlock": _cmd_user_unlock}


def _cmd_seed(settings: Settings, args: argparse.Namespace) -> int:

    async def run(pool: asyncpg.Pool) -> Any:
        async with pool.acquire() as connection:
            await migrations.migrate(connection)
        try:
            return await seed(pool, accounts=args.accounts, seed_value=args.seed)
        except SeedError as exc:
            raise CommandError(str(exc)) from None

    counts = asyncio.run(_with_pool(settings, run))
    figures = counts.as_dict()
    print(
        json.dumps(figures)
        if args.json
        else "seeded: " + ", ".join(f"{k}={v}" for k, v in figures.items())
    )
    return 0


def _cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    role = ProcessRole.WEB if args.no_engine else ProcessRole.ALL
    return _run_process(settings, args, role, serve_http=True)


def _cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    return _run_process(settings, args, ProcessRole.WORKER, serve_http=bool(args.port))


def _run_process(
    settings: Settings, args: argparse.Namespace, role: ProcessRole, *, serve_http: bool
) -> int:
    """Run the app in this process's role until SIGTERM or SIGINT, then shut it down
    (a worker drains: its leases pass to the other workers)."""
    if args.host:
        settings.host = args.host
    if args.port:
        settings.port = args.port

    async def build() -> web.Application:
        url = await asyncio.to_thread(
            db.resolve_database_url, settings.database_url, settings.data_dir
        )
        pool = await db.create_pool(url)
        if settings.apply_migrations and not args.no_migrate:
            async with pool.acquire() as connection:
                await migrations.migrate(connection)
        clock = offset_clock(settings.clock_offset_seconds)
        app = create_app(settings, pool=pool, clock=clock, database_url=url, role=role)

        async def close_pool(_app: web.Application) -> None:
            await pool.close()

        app.on_cleanup.append(close_pool)
        return app

    loop = new_event_loop(settings.uvloop)
    try:
        app = loop.run_until_complete(build())
    except BaseException:
        loop.close()
        raise
    if serve_http:
        web.run_app(app, host=settings.host, port=settings.port, loop=loop, print=None)
        return 0
    try:
        loop.run_until_complete(_run_headless(app))
    finally:
        loop.close()
    return 0


async def _run_headless(app: web.Application) -> None:
    """A worker without HTTP: the app's start-up and clean-up, until a signal."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def _cmd_demo(settings: Settings, args: argparse.Namespace) -> int:

    if args.port:
        settings.port = args.port
        settings.public_base_url = f"http://{settings.host}:{args.port}"
    settings.sim_speed = args.speed
    clock = system_clock if args.real_time else demo_clock()
    with asyncio.Runner(loop_factory=lambda: new_event_loop(settings.uvloop)) as runner:
        summary = runner.run(
            run_demo(
                settings, minutes=args.minutes, accounts=args.accounts, quiet=args.json, clock=clock
            )
        )
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, default=str))
    return 0


COMMANDS = {
    "serve": _cmd_serve,
    "worker": _cmd_worker,
    "migrate": _cmd_migrate,
    "seed": _cmd_seed,
    "demo": _cmd_demo,
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        delegated = _delegate(argv)
        if delegated is not None:
            return delegated
        args = _parser().parse_args(argv)
        settings = configured_settings()
        if args.command == "user":
            return _USER_COMMANDS[args.user_command](settings, args)
        return COMMANDS[args.command](settings, args)
    except (SettingsError, db.DatabaseError, MigrationError, CommandError) as exc:
        print(f"dialer: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
