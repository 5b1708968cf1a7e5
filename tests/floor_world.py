"""A finished floor, generated: teams and sub-teams of reps who logged in, took calls,
recorded dispositions, paused (some past their limit) and handed off leads, some won with
revenue; dials no rep took, abandons, blocked numbers. The rows are written as the engine,
the console and the lead edge write them, for the figures' tests and the wallboard's
benchmark.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg

from dialer.http import Role
from dialer.routes.campaigns import DEFAULT_DISPOSITIONS
from dialer.routes.campaigns import QUERIES as CAMPAIGN_QUERIES
from tests.helpers import ensure_branch, make_user

# 09:00 in Shanghai on Tuesday 1 December 2026
DAY_ONE = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
_CONTACT_CODES = ("WARM", "CALLBACK", "NOT_INTERESTED")
_OTHER_CODES = ("VOICEMAIL", "NO_ANSWER", "WRONG_NUMBER")


@dataclass
class Floor:
    team_ids: list[int]
    sub_team_ids: list[int]
    leader_ids: dict[int, int]  # team -> its team leader
    rep_ids: list[int]
    rep_team: dict[int, int]
    campaign_ids: list[int]
    list_ids: list[int]
    branch_ids: list[int]
    days: list[datetime] = field(default_factory=list)


async def _campaign(pool: asyncpg.Pool, name: str, product_id: int) -> int:
    campaign_id: int = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose, product_id, jurisdiction, pacing_mode, status,"
        " wrap_up_max_seconds, target_segments) VALUES ($1, 'marketing', $2, 'CN',"
        " 'predictive', 'running', 60, '{lapsed,dormant}') RETURNING campaign_id",
        name,
        product_id,
    )
    for code in DEFAULT_DISPOSITIONS:
        await pool.execute(
            CAMPAIGN_QUERIES["insert_disposition_code"],
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
    return campaign_id


async def _people(
    pool: asyncpg.Pool, teams: int, reps_per_team: int
) -> tuple[list[int], list[int], dict[int, int], list[int], dict[int, int]]:
    team_ids, sub_team_ids, leaders, reps, rep_team = [], [], {}, [], {}
    for t in range(teams):
        team_id = await pool.fetchval(
            "INSERT INTO teams (name) VALUES ($1) RETURNING team_id", f"Team {t + 1}"
        )
        team_ids.append(team_id)
        leader = await make_user(pool, Role.TEAM_LEADER, f"leader-{t + 1}")
        await pool.execute("UPDATE users SET team_id = $1 WHERE user_id = $2", team_id, leader)
        leaders[team_id] = leader
        subs = [
            await pool.fetchval(
                "INSERT INTO sub_teams (team_id, name) VALUES ($1, $2) RETURNING sub_team_id",
                team_id,
                f"{t + 1}{'ABC'[s]}",
            )
            for s in range(2)
        ]
        sub_team_ids.extend(subs)
        for target in (("calls_per_hour", 30), ("average_talk_seconds", 90), ("utilisation", 0.6)):
            await pool.execute(
                "INSERT INTO team_targets (team_id, figure, target) VALUES ($1, $2, $3)",
                team_id,
                target[0],
                target[1],
            )
        await pool.execute(
            "INSERT INTO team_targets (team_id, figure, target) VALUES ($1, 'contacts', 8),"
            " ($1, 'warm_leads', 1)",
            team_id,
        )
        for r in range(reps_per_team):
            rep = await make_user(pool, Role.TELESALES_REP, f"rep-{t + 1}-{r + 1}")
            await pool.execute(
                "UPDATE users SET team_id = $1, sub_team_id = $2, display_name = $3,"
                " audio_leg = 'simulated' WHERE user_id = $4",
                team_id,
                subs[r % 2],
                f"坐席{t + 1}-{r + 1}",
                rep,
            )
            reps.append(rep)
            rep_team[rep] = team_id
    return team_ids, sub_team_ids, leaders, reps, rep_team


async def _accounts(
    pool: asyncpg.Pool, count: int, branch_ids: list[int], manager_id: int
) -> list[tuple[int, int, str]]:
    await pool.execute(
        "INSERT INTO accounts (account_number, name, segment, tier, branch_id,"
        " account_manager_id, risk_tolerance)"
        " SELECT 'F' || (200000 + i), '客户' || i,"
        " (CASE WHEN i % 3 = 0 THEN 'dormant' ELSE 'lapsed' END)::account_segment, 'gold',"
        " ($1::bigint[])[1 + i % cardinality($1::bigint[])], $2, 'C3'"
        " FROM generate_series(0, $3 - 1) AS i",
        branch_ids,
        manager_id,
        count,
    )
    rows = await pool.fetch(
        "INSERT INTO account_phones (account_id, e164, line_type, region_code)"
        " SELECT account_id, '+86139' || lpad(substr(account_number, 2)::int - 200000 || '', 8, '0'),"
        " 'mobile', 'CN' FROM accounts WHERE account_number LIKE 'F%'"
        " RETURNING account_id, phone_id, e164"
    )
    return sorted((r["account_id"], r["phone_id"], r["e164"]) for r in rows)


# long: one rep's day is one story (log-in, calls, pauses, log-out), told in order
async def _rep_day(
    connection: asyncpg.Connection,
    rng: random.Random,
    rep: int,
    campaign_id: int,
    accounts: list[tuple[int, int, str]],
    start: datetime,
    hours: float,
    live_until: datetime | None,
) -> None:
    end = start + timedelta(hours=hours)
    session_id = await connection.fetchval(
        "INSERT INTO agent_sessions (user_id, campaign_id, state, state_since, started_at,"
        " ended_at) VALUES ($1, $2, 'ready', $3, $3, $4) RETURNING agent_session_id",
        rep,
        campaign_id,
        start,
        None if live_until else end,
    )
    changes: list[tuple[object, ...]] = [(session_id, start, None, "ready", None, None)]
    at = start
    state = "ready"
    stop = live_until or end
    while True:
        at += timedelta(seconds=rng.randint(10, 120))
        if at >= stop:
            break
        if rng.random() < 0.06:
            pause = rng.choice([300, 600, 1200])  # 1200 s is past the break's 15 minutes
            if live_until and at + timedelta(seconds=pause) >= live_until:
                break  # a day under way ends ready, before its `now`
            changes.append((session_id, at, state, "paused", "break", None))
            at += timedelta(seconds=pause)
            changes.append((session_id, at, "paused", "ready", None, None))
            continue
        account_id, phone_id, e164 = rng.choice(accounts)
        answered = rng.random() < 0.7
        talk = rng.randint(20, 240) if answered else None
        ended = at + timedelta(seconds=5 + (talk or 0))
        wrap = rng.randint(5, 50)
        if live_until and ended + timedelta(seconds=wrap) >= live_until:
            break
        call_id = await connection.fetchval(
            "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164,"
            " idempotency_key, status, created_at, answered_at, bridged_at, ended_at,"
            " answered_by, agent_user_id, talk_seconds, outcome)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12, $13)"
            " RETURNING call_attempt_id",
            campaign_id,
            account_id,
            phone_id,
            e164,
            f"w-{rep}-{at.timestamp()}",
            "completed" if answered else "no_answer",
            at,
            at + timedelta(seconds=5) if answered else None,
            ended,
            "human" if answered else None,
            rep,
            talk,
            "answered" if answered else "no_answer",
        )
        changes.append((session_id, at, "ready", "reserved", None, call_id))
        changes.append(
            (session_id, at + timedelta(seconds=5), "reserved", "on_call", None, call_id)
        )
        changes.append((session_id, ended, "on_call", "wrap_up", None, call_id))
        code = rng.choice(_CONTACT_CODES) if answered else rng.choice(_OTHER_CODES)
        disposition_id = await connection.fetchval(
            "INSERT INTO dispositions (call_attempt_id, campaign_id, account_id, code,"
            " agent_user_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)"
            " RETURNING disposition_id",
            call_id,
            campaign_id,
            account_id,
            code,
            rep,
            ended + timedelta(seconds=wrap),
        )
        at = ended + timedelta(seconds=wrap)
        changes.append((session_id, at, "wrap_up", "ready", None, None))
        if code == "WARM":
            await _lead(connection, rng, rep, campaign_id, account_id, call_id, disposition_id, at)
    await connection.executemany(
        "INSERT INTO agent_state_changes (agent_session_id, at, from_state, to_state,"
        " pause_code, call_attempt_id) VALUES ($1, $2, $3, $4, $5, $6)",
        changes,
    )
    last = changes[-1]
    await connection.execute(
        "UPDATE agent_sessions SET state = CASE WHEN ended_at IS NULL THEN $2 ELSE 'logged_out'"
        " END, state_since = $3, pause_code = $4, "
        " ended_at = CASE WHEN ended_at IS NOT NULL THEN greatest(ended_at, $3) END"
        " WHERE agent_session_id = $1",
        session_id,
        last[3],
        last[1],
        last[4],
    )


async def _lead(
    connection: asyncpg.Connection,
    rng: random.Random,
    rep: int,
    campaign_id: int,
    account_id: int,
    call_id: int,
    disposition_id: int,
    at: datetime,
) -> None:
    won = rng.random() < 0.5
    lead_id = await connection.fetchval(
        "INSERT INTO leads (account_id, campaign_id, rep_user_id, call_attempt_id,"
        " disposition_id, state, handed_off_at, closed_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING lead_id",
        account_id,
        campaign_id,
        rep,
        call_id,
        disposition_id,
        "won" if won else "lost",
        at,
        at + timedelta(hours=2),
    )
    if not won:
        return
    for kind, cents in (("net_commission", rng.randint(1_000, 90_000)), ("funds_in", 5_000_000)):
        await connection.execute(
            "INSERT INTO conversions (external_ref, account_id, kind, occurred_on,"
            " amount_cents, lead_id, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            f"X-{lead_id}-{kind}",
            account_id,
            kind,
            (at + timedelta(hours=8)).date(),
            cents,
            lead_id,
            at,
        )


async def _dials_no_rep_took(
    connection: asyncpg.Connection,
    rng: random.Random,
    campaign_id: int,
    accounts: list[tuple[int, int, str]],
    start: datetime,
    count: int,
) -> None:
    rows = []
    for index in range(count):
        account_id, phone_id, e164 = rng.choice(accounts)
        at = start + timedelta(seconds=rng.randint(0, 3 * 3600))
        status, abandoned, by = rng.choice(
            [("completed", True, "human"), ("completed", False, "machine"), ("busy", False, None),
             ("blocked", False, None)]
        )  # fmt: skip
        rows.append(
            (campaign_id, account_id, phone_id, e164, f"n-{campaign_id}-{index}-{start.day}",
             status, at, abandoned, by)
        )  # fmt: skip
    await connection.executemany(
        "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164, idempotency_key,"
        " status, created_at, abandoned, answered_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        rows,
    )


async def build_floor(
    pool: asyncpg.Pool,
    *,
    teams: int = 2,
    reps_per_team: int = 4,
    days: int = 2,
    hours: float = 3.0,
    seed: int = 14,
    live_now: datetime | None = None,
    accounts: int = 400,
    live_hours: float = 2.0,
) -> Floor:
    """`days` finished days from DAY_ONE (and, with `live_now`, `live_hours` of a day still
    running then)."""
    rng = random.Random(seed)
    branch_ids = [await ensure_branch(pool, "FB01"), await ensure_branch(pool, "FB02")]
    manager = await make_user(pool, Role.ACCOUNT_MANAGER, "am-floor", branch_code="FB01")
    product_id = await pool.fetchval(
        "INSERT INTO products (code, name, risk_level) VALUES ('FLOOR-ADV', '投顾', 'R2')"
        " RETURNING product_id"
    )
    team_ids, sub_team_ids, leaders, reps, rep_team = await _people(pool, teams, reps_per_team)
    campaign_ids = [await _campaign(pool, name, product_id) for name in ("流失唤醒", "休眠激活")]
    people = await _accounts(pool, accounts, branch_ids, manager)
    list_ids = []
    for name in ("十二月流失名单", "休眠户名单"):
        list_ids.append(
            await pool.fetchval("INSERT INTO lists (name) VALUES ($1) RETURNING list_id", name)
        )
    await pool.executemany(
        "INSERT INTO campaign_numbers (campaign_id, phone_id, account_id, e164, list_id, state,"
        " next_attempt_at) VALUES ($1, $2, $3, $4, $5, 'done', $6)",
        [
            (campaign, phone, account, e164, list_ids[index % 2], DAY_ONE)
            for campaign in campaign_ids
            for index, (account, phone, e164) in enumerate(people)
        ],
    )
    starts = [DAY_ONE + timedelta(days=d) for d in range(days)]
    async with pool.acquire() as connection:
        for day_index, start in enumerate(starts):
            for index, rep in enumerate(reps):
                campaign = campaign_ids[(index + day_index) % 2]
                await _rep_day(connection, rng, rep, campaign, people, start, hours, None)
            for campaign in campaign_ids:
                await _dials_no_rep_took(connection, rng, campaign, people, start, 25)
        if live_now is not None:
            live_start = live_now - timedelta(hours=live_hours)
            for index, rep in enumerate(reps):
                campaign = campaign_ids[index % 2]
                await _rep_day(
                    connection, rng, rep, campaign, people, live_start, live_hours, live_now
                )
            starts.append(live_start)
    return Floor(
        team_ids, sub_team_ids, leaders, reps, rep_team, campaign_ids, list_ids, branch_ids, starts
    )
