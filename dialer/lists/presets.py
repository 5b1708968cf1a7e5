"""Saved column mappings ("presets"): named once by a campaign manager, picked on each load.

A preset maps headers to fields like `--mapping` does. When a list is loaded with a preset,
the preset's entries for the columns the file has apply first and an explicit mapping wins
over them entry by entry (`campaigns.lists.columns.with_preset`).

`main(argv)` is the `dialer lists presets` command: `list`, `save NAME MAPPING`, `delete NAME`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import sys
from typing import Any

import asyncpg

from campaigns.lists.columns import Field, parse_mapping
from campaigns.lists.errors import ListLoadError
from dialer.sql import load_queries

QUERIES = load_queries("dialer.lists")


class UnknownPreset(ListLoadError):
    """No mapping preset has that name; the message lists the saved ones."""


def mapping_json(mapping: dict[str, Field]) -> str:
    return json.dumps(
        {column: field.value for column, field in mapping.items()}, ensure_ascii=False
    )


def preset_row(row: Any) -> dict[str, Any]:
    return {
        "name": row["name"],
        "mapping": json.loads(row["mapping"]),
        "updated_at": row["updated_at"].isoformat(),
    }


async def load_preset(connection: asyncpg.Connection, name: str) -> dict[str, Field]:
    """The saved mapping called `name`; UnknownPreset when there is none."""
    stored = await connection.fetchval(QUERIES["get_mapping_preset"], name)
    if stored is None:
        saved = [row["name"] for row in await connection.fetch(QUERIES["list_mapping_presets"])]
        raise UnknownPreset(
            f"no mapping preset named {name!r}; saved presets: {', '.join(saved) or 'none'}"
        )
    return parse_mapping(stored)


async def save_preset(
    connection: asyncpg.Connection,
    name: str,
    mapping: dict[str, Field],
    *,
    user_id: int | None,
    now: datetime.datetime,
) -> dict[str, Any]:
    name = name.strip()
    if not name:
        raise ListLoadError("give the preset a name")
    if not mapping:
        raise ListLoadError("a preset needs at least one header=field entry")
    row = await connection.fetchrow(
        QUERIES["save_mapping_preset"], name, mapping_json(mapping), user_id, now
    )
    return preset_row(row)


async def list_presets(connection: asyncpg.Connection) -> list[dict[str, Any]]:
    return [preset_row(row) for row in await connection.fetch(QUERIES["list_mapping_presets"])]


async def delete_preset(connection: asyncpg.Connection, name: str) -> bool:
    return await connection.fetchval(QUERIES["delete_mapping_preset"], name) is not None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer lists presets", description="Saved column mappings for list loading."
    )
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="show the saved presets")
    save = actions.add_parser("save", help="save (or replace) a preset")
    save.add_argument("name")
    save.add_argument("mapping", help="header=field pairs or JSON, e.g. '备用号码=phone,客户=name'")
    delete = actions.add_parser("delete", help="delete a preset")
    delete.add_argument("name")
    return parser


async def _run(args: argparse.Namespace) -> int:
    from dialer import db
    from dialer.clock import system_clock
    from dialer.settings import load_settings

    settings = load_settings()
    url = db.resolve_database_url(settings.database_url, settings.data_dir)
    async with db.pool_for(url, min_size=1, max_size=1) as pool, pool.acquire() as connection:
        if args.action == "list":
            for preset in await list_presets(connection):
                pairs = ", ".join(f"{k}={v}" for k, v in preset["mapping"].items())
                print(f"{preset['name']}: {pairs}")
        elif args.action == "save":
            preset = await save_preset(
                connection,
                args.name,
                parse_mapping(args.mapping),
                user_id=None,
                now=system_clock(),
            )
            print(f"saved preset {preset['name']!r}")
        elif not await delete_preset(connection, args.name):
            print(f"no mapping preset named {args.name!r}", file=sys.stderr)
            return 1
        else:
            print(f"deleted preset {args.name!r}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except ListLoadError as exc:
        print(f"dialer lists presets: {exc}", file=sys.stderr)
        return 2
