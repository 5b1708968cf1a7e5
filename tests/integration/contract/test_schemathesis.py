"""The live API against its own OpenAPI document, by schemathesis (property-based): no
server error and no response outside the document, for an admin's token (the role that
may call the most routes). Bounded: a few examples per operation, one seed."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import asyncpg
from aiohttp import web

from dialer.app import create_app
from dialer.http import Role
from dialer.settings import Settings
from tests.helpers import headers_for

MAX_EXAMPLES = 8
SEED = 17


async def test_the_api_answers_as_its_document_says(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    runner = web.AppRunner(create_app(settings, pool=pool), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    admin = await headers_for(pool, Role.ADMIN, "schemathesis-admin")
    st = shutil.which("st") or str(Path(sys.executable).with_name("st"))
    try:
        process = await asyncio.create_subprocess_exec(
            st,
            "run",
            f"http://127.0.0.1:{port}/api/openapi.json",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,"
            "response_schema_conformance",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--phases",
            "examples,coverage,fuzzing",
            "--header",
            f"Authorization:{admin['Authorization']}",
            "--continue-on-failure",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,
            env={**os.environ, "NO_COLOR": "1"},
        )
        output, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    finally:
        await runner.cleanup()
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-40000:]
