"""`dialer revenue clawback` and `dialer revenue reverse`: new entries only, still reconciled."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog

from dialer import cli
from dialer.revenue.statements import reconcile_ledger

from .conftest import Brokerage
from .test_revenue_ledger import SHANGHAI, posted_book, sums_by_party

DECEMBER = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def command_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DIALER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("dialer.clock.system_clock", lambda: DECEMBER)
    yield
    structlog.reset_defaults()


async def dialer(*argv: str) -> int:
    return await asyncio.to_thread(cli.main, list(argv))


def summary(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    """The command's JSON summary: its last line (the log lines go to stdout too)."""
    result: dict[str, object] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return result


async def corrections(b: Brokerage) -> list[tuple[str, str, int, str]]:
    rows = await b.pool.fetch(
        "SELECT party_kind, period, amount_cents, reason FROM revenue_ledger"
        " WHERE reverses_entry_id IS NOT NULL OR reason <> 'split' ORDER BY entry_id"
    )
    return [(r["party_kind"], r["period"], r["amount_cents"], r["reason"]) for r in rows]


@pytest.mark.usefixtures("command_env")
async def test_a_clawback_by_account_number_moves_the_shares_to_the_firm(
    brokerage: Brokerage, capsys: pytest.CaptureFixture[str]
) -> None:
    b = brokerage
    await posted_book(b, clawback_days=30)  # A1 converted 2 Nov; 1000.00 commission posted

    assert await dialer("revenue", "clawback", "--account", "A1", "--left", "2026-11-20") == 0
    assert summary(capsys) == {
        "account": "A1",
        "left": "2026-11-20",
        "entries": 4,
    }
    reason = "clawback: customer left 2026-11-20"
    assert await corrections(b) == [
        ("rep", "2026-12", -5000, reason),
        ("team", "2026-12", -1000, reason),
        ("account_manager", "2026-12", -10000, reason),
        ("firm", "2026-12", 16000, reason),
    ]
    assert await sums_by_party(b) == {"rep": 0, "team": 0, "account_manager": 0, "firm": 100000}
    checks = await reconcile_ledger(b.pool, None, SHANGHAI)
    assert [str(c.month) for c in checks] == ["2026-11", "2026-12"]
    assert all(c.ok for c in checks), [c.reconciliation.report() for c in checks]

    # Again: nothing left to claw back, nothing written.
    assert await dialer("revenue", "clawback", "--account", "A1", "--left", "2026-11-20") == 0
    assert summary(capsys)["entries"] == 0
    assert len(await corrections(b)) == 4


@pytest.mark.usefixtures("command_env")
async def test_a_clawback_says_what_is_wrong_and_writes_nothing(
    brokerage: Brokerage, capsys: pytest.CaptureFixture[str]
) -> None:
    b = brokerage
    await posted_book(b, clawback_days=30)
    cases = {
        ("--account", "ZZ9", "--left", "2026-11-20"): "no account numbered ZZ9",
        ("--account", "A1", "--left", "20/11/2026"): "is not a YYYY-MM-DD date",
        ("--account", "A1", "--left", "2026-12-24"): "is after today",
        ("--account", "A1", "--left", "2026-11-20", "--time-zone", "Mars/Base"): "time zone",
    }
    for argv, message in cases.items():
        assert await dialer("revenue", "clawback", *argv) == 2
        assert message in capsys.readouterr().err
    assert await dialer("revenue", "clawback", "--account", "A1") == 2
    assert "--left" in capsys.readouterr().err
    assert await corrections(b) == []


@pytest.mark.usefixtures("command_env")
async def test_a_reversal_by_reference_brings_every_account_back_to_zero(
    brokerage: Brokerage, capsys: pytest.CaptureFixture[str]
) -> None:
    b = brokerage
    await posted_book(b)
    assert await dialer("revenue", "reverse", "--conversion", "K1", "--reason", "restated") == 0
    assert summary(capsys) == {"conversion": "K1", "entries": 4}
    assert await corrections(b) == [
        ("rep", "2026-12", -5000, "restated"),
        ("team", "2026-12", -1000, "restated"),
        ("account_manager", "2026-12", -10000, "restated"),
        ("firm", "2026-12", -84000, "restated"),
    ]
    assert set((await sums_by_party(b)).values()) == {0}
    checks = await reconcile_ledger(b.pool, None, SHANGHAI)
    assert all(c.ok for c in checks), [c.reconciliation.report() for c in checks]
    assert str(checks[1].reconciliation.ledger_total) == "-1000.00"

    cases = {
        ("--conversion", "K1", "--reason", "again"): "nothing on the ledger to reverse",
        ("--conversion", "NOPE", "--reason", "x"): "no conversion with reference NOPE",
        ("--conversion", "K1", "--reason", "  "): "needs a reason",
    }
    for argv, message in cases.items():
        assert await dialer("revenue", "reverse", *argv) == 2
        assert message in capsys.readouterr().err
    assert await dialer("revenue", "reverse", "--conversion", "K1") == 2
    assert "--reason" in capsys.readouterr().err
    assert len(await corrections(b)) == 4
