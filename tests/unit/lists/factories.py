"""Generated list files and phone numbers for the list-loading tests (no real personal data)."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from pathlib import Path

from hypothesis import strategies as st

MOBILE_PREFIXES = ("130", "135", "138", "139", "150", "158", "166", "177", "186", "188", "199")
AREA_CODES = ("010", "020", "021", "025", "0571", "0755", "028", "0898")
FULL_WIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")

CN_HEADER = ("客户号", "客户姓名", "手机号码", "联系电话", "营业部", "客户经理", "总资产", "开户日期", "最后交易日期", "风险承受能力", "城市", "备注")  # fmt: skip
EN_HEADER = ("Account Number", "Name", "Mobile", "Phone 2", "Branch", "Manager", "Assets", "Opened On", "Last Trade Date", "Risk Level", "City", "Note")  # fmt: skip


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def landline(rng: random.Random) -> str:
    area = rng.choice(AREA_CODES)
    length = 8 if len(area) == 3 else rng.choice((7, 8))
    return (
        area
        + str(rng.randrange(2, 10))
        + "".join(str(rng.randrange(10)) for _ in range(length - 1))
    )


def written(rng: random.Random, number: str) -> str:
    """A number as people type it in exports."""
    national = number
    style = rng.randrange(9)
    if style == 0:
        return national
    if style == 1:
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    if style == 2:
        return f"{national[:3]}-{national[3:7]}-{national[7:]}"
    if style == 3:
        return (
            ("+86 " + national.removeprefix("0")) if national.startswith("0") else "+86" + national
        )
    if style == 4:
        return "0086" + national.removeprefix("0")
    if style == 5:
        return national.translate(FULL_WIDTH)
    if style == 6:
        return f"({national[:3]}) {national[3:]}"
    if style == 7:
        return "86" + national if not national.startswith("0") else national
    return " " + national + "\t"


def junk(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789 -+()") for _ in range(rng.randrange(1, 18)))


def phone_sample(rng: random.Random) -> str:
    draw = rng.random()
    if draw < 0.6:
        return written(rng, mobile(rng))
    if draw < 0.85:
        return written(rng, landline(rng))
    if draw < 0.9:
        # a valid-looking mobile prefix with a wrong length, or an unassigned prefix
        return rng.choice(("1", "12", "10", "11", "14", "17", "19")) + "".join(
            str(rng.randrange(10)) for _ in range(rng.randrange(8, 13))
        )
    if draw < 0.95:
        return rng.choice(("400", "800", "95", "1010", "12", "17951")) + "".join(
            str(rng.randrange(10)) for _ in range(rng.randrange(3, 10))
        )
    return junk(rng)


def csv_text(header: Sequence[str], rows: Sequence[Sequence[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    path.write_bytes(csv_text(header, rows, delimiter).encode(encoding))
    return path


def customer_row(
    rng: random.Random,
    account: str,
    *,
    phone: str | None = None,
    name: str = "王小明",
    assets: str = "120000",
) -> list[str]:
    return [
        account,
        name,
        phone if phone is not None else mobile(rng),
        "",
        "上海浦东营业部",
        "张经理",
        assets,
        "2021-03-04",
        "2026-10-01",
        "C3",
        "上海",
        "",
    ]


@st.composite
def list_rows(draw: st.DrawFn) -> list[list[str]]:
    rng = random.Random(draw(st.integers(0, 2**32)))
    count = draw(st.integers(0, 40))
    numbers = [f"{31000000000 + index}" for index in range(max(1, count // 3))]
    phones = [mobile(rng) for _ in range(max(1, count // 3))]
    rows = []
    for _ in range(count):
        cells = customer_row(
            rng,
            draw(st.sampled_from(numbers + [""])),
            phone=draw(
                st.sampled_from(phones + ["12345", "", "138 0000 0000", "+86 " + phones[0]])
            ),
        )
        cells[1] = draw(st.sampled_from(["王小明", "", "Li, Hua", '"Q"']))
        cells[6] = draw(st.sampled_from(["100", "-1", "", "1,000.5", "x"]))
        cells[8] = draw(st.sampled_from(["2026-10-01", "", "2026-13-01", "2026/1/2"]))
        cells[11] = draw(st.sampled_from(["", "=cmd|' /C calc'!A0", "note\nwith newline"]))
        if draw(st.booleans()) and draw(st.booleans()):
            cells = [""] * len(cells)
        rows.append(cells)
    return rows
