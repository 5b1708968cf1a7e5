"""README's first command: `dialer demo` runs the main job end to end and prints its summary,
whose figures are the database's."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import asyncpg


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_demo_runs_a_campaign_and_prints_the_databases_figures(
    db_url: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALER_")}
    env.update(DATABASE_URL=db_url, DIALER_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run(
        [sys.executable, "-m", "dialer.cli", "demo", "--minutes", "0.15", "--accounts", "300"]
        + ["--json", "--port", str(_free_port())],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["status"] == "stopped"
    assert summary["accounts"] == 300
    assert summary["dials"] > 0 and summary["person_answers"] > 0
    assert 0 <= summary["abandon_rate"] <= 0.03

    connection = await asyncpg.connect(db_url)
    try:
        campaign_id = summary["campaign_id"]
        dials = await connection.fetchval(
            "SELECT count(*) FROM call_attempts WHERE campaign_id = $1", campaign_id
        )
        assert summary["dials"] == dials
        dispositions = dict(
            await connection.fetch(
                "SELECT code, count(*) FROM dispositions d JOIN call_attempts a"
                " USING (call_attempt_id) WHERE a.campaign_id = $1 GROUP BY code",
                campaign_id,
            )
        )
        assert summary["dispositions"] == dispositions
        assert await connection.fetchval("SELECT count(*) FROM accounts") == 300
        # quality: recordings, QA reviews, SMS answers and upheld complaints are the database's
        quality = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM call_recordings WHERE status = 'completed') AS rec,"
            " (SELECT count(*) FROM qa_reviews WHERE status IN ('scored', 'acknowledged')) AS qa,"
            " (SELECT count(*) FROM sms_surveys WHERE status = 'answered') AS sms,"
            " (SELECT count(*) FROM complaints WHERE status = 'upheld') AS upheld,"
            " (SELECT count(*) FROM service_coefficients) AS coefficients"
        )
        assert summary["recordings"] == quality["rec"] and quality["rec"] > 0
        assert summary["qa_reviews"] == quality["qa"]
        assert summary["sms_surveys_answered"] == quality["sms"]
        assert summary["complaints_upheld"] == quality["upheld"]
        assert quality["coefficients"] > 0
        # the firm-wide scoring model the demo trained (None: too few calls ended yet)
        assert summary["scoring_model_version"] == await connection.fetchval(
            "SELECT max(version) FROM scoring_models WHERE scope = 'firm'"
        )
    finally:
        await connection.close()
    # the revenue split adds up to the cent
    shares = Decimal(summary["revenue_centre"]) + Decimal(summary["revenue_firm_retained"])
    shares += sum((Decimal(v) for v in summary["revenue_by_branch"].values()), Decimal(0))
    assert shares == Decimal(summary["revenue_attributed"])
