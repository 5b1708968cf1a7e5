"""Do-not-call imports of every layout, register snapshots that replace, and opt-outs."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
import structlog

from compliance.dnc_files import DncFileRefused, DncSource, snapshot_instant
from compliance.models import Verdict
from dialer import cli
from dialer.compliance.dnc_import import StaleSnapshot, import_dnc_file
from dialer.compliance.gatekeeper import check_numbers
from dialer.compliance.opt_outs import InvalidOptOut, add_opt_out

from .callees import add_callee, add_campaign, claim_all

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CONSENTED = (("marketing", datetime(2026, 1, 1, tzinfo=UTC), None),)


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def entries(pool: asyncpg.Pool, source: str) -> dict[str, asyncpg.Record]:
    rows = await pool.fetch("SELECT * FROM dnc_entries WHERE source = $1", source)
    return {r["e164"]: r for r in rows}


async def run(
    pool: asyncpg.Pool, path: Path, source: DncSource, snapshot: date | None = None, **kw: str
):
    async with pool.acquire() as connection:
        return await import_dnc_file(
            connection, path, source, NOW, snapshot_date=snapshot, region=kw.get("region")
        )


async def test_us_registry_flat_file_with_rejected_lines(pool: asyncpg.Pool, tmp_path: Path):
    path = write(
        tmp_path,
        "us-2026-11-20.txt",
        "202,5550123",
        "3055550150",
        "",
        "305,5550150",  # the same number again
        "12345",  # not area code + number
        "000,5550123",  # no such area code
        "202-555-0199",  # other punctuation is not the registry's layout
    )
    summary = await run(pool, path, DncSource.NATIONAL, date(2026, 11, 20))
    assert (summary.lines, summary.accepted, summary.duplicates, summary.rejected) == (6, 2, 1, 3)
    assert summary.reject_reasons == {"invalid_number": 1, "layout": 2}
    assert [r.line_number for r in summary.rejects] == [5, 6, 7]
    assert summary.added == 2 and summary.expired == 0
    listed = await entries(pool, "national")
    assert set(listed) == {"+12025550123", "+13055550150"}
    assert {r["scope"] for r in listed.values()} == {"marketing"}
    assert {r["added_at"] for r in listed.values()} == {snapshot_instant(date(2026, 11, 20))}
    snapshot = await pool.fetchrow("SELECT * FROM dnc_snapshots")
    assert snapshot["snapshot_id"] == summary.snapshot_id
    assert (snapshot["source"], snapshot["snapshot_date"]) == ("national", date(2026, 11, 20))
    assert (snapshot["entries"], snapshot["lines_total"], snapshot["rows_rejected"]) == (2, 6, 3)
    assert snapshot["reject_reasons"] == {"invalid_number": 1, "layout": 2}
    assert len(snapshot["content_sha256"]) == 64 and snapshot["replaces_register"]


async def test_a_later_register_snapshot_replaces_the_earlier_one(
    pool: asyncpg.Pool, tmp_path: Path
):
    first = write(tmp_path, "a.txt", "2025550123", "2025550124", "2025550125")
    first_summary = await run(pool, first, DncSource.NATIONAL, date(2026, 10, 1))
    second = write(tmp_path, "b.txt", "2025550123", "2025550126")
    summary = await run(pool, second, DncSource.NATIONAL, date(2026, 11, 1))
    assert (summary.added, summary.kept, summary.reactivated, summary.expired) == (1, 1, 0, 2)
    listed = await entries(pool, "national")
    removed_at = snapshot_instant(date(2026, 11, 1))
    assert listed["+12025550124"]["expires_at"] == removed_at
    assert listed["+12025550125"]["expires_at"] == removed_at
    assert listed["+12025550123"]["expires_at"] is None
    assert listed["+12025550123"]["added_at"] == snapshot_instant(date(2026, 10, 1))
    # a number still listed keeps the snapshot that listed it; the new one names this one
    assert listed["+12025550123"]["snapshot_id"] == first_summary.snapshot_id
    assert listed["+12025550126"]["snapshot_id"] == summary.snapshot_id
    assert listed["+12025550126"]["added_at"] == removed_at

    # listed again later: a new listing from that snapshot on
    third = write(tmp_path, "c.txt", "2025550123", "2025550124", "2025550126")
    summary = await run(pool, third, DncSource.NATIONAL, date(2026, 11, 20))
    assert (summary.added, summary.kept, summary.reactivated, summary.expired) == (0, 2, 1, 0)
    listed = await entries(pool, "national")
    assert listed["+12025550124"]["expires_at"] is None
    assert listed["+12025550124"]["added_at"] == snapshot_instant(date(2026, 11, 20))

    # an older snapshot is refused and changes nothing
    with pytest.raises(StaleSnapshot, match="older than the one already imported"):
        await run(pool, first, DncSource.NATIONAL, date(2026, 10, 15))
    assert await pool.fetchval("SELECT count(*) FROM dnc_snapshots") == 3
    # the same file for the same date again is recognised, not imported twice
    again = await run(pool, third, DncSource.NATIONAL, date(2026, 11, 20))
    assert again.already_imported and again.snapshot_id == summary.snapshot_id
    assert await pool.fetchval("SELECT count(*) FROM dnc_snapshots") == 3


async def test_an_expired_register_entry_no_longer_blocks(pool: asyncpg.Pool, tmp_path: Path):
    await add_callee(pool, "+12025550124", line_type="landline", region="DC", risk="C3")
    campaign_id = await add_campaign(pool, "us", jurisdiction="US")
    await run(pool, write(tmp_path, "a.txt", "2025550124"), DncSource.NATIONAL, date(2026, 11, 1))
    us_noon = NOW + timedelta(hours=15)
    numbers = await claim_all(pool, campaign_id, us_noon)
    async with pool.acquire() as connection:
        [before] = await check_numbers(
            connection, campaign_id, numbers, us_noon, dial_mode="preview"
        )
        assert (before.decision.verdict, before.decision.rules) == (Verdict.BLOCK, ("US-D1",))
    await run(pool, write(tmp_path, "b.txt", "2025550199"), DncSource.NATIONAL, date(2026, 11, 20))
    async with pool.acquire() as connection:
        [after] = await check_numbers(
            connection, campaign_id, numbers, us_noon, dial_mode="preview"
        )
    assert after.decision.verdict is Verdict.ALLOW


async def test_uk_tps_national_format_one_number_per_line(pool: asyncpg.Pool, tmp_path: Path):
    path = write(
        tmp_path,
        "tps.txt",
        "02079460123",
        "0113 496 0000",
        "+442079460999",
        "+8613812345678",  # not a UK number
        "TPS FILE",  # header text
        "0207946",  # too short
    )
    summary = await run(pool, path, DncSource.TPS, date(2026, 11, 15))
    assert (summary.accepted, summary.rejected) == (3, 3)
    assert summary.reject_reasons == {
        "invalid_number": 1,
        "not_a_number": 1,
        "wrong_country": 1,
    }
    assert set(await entries(pool, "tps")) == {"+442079460123", "+441134960000", "+442079460999"}
    ctps = await run(pool, write(tmp_path, "ctps.txt", "02079460555"), DncSource.CTPS)
    assert ctps.accepted == 1 and ctps.snapshot_date == NOW.date()


async def test_firm_list_with_header_optional_columns_and_default_region(
    pool: asyncpg.Pool, tmp_path: Path
):
    path = write(
        tmp_path,
        "firm.csv",
        "number,expires_at,scope,note",
        "+8613800000001,,,",
        "13800000002,2027-05-01,marketing,asked by SMS",
        "13800000003,2027-05-01T08:00:00+08:00,all,",
        "13800000004,,sometimes,",  # bad scope
        "13800000005,next year,,",  # bad date
        "13800000006,2027-05-01T08:00:00,,",  # a date-time without an offset
        "+13055550150",  # another country is fine on the firm's list
        "1,2,3,4,5",  # too many columns
    )
    summary = await run(pool, path, DncSource.FIRM)
    assert (summary.lines, summary.accepted, summary.rejected) == (8, 4, 4)
    assert summary.reject_reasons == {"bad_date": 2, "bad_scope": 1, "layout": 1}
    listed = await entries(pool, "firm")
    assert listed["+8613800000001"]["scope"] == "all"  # a request to the firm stops every call
    assert listed["+8613800000002"]["scope"] == "marketing"
    assert listed["+8613800000002"]["expires_at"] == datetime(2027, 5, 1, tzinfo=UTC)
    assert listed["+8613800000002"]["note"] == "asked by SMS"
    assert listed["+8613800000003"]["expires_at"] == datetime(2027, 5, 1, 0, tzinfo=UTC)
    assert "+13055550150" in listed
    # the firm's list only adds: a later file does not expire what it does not list
    later = await run(pool, write(tmp_path, "firm2.csv", "+8613800000009"), DncSource.FIRM)
    assert later.expired == 0
    assert len(await entries(pool, "firm")) == 5


async def test_china_refusal_list_with_refusal_instants(pool: asyncpg.Pool, tmp_path: Path):
    path = write(
        tmp_path,
        "refusals.csv",
        "13800000001,2026-11-20T10:00:00+08:00",
        "13800000002",
        "+12025550123",  # not a Chinese number
    )
    summary = await run(pool, path, DncSource.CN_REFUSAL)
    assert (summary.accepted, summary.reject_reasons) == (2, {"wrong_country": 1})
    listed = await entries(pool, "cn_refusal")
    assert listed["+8613800000001"]["added_at"] == datetime(2026, 11, 20, 2, tzinfo=UTC)
    assert listed["+8613800000002"]["added_at"] == snapshot_instant(NOW.date())


async def test_a_failed_import_changes_nothing(pool: asyncpg.Pool, tmp_path: Path):
    await run(pool, write(tmp_path, "a.txt", "2025550123"), DncSource.NATIONAL, date(2026, 11, 1))
    bad = write(tmp_path, "bad.txt", "garbage", "more garbage")
    with pytest.raises(DncFileRefused, match="would empty the register"):
        await run(pool, bad, DncSource.NATIONAL, date(2026, 11, 20))
    empty = write(tmp_path, "empty.txt", "")
    with pytest.raises(DncFileRefused, match="the file has no lines"):
        await run(pool, empty, DncSource.NATIONAL, date(2026, 11, 20))
    assert await pool.fetchval("SELECT count(*) FROM dnc_snapshots") == 1
    assert (await entries(pool, "national"))["+12025550123"]["expires_at"] is None
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("2025550124\n20255501\xe9\n".encode("latin-1"))
    with pytest.raises(DncFileRefused, match="not UTF-8"):
        await run(pool, latin1, DncSource.NATIONAL, date(2026, 11, 21))
    assert await pool.fetchval("SELECT count(*) FROM dnc_entries") == 1


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The CLI configures structlog for its process; put the test session's setup back."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def test_cli_imports_and_prints_a_json_summary(
    restore_logging: None,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    path = write(tmp_path, "tps.txt", "02079460123", "nonsense")
    argv = ["dnc", "import", str(path), "--source", "tps", "--snapshot-date", "2026-11-15"]
    assert cli.main([*argv, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["accepted"], summary["rejected"], summary["snapshot_date"]) == (
        1,
        1,
        "2026-11-15",
    )
    assert summary["reject_reasons"] == {"not_a_number": 1}
    assert cli.main(argv) == 0
    assert "already imported" in capsys.readouterr().out
    older = [*argv[:-1], "2026-11-01"]
    assert cli.main(older) == 2
    assert "older than the one already imported" in capsys.readouterr().err


async def test_an_opt_out_blocks_from_that_moment_and_is_audited(pool: asyncpg.Pool) -> None:
    account_id, _ = await add_callee(pool, "+8613800000001", risk="C3", consents=CONSENTED)
    household, _ = await add_callee(pool, "+8613800000001", risk="C3", consents=CONSENTED)
    campaign_id = await add_campaign(pool, "service calls", purpose="service")
    numbers = await claim_all(pool, campaign_id, NOW)
    received = NOW + timedelta(minutes=5)
    async with pool.acquire() as connection:
        opt_out = await add_opt_out(
            connection, "+8613800000001", "sms", received, account_id=account_id
        )

        async def verdicts(at: datetime) -> set[tuple[Verdict, tuple[str, ...]]]:
            outcomes = await check_numbers(
                connection, campaign_id, numbers, at, dial_mode="preview"
            )
            return {
                (o.decision.verdict, o.decision.rules if o.decision.verdict.severity else ())
                for o in outcomes
            }

        # a service call too: the request stops every call (scope all), for both accounts
        assert await verdicts(received - timedelta(microseconds=1)) == {(Verdict.ALLOW, ())}
        assert await verdicts(received) == {(Verdict.BLOCK, ("CN-C2",))}
    assert opt_out.blocked_from == received
    assert opt_out.account_ids == tuple(sorted((account_id, household)))
    entry = await pool.fetchrow("SELECT * FROM dnc_entries")
    assert (entry["source"], entry["scope"], entry["channel"]) == ("firm", "all", "sms")
    assert (entry["account_id"], entry["expires_at"]) == (account_id, None)
    audits = await pool.fetch(
        "SELECT * FROM audit_log WHERE kind = 'dnc_opt_out' ORDER BY subject_id"
    )
    assert [(a["subject_type"], a["subject_id"]) for a in audits] == [
        ("account", account_id),
        ("account", household),
    ]
    assert audits[0]["detail"]["channel"] == "sms"
    assert audits[0]["detail"]["dnc_entry_id"] == entry["dnc_entry_id"]


async def test_an_opt_out_widens_and_restarts_earlier_entries(pool: asyncpg.Pool) -> None:
    await pool.execute(
        "INSERT INTO dnc_entries (e164, source, scope, added_at, expires_at) VALUES"
        " ('+8613800000001', 'firm', 'marketing', $1, NULL),"
        " ('+8613800000002', 'firm', 'all', $1, $2)",
        NOW - timedelta(days=30),
        NOW - timedelta(days=1),
    )
    async with pool.acquire() as connection:
        widened = await add_opt_out(connection, "+8613800000001", "web", NOW)
        restarted = await add_opt_out(connection, "+8613800000002", "phone", NOW)
        nobody = await add_opt_out(connection, "+8613800000003", "email", NOW)
        with pytest.raises(InvalidOptOut, match="channel"):
            await add_opt_out(connection, "+8613800000004", "pigeon", NOW)
        with pytest.raises(InvalidOptOut, match="not a valid"):
            await add_opt_out(connection, "+86138", "sms", NOW)
        with pytest.raises(InvalidOptOut, match="account 999 does not exist"):
            await add_opt_out(connection, "+8613800000004", "sms", NOW, account_id=999)
    assert widened.blocked_from == NOW - timedelta(days=30)
    assert restarted.blocked_from == NOW
    listed = await entries(pool, "firm")
    assert {r["scope"] for r in listed.values()} == {"all"}
    assert {r["expires_at"] for r in listed.values()} == {None}
    assert nobody.account_ids == ()
    # no account has these numbers: each request is audited on its entry
    audited = await pool.fetch(
        "SELECT subject_id FROM audit_log WHERE kind = 'dnc_opt_out' AND subject_type = 'dnc_entry'"
        " ORDER BY audit_id"
    )
    assert [a["subject_id"] for a in audited] == [
        widened.dnc_entry_id,
        restarted.dnc_entry_id,
        nobody.dnc_entry_id,
    ]
    assert await pool.fetchval("SELECT count(*) FROM dnc_entries") == 3


async def test_register_snapshots_in_any_order_of_changes_leave_exactly_the_last_one_live(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """A property over random snapshot sequences: after each import the live entries are the
    snapshot's numbers, each listed since the start of its current uninterrupted listing."""
    rng = random.Random(6)
    universe = [f"20255501{n:02d}" for n in range(30)]
    listed_since: dict[str, datetime] = {}
    ever: set[str] = set()
    day = date(2026, 1, 1)
    for index in range(8):
        day += timedelta(days=rng.randint(1, 40))
        current = set(rng.sample(universe, rng.randint(0, len(universe))))
        if not current:
            current = {universe[0]}  # an empty register file is refused, as it should be
        path = write(tmp_path, f"s{index}.txt", *sorted(current))
        live_before = set(listed_since)
        summary = await run(pool, path, DncSource.NATIONAL, day)
        assert summary.expired == len(live_before - current), index
        assert summary.added + summary.reactivated == len(current - live_before), index
        assert summary.reactivated == len((current - live_before) & ever), index
        listed_since = {n: listed_since.get(n, snapshot_instant(day)) for n in sorted(current)}
        ever |= current
        rows = await entries(pool, "national")
        live = {e164[2:]: r["added_at"] for e164, r in rows.items() if r["expires_at"] is None}
        assert live == listed_since, index
        for e164, row in rows.items():
            if e164[2:] not in current:
                assert row["expires_at"] <= snapshot_instant(day), index


async def test_a_firm_entry_blocks_until_its_expiry(pool: asyncpg.Pool, tmp_path: Path) -> None:
    await add_callee(pool, "+8613800000001", consents=CONSENTED)
    campaign_id = await add_campaign(pool, "cn")
    expiry = NOW + timedelta(days=1)
    path = write(tmp_path, "firm.csv", f"+8613800000001,{expiry.isoformat()},marketing")
    await run(pool, path, DncSource.FIRM)
    numbers = await claim_all(pool, campaign_id, NOW)

    async def verdict(at: datetime) -> Verdict:
        async with pool.acquire() as connection:
            [outcome] = await check_numbers(
                connection, campaign_id, numbers, at, dial_mode="preview"
            )
        return outcome.decision.verdict

    assert await verdict(expiry - timedelta(seconds=1)) is Verdict.BLOCK
    assert await verdict(expiry) is Verdict.ALLOW
