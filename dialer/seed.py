"""A synthetic, deterministic brokerage for the demo, the tests and the benchmarks.

Branches with account managers, a telesales centre with teams of reps, products of each
risk level, and N customer accounts across segments and tiers with plausible assets and
trade dates. Phone numbers are mostly Chinese mobiles, with some US numbers from the
fictional 555-01xx range and UK numbers from Ofcom's drama ranges. No real person's data.
Accounts are written with COPY, so 20,000 accounts take about a second.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from dialer.auth import hash_password

SEED_MARKER_BRANCH = "SH01"
DEMO_PASSWORD = "demo-password"  # printed by `dialer demo`; for the synthetic demo users only

BRANCHES = [
    ("SH01", "上海浦东营业部", "Asia/Shanghai", "上海"),
    ("SH02", "上海徐汇营业部", "Asia/Shanghai", "上海"),
    ("BJ01", "北京金融街营业部", "Asia/Shanghai", "北京"),
    ("SZ01", "深圳福田营业部", "Asia/Shanghai", "广东"),
    ("GZ01", "广州天河营业部", "Asia/Shanghai", "广东"),
    ("HZ01", "杭州西湖营业部", "Asia/Shanghai", "浙江"),
    ("CD01", "成都高新营业部", "Asia/Shanghai", "四川"),
    ("WH01", "武汉中南营业部", "Asia/Shanghai", "湖北"),
]

PRODUCTS = [
    ("ADV-STEADY", "稳健投顾组合", "R2", "advisory", "advisor"),
    ("ADV-GROWTH", "成长投顾组合", "R3", "advisory", "advisor"),
    ("FUND-MMF", "现金管理产品", "R1", "fund", None),
    ("FUND-EQ", "权益精选基金", "R4", "fund", None),
    ("MARGIN", "融资融券", "R5", "margin", "margin"),
    ("REACTIVATE", "账户激活服务", "R1", "service", None),
]

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美淑惠珠翠雅芝玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
_CN_MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "158",
    "159",
    "176",
    "177",
    "180",
    "181",
    "182",
    "185",
    "186",
    "187",
    "188",
    "189",
    "199",
]
_PROVINCES = ["上海", "北京", "广东", "浙江", "江苏", "四川", "湖北", "山东", "福建", "河南"]
_US_AREAS = [
    ("202", "DC", "America/New_York"),
    ("305", "FL", "America/New_York"),
    ("212", "NY", "America/New_York"),
    ("312", "IL", "America/Chicago"),
    ("415", "CA", "America/Los_Angeles"),
    ("512", "TX", "America/Chicago"),
]
_SEGMENTS = [
    ("lapsed", 0.28),
    ("empty", 0.22),
    ("prospect", 0.12),
    ("withdrawn", 0.08),
    ("orphan", 0.15),
    ("dormant", 0.10),
    ("new", 0.05),
]


@dataclass(frozen=True)
class SeedCounts:
    branches: int
    users: int
    products: int
    accounts: int
    phones: int
    consents: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _tier(assets_cents: int) -> str:
    if assets_cents >= 500_000_000:  # 5,000,000 yuan
        return "diamond"
    if assets_cents >= 50_000_000:  # 500,000 yuan
        return "gold"
    return "silver"


def _assets_for(segment: str, rng: random.Random) -> int:
    if segment in ("empty", "prospect"):
        return 0 if segment == "prospect" or rng.random() < 0.6 else rng.randint(1, 99_999)
    # lognormal around ~150k yuan, long tail to millions
    yuan = rng.lognormvariate(11.5, 1.4)
    return int(min(yuan, 80_000_000) * 100)


def _phone(rng: random.Random) -> tuple[str, str, str, list[str], str | None]:
    """(e164, line_type, region_code, time_zones, us_state)"""
    roll = rng.random()
    if roll < 0.90:
        number = "+86" + rng.choice(_CN_MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
        return number, "mobile", "CN", ["Asia/Shanghai"], None
    if roll < 0.96:
        area, state, zone = rng.choice(_US_AREAS)
        number = f"+1{area}55501{rng.randint(0, 99):02d}"
        return number, "wireless" if rng.random() < 0.6 else "landline", "US", [zone], state
    if rng.random() < 0.5:
        number = f"+44207946{rng.randint(0, 999):04d}"
    else:
        number = f"+44113496{rng.randint(0, 999):04d}"
    return number, "landline", "GB", ["Europe/London"], None


# a staff member: username, display name, role, branch, team, language, senior,
# qualification number, registrations
Staff = tuple[str, str, str, int | None, int | None, str, bool, str | None, list[str]]


async def seed(
    pool: asyncpg.Pool, *, accounts: int = 20_000, seed_value: int = 7, today: date | None = None
) -> SeedCounts:
    """Create the synthetic brokerage. Refuses to seed a database that already has one."""
    rng = random.Random(seed_value)
    today = today or date(2026, 11, 2)
    created_at = datetime(today.year, today.month, today.day, tzinfo=UTC)
    async with pool.acquire() as connection, connection.transaction():
        if await connection.fetchval("SELECT 1 FROM branches WHERE code = $1", SEED_MARKER_BRANCH):
            raise SeedError("this database is already seeded; use a fresh database")
        branch_ids = await _seed_branches(connection)
        team_ids = [
            await connection.fetchval(
                "INSERT INTO teams (name) VALUES ($1) RETURNING team_id", name
            )
            for name in ("电销一组", "电销二组", "电销三组")
        ]
        users = _staff(branch_ids, team_ids)
        managers = await _seed_users(connection, users)
        await _seed_products(connection)
        first_id = (
            await connection.fetchval("SELECT coalesce(max(account_id), 0) FROM accounts")
        ) + 1
        book = _Book()
        for offset in range(accounts):
            _draw_account(book, rng, first_id + offset, branch_ids, managers, today, created_at)
        await _copy_book(connection, book)
    return SeedCounts(
        branches=len(BRANCHES),
        users=len(users),
        products=len(PRODUCTS),
        accounts=accounts,
        phones=len(book.phones),
        consents=len(book.consents),
    )


async def _seed_branches(connection: asyncpg.Connection) -> dict[str, int]:
    branch_ids: dict[str, int] = {}
    for code, name, zone, region in BRANCHES:
        branch_ids[code] = await connection.fetchval(
            "INSERT INTO branches (code, name, time_zone, region) VALUES ($1, $2, $3, $4)"
            " RETURNING branch_id",
            code,
            name,
            zone,
            region,
        )
    return branch_ids


def _staff(branch_ids: dict[str, int], team_ids: list[int]) -> list[Staff]:
    """The firm's people: an admin, the campaign manager, a leader per team, 30 reps, and
    per branch its manager and four account managers."""
    users: list[Staff] = [
        ("admin", "系统管理员", "admin", None, None, "zh", False, None, []),
        ("campaigns", "营销负责人 周敏", "campaign_manager", None, None, "zh", False, None, []),
    ]
    for index, team_id in enumerate(team_ids, start=1):
        users.append(
            (f"leader{index}", f"班组长{index}", "team_leader", None, team_id, "zh", True, None, [])
        )
    for index in range(1, 31):
        users.append(
            (
                f"rep{index:02d}",
                f"坐席{index:02d}",
                "telesales_rep",
                None,
                team_ids[(index - 1) % len(team_ids)],
                "en" if index % 10 == 0 else "zh",
                index <= 6,
                f"S{1000000 + index:07d}",
                ["advisor"] if index % 3 else ["advisor", "margin"],
            )
        )
    for code, branch_id in branch_ids.items():
        users.append(
            (
                f"bm.{code.lower()}",
                f"{code}负责人",
                "branch_manager",
                branch_id,
                None,
                "zh",
                False,
                None,
                [],
            )
        )
        for index in range(1, 5):
            users.append(
                (
                    f"am.{code.lower()}.{index}",
                    f"{code}客户经理{index}",
                    "account_manager",
                    branch_id,
                    None,
                    "zh",
                    False,
                    f"S{2000000 + index:07d}",
                    ["advisor"],
                )
            )
    return users


async def _seed_users(connection: asyncpg.Connection, users: list[Staff]) -> dict[int, list[int]]:
    """Insert the staff (one demo password for all); returns each branch's managers."""
    password_hash = hash_password(DEMO_PASSWORD)
    managers: dict[int, list[int]] = {}
    for username, display, role, branch_id, team_id, language, senior, qual, regs in users:
        user_id = await connection.fetchval(
            "INSERT INTO users (username, display_name, role, branch_id, team_id, password_hash,"
            " language, is_senior, qualification_number, registrations, audio_leg)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'simulated') RETURNING user_id",
            username,
            display,
            role,
            branch_id,
            team_id,
            password_hash,
            language,
            senior,
            qual,
            regs,
        )
        if role == "account_manager" and branch_id is not None:
            managers.setdefault(branch_id, []).append(user_id)
    return managers


async def _seed_products(connection: asyncpg.Connection) -> None:
    for code, name, risk, kind, registration in PRODUCTS:
        await connection.execute(
            "INSERT INTO products (code, name, risk_level, kind, required_registration, disclosure)"
            " VALUES ($1,$2,$3,$4,$5,$6)",
            code,
            name,
            risk,
            kind,
            registration,
            f"{name}风险等级为{risk}，投资有风险，入市需谨慎。",
        )


@dataclass
class _Book:
    """The customer base being drawn: rows for COPY into accounts, phones and consents."""

    accounts: list[tuple[Any, ...]] = field(default_factory=list)
    phones: list[tuple[Any, ...]] = field(default_factory=list)
    consents: list[tuple[Any, ...]] = field(default_factory=list)


_SEGMENT_NAMES = [name for name, _ in _SEGMENTS]
_SEGMENT_WEIGHTS = [weight for _, weight in _SEGMENTS]


def _draw_account(
    book: _Book,
    rng: random.Random,
    account_id: int,
    branch_ids: dict[str, int],
    managers: dict[int, list[int]],
    today: date,
    created_at: datetime,
) -> None:
    """One customer, drawn in a fixed order from `rng` (the seed's rows depend on it)."""
    segment = rng.choices(_SEGMENT_NAMES, _SEGMENT_WEIGHTS)[0]
    branch_id = rng.choice(list(branch_ids.values()))
    manager = (
        None
        if segment in ("orphan", "prospect") or rng.random() < 0.1
        else rng.choice(managers[branch_id])
    )
    assets = _assets_for(segment, rng)
    number = (
        None if segment == "prospect" else f"{310000000000 + account_id * 7919 % 99_999_999:012d}"
    )
    last_trade = None
    if segment in ("lapsed", "dormant"):
        last_trade = today - timedelta(days=rng.randint(200, 1500))
    elif segment not in ("prospect",):
        last_trade = today - timedelta(days=rng.randint(0, 180))
    opened = (
        None
        if segment == "prospect"
        else today
        - timedelta(
            days=rng.randint(30 if segment == "new" else 200, 60 if segment == "new" else 4000)
        )
    )
    e164, line_type, region_code, zones, us_state = _phone(rng)
    province = rng.choice(_PROVINCES)
    region = us_state or ("England" if region_code == "GB" else province)
    risk = rng.choices(["C1", "C2", "C3", "C4", "C5"], [0.1, 0.3, 0.35, 0.18, 0.07])[0]
    assessed = today - timedelta(days=rng.randint(0, 500))
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    book.accounts.append(
        (account_id, number, name, segment, _tier(assets), branch_id, manager, assets, opened)
        + (last_trade, region, None, zones[0], risk, assessed, opened, last_trade)
        + (created_at, created_at)
    )
    book.phones.append((account_id, e164, line_type, region_code, zones, 0))
    if rng.random() < 0.25:
        second, line2, region2, zones2, _ = _phone(rng)
        if second != e164:
            book.phones.append((account_id, second, line2, region2, zones2, 1))
    if rng.random() < 0.8:
        granted = created_at - timedelta(days=rng.randint(1, 900))
        revoked = granted + timedelta(days=30) if rng.random() < 0.03 else None
        book.consents.append(
            (account_id, "marketing", "phone", granted, revoked, "account_opening")
        )
    if rng.random() < 0.9:
        service_since = created_at - timedelta(days=400)
        book.consents.append(
            (account_id, "service", "phone", service_since, None, "account_opening")
        )


_ACCOUNT_COLUMNS = [
    "account_id",
    "account_number",
    "name",
    "segment",
    "tier",
    "branch_id",
    "account_manager_id",
    "assets_cents",
    "opened_on",
    "last_trade_on",
    "region",
    "city",
    "address_time_zone",
    "risk_tolerance",
    "risk_assessed_on",
    "existing_customer_since",
    "last_transaction_on",
    "created_at",
    "updated_at",
]


async def _copy_book(connection: asyncpg.Connection, book: _Book) -> None:
    """COPY the drawn customers in (their ids as drawn), then move the id sequence on."""
    await connection.execute(
        "ALTER TABLE accounts ALTER COLUMN account_id SET GENERATED BY DEFAULT"
    )
    await connection.copy_records_to_table(
        "accounts", records=book.accounts, columns=_ACCOUNT_COLUMNS
    )
    await connection.execute("ALTER TABLE accounts ALTER COLUMN account_id SET GENERATED ALWAYS")
    await connection.execute(
        "SELECT setval(pg_get_serial_sequence('accounts', 'account_id'),"
        " (SELECT max(account_id) FROM accounts))"
    )
    await connection.copy_records_to_table(
        "account_phones",
        records=book.phones,
        columns=["account_id", "e164", "line_type", "region_code", "time_zones", "priority"],
    )
    await connection.copy_records_to_table(
        "consents",
        records=book.consents,
        columns=["account_id", "purpose", "channel", "granted_at", "revoked_at", "source"],
    )


class SeedError(Exception):
    """The synthetic population cannot be created here."""
