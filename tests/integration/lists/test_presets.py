"""Saved column mappings (presets): saved through the API or the CLI, picked on each load,
an explicit mapping winning over them entry by entry."""

from __future__ import annotations

import datetime
from pathlib import Path

import asyncpg
import pytest
import structlog
from aiohttp.test_utils import TestClient

from campaigns.lists.columns import Field, with_preset
from dialer.cli.lists import import_main, presets_main
from dialer.http import Role
from dialer.lists import presets
from dialer.lists.importer import ImportOptions, import_file
from tests.helpers import headers_for
from tests.integration.lists.test_routes import upload, wait_for
from tests.unit.lists.factories import csv_text, write_csv

NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
# a branch's own export: none of these headers is recognised without a mapping
ODD_HEADER = ("客户", "号码一", "备用号码", "标签")
ODD_ROWS = [
    ["王小明", "13812345678", "13912345678", "A"],
    ["李华", "13712345678", "", "B"],
]


def test_a_preset_applies_to_the_columns_a_file_has_and_the_explicit_mapping_wins() -> None:
    preset = {"客户": Field.NAME, "号码一": Field.PHONE, "手机2": Field.PHONE}
    merged = with_preset(ODD_HEADER, preset, {"号码一": Field.IGNORE, "备用号码": Field.PHONE})
    assert merged == {"客户": Field.NAME, "号码一": Field.IGNORE, "备用号码": Field.PHONE}


async def test_save_pick_and_override_a_preset_through_the_api(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    saved = await client.put(
        "/api/v1/lists/presets/branch-7",
        json={"mapping": {"客户": "name", "号码一": "phone", "手机2": "phone"}},
        headers=headers,
    )
    assert saved.status == 200, await saved.text()
    assert (await saved.json())["mapping"] == {"客户": "name", "号码一": "phone", "手机2": "phone"}
    listed = await (await client.get("/api/v1/lists/presets", headers=headers)).json()
    assert [preset["name"] for preset in listed["presets"]] == ["branch-7"]

    data = csv_text(ODD_HEADER, ODD_ROWS).encode("utf-8")
    response = await client.post(
        "/api/v1/lists/imports",
        data=upload("weekly", data, preset="branch-7", mapping="备用号码=phone"),
        headers=headers,
    )
    assert response.status == 202, await response.text()
    job = await wait_for(client, (await response.json())["status_url"], headers)
    assert job["status"] == "done", job
    assert (job["rows"], job["accepted"], job["rejected"]) == (2, 2, 0)
    phones = await pool.fetch(
        "SELECT a.name, p.e164 FROM account_phones p JOIN accounts a USING (account_id)"
        " ORDER BY p.phone_id"
    )
    # 号码一 from the preset, 备用号码 from the explicit mapping; 标签 kept as an attribute
    assert [(row["name"], row["e164"]) for row in phones] == [
        ("王小明", "+8613812345678"),
        ("王小明", "+8613912345678"),
        ("李华", "+8613712345678"),
    ]
    assert await pool.fetchval("SELECT extra->>'标签' FROM accounts WHERE name = '李华'") == "B"
    options = await pool.fetchval("SELECT options->>'preset' FROM list_imports")
    assert options == "branch-7"


async def test_an_unknown_preset_or_a_bad_mapping_is_refused_and_changes_nothing(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    data = csv_text(ODD_HEADER, ODD_ROWS).encode("utf-8")
    response = await client.post(
        "/api/v1/lists/imports", data=upload("weekly", data, preset="nope"), headers=headers
    )
    assert response.status == 422
    problem = await response.json()
    assert problem["errors"][0]["field"] == "preset"
    assert "no mapping preset named 'nope'" in problem["detail"]

    bad = await client.put(
        "/api/v1/lists/presets/branch-7", json={"mapping": {"客户": "nickname"}}, headers=headers
    )
    assert bad.status == 422
    assert "unknown field 'nickname'" in (await bad.json())["detail"]
    assert await pool.fetchval("SELECT count(*) FROM list_mapping_presets") == 0
    assert await pool.fetchval("SELECT count(*) FROM list_imports") == 0

    missing = await client.delete("/api/v1/lists/presets/branch-7", headers=headers)
    assert missing.status == 404


async def test_presets_are_for_campaign_managers(client: TestClient, pool: asyncpg.Pool) -> None:
    rep = await headers_for(pool, Role.TELESALES_REP)
    assert (await client.get("/api/v1/lists/presets", headers=rep)).status == 403
    put = await client.put("/api/v1/lists/presets/x", json={"mapping": "客户=name"}, headers=rep)
    assert put.status == 403
    manager = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    put = await client.put(
        "/api/v1/lists/presets/x", json={"mapping": "客户=name"}, headers=manager
    )
    assert put.status == 200
    assert (await client.delete("/api/v1/lists/presets/x", headers=manager)).status == 204
    assert await pool.fetchval("SELECT count(*) FROM list_mapping_presets") == 0


async def test_an_unknown_preset_fails_the_import_before_anything_is_written(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "odd.csv", ODD_HEADER, ODD_ROWS)
    async with pool.acquire() as connection:
        await presets.save_preset(
            connection, "branch-7", {"客户": Field.NAME}, user_id=None, now=NOW
        )
        with pytest.raises(presets.UnknownPreset, match="saved presets: branch-7"):
            await import_file(
                connection, path, ImportOptions(list_name="weekly", preset="branch-8"), now=NOW
            )
    assert await pool.fetchval("SELECT count(*) FROM lists") == 0


def test_cli_saves_a_preset_and_imports_with_it(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    saved_logging = structlog.get_config()
    monkeypatch.setenv("DATABASE_URL", db_url)
    try:
        assert presets_main(["save", "branch-7", "客户=name,号码一=phone"]) == 0
        assert presets_main(["list"]) == 0
        assert "branch-7: 客户=name, 号码一=phone" in capsys.readouterr().out
        path = write_csv(tmp_path / "odd.csv", ODD_HEADER, ODD_ROWS)
        assert import_main([str(path), "--name", "weekly", "--json"]) == 2
        assert "no phone column recognised" in capsys.readouterr().err
        code = import_main([str(path), "--name", "weekly", "--preset", "branch-7", "--json"])
        assert code == 0
        assert '"accepted": 2' in capsys.readouterr().out
        assert presets_main(["delete", "branch-7"]) == 0
        assert presets_main(["delete", "branch-7"]) == 1
    finally:
        structlog.configure(**saved_logging)
