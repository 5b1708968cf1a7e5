"""The service decides with the rule book and firm policy its settings name
(DIALER_COMPLIANCE_RULE_BOOK, DIALER_FIRM_POLICY): the engine, the callback gate and the
campaign start check all use the rules `create_app` loaded once, and `dialer compliance
explain` given the same files decides the same way."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from compliance.explain import main as explain
from compliance.rules import DEFAULT_RULE_BOOK, GateRules
from dialer.app import create_app
from dialer.compliance.gatekeeper import check_numbers
from dialer.engine import hopper
from dialer.engine.loop import CampaignEngine
from dialer.engine.settings import load_campaign
from dialer.events import EventBus
from dialer.keys import GATE_RULES, TELEPHONY
from dialer.settings import Settings, SettingsError, load_gate_rules, load_settings
from tests.integration.compliance.callees import add_callee, add_campaign
from tests.integration.compliance.test_engine_contract import RecordingProvider
from tests.integration.console.world import MORNING, FrozenClock, build_world, connect_call

# 19:00 in Shanghai on the same working Tuesday: inside CN-H1 (09:00-21:00), outside a
# firm policy that stops calls at 18:00
EVENING = MORNING + timedelta(hours=9)
EIGHTEEN_HUNDRED_POLICY = {
    "version": "firm-early-close-1",
    "hours": {"CN": {"days": [{"start": "09:00", "end": "18:00"}] * 7}},
}


def _settings(db_url: str, tmp_path: Path, **files: object) -> Settings:
    paths = {}
    for name, content in files.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(content), encoding="utf-8")
        paths[name] = path
    return load_settings(
        database_url=db_url, data_dir=tmp_path / "data", apply_migrations=False, **paths
    )


@pytest.fixture
async def started(
    request: pytest.FixtureRequest, db_url: str, tmp_path: Path, pool: asyncpg.Pool
) -> AsyncIterator[tuple[web.Application, TestClient, FrozenClock]]:
    """The real app, with the early-closing firm policy when the test is parametrised so."""
    files = {"firm_policy": EIGHTEEN_HUNDRED_POLICY} if request.param else {}
    clock = FrozenClock(MORNING)
    app = create_app(_settings(db_url, tmp_path, **files), pool=pool, clock=clock)
    async with TestClient(TestServer(app)) as client:
        yield app, client, clock


@pytest.mark.parametrize("started", [True, False], ids=["firm-policy", "shipped"], indirect=True)
async def test_a_firm_policy_narrowing_china_hours_reaches_the_engine_and_the_callback_gate(
    started: tuple[web.Application, TestClient, FrozenClock], pool: asyncpg.Pool
) -> None:
    app, client, clock = started
    narrowed = app[GATE_RULES].policy.version == "firm-early-close-1"
    # the engine dials the first customer; the rep books a callback with the second
    world = await build_world(pool, customers=2)
    dialled, called_back = world.accounts
    await pool.execute(
        "UPDATE campaigns SET caller_id = '+862195500000' WHERE campaign_id = $1",
        world.campaign_id,
    )

    # the engine: the service builds it with the app's rules, and dials at 19:00 only
    # without the policy
    telephony_engine = await app[TELEPHONY].engine_for(world.campaign_id)
    assert telephony_engine.rules is app[GATE_RULES]
    async with pool.acquire() as connection:
        assert await hopper.load_numbers(connection, world.campaign_id, EVENING) == 2
    await pool.execute("DELETE FROM campaign_numbers WHERE account_id = $1", called_back)
    provider = RecordingProvider()
    campaign = await load_campaign(pool, world.campaign_id, {"abandon_message": "call us"})
    engine = CampaignEngine(
        pool, provider, EventBus(), lambda: EVENING, campaign, rules=app[GATE_RULES]
    )
    await engine.launch(1, EVENING)
    await asyncio.gather(*engine.placing)
    queued = await pool.fetchrow(
        "SELECT state, next_attempt_at, reason FROM campaign_numbers WHERE campaign_id = $1",
        world.campaign_id,
    )
    decided = await pool.fetchval(
        "SELECT detail FROM audit_log WHERE kind = 'compliance_decision' ORDER BY audit_id DESC"
    )
    if narrowed:
        assert provider.placed == []
        assert engine.figures.delayed == 1
        # back in the queue until 09:00 Shanghai the next morning, with the policy's reason
        assert queued["state"] == "pending"
        assert queued["next_attempt_at"] == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
        assert "FIRM-H1" in queued["reason"] and "18:00" in queued["reason"]
        assert decided["verdict"] == "DELAY" and "FIRM-H1" in decided["rules"]
        assert decided["rule_set_version"].endswith("+firm-early-close-1")
    else:
        assert [r.to_number for r in provider.placed] == [world.phones[dialled]]
        assert decided["rule_set_version"].endswith("+firm-default-1")

    # the callback gate: a callback for 19:00 tomorrow is refused only under the policy
    h = world.rep_headers
    await client.post("/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h)
    await client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    call = await connect_call(pool, None, world, called_back, clock.advance(1))
    response = await client.post(
        "/api/v1/console/dispositions",
        json={
            "call_attempt_id": call,
            "code": "CALLBACK",
            "idempotency_key": "callback-at-seven",
            "callback_local": "2026-11-25T19:00",
        },
        headers=h,
    )
    if narrowed:
        assert response.status == 422, await response.text()
        detail = (await response.json())["detail"]
        assert "19:00" in detail and "FIRM-H1" in detail
        assert await pool.fetchval("SELECT count(*) FROM callbacks") == 0
    else:
        assert response.status == 201, await response.text()
        assert await pool.fetchval("SELECT count(*) FROM callbacks") == 1


@pytest.mark.parametrize("started", [True], ids=["firm-policy"], indirect=True)
async def test_the_campaign_start_check_reports_the_configured_versions(
    started: tuple[web.Application, TestClient, FrozenClock], pool: asyncpg.Pool
) -> None:
    app, client, _ = started
    campaign_id = await add_campaign(pool, "start check", caller_id="+862195500000")
    manager = await _manager_headers(pool)
    response = await client.post(
        f"/api/v1/campaigns/{campaign_id}/compliance-check", headers=manager
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["rule_set_version"] == "CN-2026.1+firm-early-close-1"


async def _manager_headers(pool: asyncpg.Pool) -> dict[str, str]:
    from dialer.http import Role
    from tests.helpers import make_user, token_headers

    return await token_headers(pool, await make_user(pool, Role.CAMPAIGN_MANAGER, "cm-rules"))


def _book_with_future_china_version() -> dict[str, object]:
    book = json.loads(DEFAULT_RULE_BOOK.model_dump_json())
    china = next(rs for rs in book["rule_sets"] if rs["jurisdiction"] == "CN")
    book["rule_sets"].append(
        {
            **china,
            "version": "CN-2027.1",
            "effective_from": "2027-01-01",
            "hours": {
                **china["hours"],
                "hours": {"days": [{"start": "09:00", "end": "18:00"}] * 7},
                "description": "09:00–18:00 Beijing time on working days",
            },
        }
    )
    return book


async def test_a_future_version_of_the_rule_book_applies_from_its_effective_date(
    db_url: str, tmp_path: Path, pool: asyncpg.Pool
) -> None:
    settings = _settings(db_url, tmp_path, compliance_rule_book=_book_with_future_china_version())
    rules = load_gate_rules(settings)
    e164 = "+8613800999001"
    account_id, phone_id = await add_callee(
        pool, e164, consents=(("marketing", datetime(2026, 1, 1, tzinfo=UTC), None),)
    )
    campaign_id = await add_campaign(pool, "new year rules")
    before = datetime(2026, 12, 30, 11, 0, tzinfo=UTC)  # Wednesday 19:00 in Shanghai
    after = datetime(2027, 1, 6, 11, 0, tzinfo=UTC)  # Wednesday 19:00, a week later
    number = hopper.ClaimedNumber(
        campaign_id=campaign_id,
        phone_id=phone_id,
        account_id=account_id,
        e164=e164,
        attempts=0,
        last_attempt_at=None,
        callback_owner=None,
        preview_only=False,
    )
    decided = {}
    for now in (before, after):
        async with pool.acquire() as connection:
            (outcome,) = await check_numbers(
                connection, campaign_id, [number], now, dial_mode="progressive", rules=rules
            )
        decided[now] = outcome.decision
    assert decided[before].verdict.value != "DELAY"
    assert decided[before].rule_set_version.startswith("CN-2026.1+")
    assert decided[after].verdict.value == "DELAY"
    assert decided[after].rule_set_version.startswith("CN-2027.1+")
    assert decided[after].until == datetime(2027, 1, 7, 1, 0, tzinfo=UTC)

    # explain, given the same file, decides the same cases the same way
    case = {
        "number": e164,
        "profile": "CN",
        "purpose": "marketing",
        "dial_mode": "progressive",
        "account": {
            "risk_level": "C4",
            "risk_assessed_at": "2026-06-01T00:00:00Z",
            "consents": [{"purpose": "marketing", "granted_at": "2026-01-01T00:00:00Z"}],
        },
    }
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        "\n".join(
            json.dumps({**case, "id": label, "now": now.isoformat()})
            for label, now in (("before", before), ("after", after))
        ),
        encoding="utf-8",
    )
    out = io.StringIO()
    status = explain(
        ["--cases", str(cases), "--json", "--rule-book", str(settings.compliance_rule_book)],
        stdout=out,
    )
    assert status == 0
    explained = {r["id"]: r for r in map(json.loads, out.getvalue().splitlines())}
    for label, now in (("before", before), ("after", after)):
        assert explained[label]["decision"] == decided[now].verdict.value
        assert explained[label]["rules"] == list(decided[now].rules)
    assert explained["after"]["until"] == "2027-01-07T01:00:00Z"


def test_gate_rules_default_to_the_shipped_book_and_no_firm_restrictions(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert load_gate_rules(settings) == GateRules()


@pytest.mark.parametrize(
    ("variable", "field", "content", "message"),
    [
        ("DIALER_FIRM_POLICY", "firm_policy", None, "cannot read the firm policy"),
        ("DIALER_FIRM_POLICY", "firm_policy", "{not json", "is not a valid firm policy"),
        (
            "DIALER_FIRM_POLICY",
            "firm_policy",
            '{"hours": {"CN": {"days": []}}}',
            "is not a valid firm policy: hours.CN.days",
        ),
        ("DIALER_COMPLIANCE_RULE_BOOK", "compliance_rule_book", None, "cannot read the rule book"),
        (
            "DIALER_COMPLIANCE_RULE_BOOK",
            "compliance_rule_book",
            '{"rule_sets": []}',
            "has no rule set for US, UK, CN",
        ),
    ],
)
def test_a_bad_rule_file_is_a_start_up_error_naming_the_variable(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    field: str,
    content: str | None,
    message: str,
) -> None:
    path = tmp_path / "rules.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setenv(variable, str(path))
    with pytest.raises(SettingsError, match=f"{variable}: .*{message}"):
        load_settings(data_dir=tmp_path)
    # a file that was good when the settings were read and is gone when the app is built
    path.write_text(
        DEFAULT_RULE_BOOK.model_dump_json() if "BOOK" in variable else "{}", encoding="utf-8"
    )
    settings = load_settings(data_dir=tmp_path)
    path.unlink()
    with pytest.raises(SettingsError, match=f"{variable}: .*cannot read"):
        create_app(settings)


def test_two_versions_taking_effect_the_same_day_are_refused(tmp_path: Path) -> None:
    book = json.loads(DEFAULT_RULE_BOOK.model_dump_json())
    china = next(rs for rs in book["rule_sets"] if rs["jurisdiction"] == "CN")
    book["rule_sets"].append({**china, "version": "CN-duplicate"})
    path = tmp_path / "book.json"
    path.write_text(json.dumps(book), encoding="utf-8")
    with pytest.raises(SettingsError, match="CN-2026.1 and CN-duplicate both take effect"):
        load_settings(data_dir=tmp_path, compliance_rule_book=path)
