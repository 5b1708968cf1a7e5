"""A small brokerage for console tests: a product, a campaign, customers, a rep, and a
way to connect a call to the rep exactly as the engine does (call row, reserved, on call,
call_connected on the rep's channel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg

from compliance.models import Decision
from compliance.rules import DEFAULT_GATE_RULES
from dialer.events import EventBus, agent_channel
from dialer.floor.callback_gate import check_call
from dialer.floor.calls import campaign_with_product
from dialer.floor.sessions import set_agent_state
from dialer.http import Role
from tests.helpers import ensure_branch, make_user, token_headers

# 10:00 in Shanghai on a working Tuesday: inside CN-H1's 09:00-21:00
MORNING = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@dataclass
class World:
    campaign_id: int
    product_id: int
    branch_id: int
    manager_id: int
    rep_id: int
    rep_headers: dict[str, str]
    accounts: list[int]
    phones: dict[int, str]


class FrozenClock:
    """The app's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


async def build_world(
    pool: asyncpg.Pool,
    *,
    customers: int = 3,
    rep_name: str = "rep-li",
    language: str = "en",
    pacing_mode: str = "progressive",
    wrap_up_max_seconds: int = 60,
) -> World:
    branch_id = await ensure_branch(pool, "SH01")
    manager_id = await make_user(pool, Role.ACCOUNT_MANAGER, "am-wang", branch_code="SH01")
    rep_id = await make_user(pool, Role.TELESALES_REP, rep_name, language=language)
    await pool.execute(
        "UPDATE users SET qualification_number = 'S1234567890', registrations = '{advisor}',"
        " display_name = '李娜' WHERE user_id = $1",
        rep_id,
    )
    product_id = await pool.fetchval(
        "INSERT INTO products (code, name, risk_level, kind, disclosure)"
        " VALUES ('ADV-STEADY', '稳健投顾组合', 'R2', 'advisory',"
        " '稳健投顾组合风险等级为R2，投资有风险，入市需谨慎。') RETURNING product_id"
    )
    campaign_id = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose, product_id, jurisdiction, pacing_mode, status,"
        " wrap_up_max_seconds, target_segments, script)"
        " VALUES ('Lapsed Q4', 'marketing', $1, 'CN', $2, 'running', $3, '{lapsed}',"
        " '请介绍稳健投顾组合。') RETURNING campaign_id",
        product_id,
        pacing_mode,
        wrap_up_max_seconds,
    )
    from dialer.routes.campaigns import DEFAULT_DISPOSITIONS, QUERIES

    for code in DEFAULT_DISPOSITIONS:
        await pool.execute(
            QUERIES["insert_disposition_code"],
            campaign_id,
            code.code,
            code.label_en,
            code.label_zh,
            code.hotkey,
            code.human_answered,
            code.contact,
            code.warm_lead,
            code.do_not_call,
            code.callback,
            code.final,
        )
    accounts: list[int] = []
    phones: dict[int, str] = {}
    for index in range(customers):
        account_id = await pool.fetchval(
            "INSERT INTO accounts (account_number, name, segment, tier, branch_id,"
            " account_manager_id, assets_cents, risk_tolerance, risk_assessed_on, region,"
            " extra) VALUES ($1, $2, 'lapsed', 'gold', $3, $4, $5, 'C3', $6, '上海',"
            ' \'{"products": ["现金管理产品"]}\') RETURNING account_id',
            f"A{100000 + index}",
            f"客户{'甲乙丙丁戊己庚辛壬癸'[index % 10]}{index}",
            branch_id,
            manager_id,
            25_000_000,
            date(2026, 6, 1),
        )
        e164 = f"+8613800{138000 + index:06d}"
        await pool.execute(
            "INSERT INTO account_phones (account_id, e164, line_type, region_code)"
            " VALUES ($1, $2, 'mobile', 'CN')",
            account_id,
            e164,
        )
        await pool.execute(
            "INSERT INTO consents (account_id, purpose, granted_at)"
            " VALUES ($1, 'marketing', '2026-01-01T00:00:00Z')",
            account_id,
        )
        accounts.append(account_id)
        phones[account_id] = e164
    return World(
        campaign_id=campaign_id,
        product_id=product_id,
        branch_id=branch_id,
        manager_id=manager_id,
        rep_id=rep_id,
        rep_headers=await token_headers(pool, rep_id),
        accounts=accounts,
        phones=phones,
    )


async def connect_call(
    pool: asyncpg.Pool,
    events: EventBus | None,
    world: World,
    account_id: int,
    now: datetime,
    *,
    rep_id: int | None = None,
    campaign_id: int | None = None,
) -> int:
    """Bridge a call from `account_id` to the rep, as the engine will."""
    rep = rep_id or world.rep_id
    campaign = campaign_id or world.campaign_id
    call_id: int = await pool.fetchval(
        "INSERT INTO call_attempts (campaign_id, account_id, e164, idempotency_key, status,"
        " created_at, answered_at, bridged_at, answered_by, agent_user_id)"
        " VALUES ($1, $2, $3, $4, 'in_progress', $5, $5, $5, 'human', $6)"
        " RETURNING call_attempt_id",
        campaign,
        account_id,
        world.phones[account_id],
        f"test-{account_id}-{now.timestamp()}",
        now,
        rep,
    )
    async with pool.acquire() as connection:
        await set_agent_state(connection, rep, "reserved", now, call_attempt_id=call_id)
        await set_agent_state(connection, rep, "on_call", now, call_attempt_id=call_id)
    if events is not None:
        await events.publish(
            agent_channel(rep),
            {
                "kind": "call_connected",
                "call_attempt_id": call_id,
                "account_id": account_id,
                "campaign_id": campaign,
            },
        )
    return call_id


async def second_campaign(pool: asyncpg.Pool, world: World, name: str = "Dormant wake-up") -> int:
    """Another campaign with the same codes, for history across campaigns."""
    campaign_id: int = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose, jurisdiction, status) VALUES ($1, 'service',"
        " 'CN', 'running') RETURNING campaign_id",
        name,
    )
    await pool.execute(
        "INSERT INTO disposition_codes SELECT $1, code, label_en, label_zh, hotkey,"
        " human_answered, contact, warm_lead, do_not_call, callback, final"
        " FROM disposition_codes WHERE campaign_id = $2",
        campaign_id,
        world.campaign_id,
    )
    return campaign_id


async def end_call(pool: asyncpg.Pool, call_id: int, now: datetime) -> None:
    """The customer hung up (what the telephony webhooks record)."""
    await pool.execute(
        "UPDATE call_attempts SET status = 'completed', ended_at = $2,"
        " talk_seconds = extract(epoch FROM $2 - bridged_at)::int WHERE call_attempt_id = $1",
        call_id,
        now,
    )


async def gate_decision(
    pool: asyncpg.Pool, world: World, account_id: int, at: datetime
) -> Decision:
    """The compliance gate's decision on the world's rep calling the account at `at` (the
    check a callback time must pass)."""
    return await check_call(
        pool,
        campaign=await campaign_with_product(pool, world.campaign_id),
        account_id=account_id,
        e164=world.phones[account_id],
        rep_user_id=world.rep_id,
        at=at,
        rules=DEFAULT_GATE_RULES,
    )
