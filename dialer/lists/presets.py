"""Saved column mappings ("presets"): named once by a campaign manager, picked on each load.

A preset maps headers to fields like `--mapping` does. When a list is loaded with a preset,
the preset's entries for the columns the file has apply first and an explicit mapping wins
over them entry by entry (`campaigns.lists.columns.with_preset`).

Its command line, `dialer lists presets` (`list`, `save NAME MAPPING`, `delete NAME`), is in
`dialer.cli.lists`.
"""

from __future__ import annotations

import datetime
import json
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
