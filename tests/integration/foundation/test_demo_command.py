"""README's first command: `dialer demo` runs the main job end to end and prints its summary,
whose figures are the database's."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import asyncpg

from dialer.reports.tallies import Bucket, Dimension, tallies


async def _reports_are_the_call_records(connection: asyncpg.Connection) -> None:
    """The reports' figures per rep for the finished demo (docs/figures.md) are direct
    counts of its call records: dials, contacts, talk seconds, warm leads."""
    start = datetime(2000, 1, 1, tzinfo=UTC)
    end = datetime(2100, 1, 1, tzinfo=UTC)
    by_rep = await tallies(connection, Dimension.REP, Bucket.MONTH, start, end, end)
    per_rep: dict[str, list[int]] = {}
    for (_bucket, key), tally in by_rep.items():
        if key is not None:
            figures = [tally.dials, tally.contacts, tally.talk_seconds, tally.warm_leads]
            sums = per_rep.setdefault(key, [0, 0, 0, 0])
            per_rep[key] = [a + b for a, b in zip(sums, figures, strict=True)]
    direct = await connection.fetch(
        """
        SELECT a.agent_user_id::text AS rep,
               count(*) FILTER (WHERE a.status <> 'blocked') AS dials,
               coalesce(sum(a.talk_seconds) FILTER (WHERE a.status <> 'blocked'), 0) AS talk,
               (SELECT count(*) FROM dispositions d JOIN disposition_codes dc
                  USING (campaign_id, code)
                 WHERE d.agent_user_id = a.agent_user_id AND dc.contact) AS contacts,
               (SELECT count(*) FROM dispositions d JOIN disposition_codes dc
                  USING (campaign_id, code)
                 WHERE d.agent_user_id = a.agent_user_id AND dc.warm_lead) AS warm
          FROM call_attempts a
         WHERE a.agent_user_id IS NOT NULL
         GROUP BY a.agent_user_id
        """
    )
    expected = {
        row["rep"]: [row["dials"], row["contacts"], row["talk"], row["warm"]] for row in direct
    }
    assert expected and sum(v[0] for v in expected.values()) > 0
    assert per_rep == expected


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
        await _reports_are_the_call_records(connection)
    finally:
        await connection.close()
    # the revenue split adds up to the cent
    shares = Decimal(summary["revenue_centre"]) + Decimal(summary["revenue_firm_retained"])
    shares += sum((Decimal(v) for v in summary["revenue_by_branch"].values()), Decimal(0))
    assert shares == Decimal(summary["revenue_attributed"])
