"""The CLI's progress bar: rows read against the file's estimated rows."""

from __future__ import annotations

from pathlib import Path

from dialer.cli.lists import ProgressBar, estimate_rows
from tests.unit.lists.factories import CN_HEADER, write_csv


def test_the_estimate_is_close_to_the_real_count_and_a_workbook_has_none(tmp_path: Path) -> None:
    rows = [[f"3100000{i:04d}", "王小明", "13812345678"] + [""] * 9 for i in range(5_000)]
    path = write_csv(tmp_path / "list.csv", CN_HEADER, rows, encoding="gb18030")
    assert abs(estimate_rows(path) - 5_000) <= 50
    workbook = tmp_path / "list.xlsx"
    workbook.write_bytes(b"PK\x03\x04rest")
    assert estimate_rows(workbook) == 0


def test_the_bar_fills_with_the_rows_and_is_full_only_when_done() -> None:
    bar = ProgressBar("list.csv", 1_000)
    assert bar.render(0) == "\rlist.csv [..............................]   0% 0 rows"
    assert bar.render(500) == "\rlist.csv [###############...............]  50% 500 rows"
    # an estimate that was short never shows 100% before the end
    assert " 99% 1,200 rows" in bar.render(1_200)
    assert bar.render(1_200, done=True).endswith("[##############################] 100% 1,200 rows")
    unknown = ProgressBar("list.xlsx", 0)
    assert unknown.render(42) == "\rlist.xlsx: 42 rows read"
