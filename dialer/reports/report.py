"""A report: the tallies of a period grouped by a dimension and a bucket, as rows of
figures (figures.definitions), a funnel, and their CSV and XLSX forms."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from dialer.reports.tallies import Bucket, Dimension, TallyKey
from figures.definitions import Figure, FigureValue, Tally, figures_of, total

#: the report's columns, in order
COLUMNS = (
    Figure.DIALS,
    Figure.CONTACTS,
    Figure.CONTACT_RATE,
    Figure.CALLS_PER_HOUR,
    Figure.TALK_SECONDS,
    Figure.AVERAGE_TALK_SECONDS,
    Figure.UTILISATION,
    Figure.ABANDON_RATE,
    Figure.WARM_LEADS,
    Figure.LEADS_WON,
    Figure.REVENUE_CENTS,
    Figure.QA_SCORE,
    Figure.SMS_SATISFACTION,
)
FUNNEL = ("listed", "dialled", "contacted", "warm_leads", "leads_won", "revenue")
#: dimensions of people: abandons have no rep, so no abandon rate
_PEOPLE = frozenset({Dimension.REP, Dimension.TEAM, Dimension.SUB_TEAM})


@dataclass(frozen=True)
class ReportRow:
    bucket: date
    key: str | None
    name: str
    values: dict[Figure, FigureValue]


@dataclass(frozen=True)
class Report:
    dimension: Dimension
    bucket: Bucket
    start: date
    end: date  # exclusive
    rows: list[ReportRow]
    totals: dict[Figure, FigureValue]
    funnel: dict[str, int | Decimal]


def yuan(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _values(dimension: Dimension, tally: Tally) -> dict[Figure, FigureValue]:
    values = figures_of(tally)
    if dimension in _PEOPLE:
        values[Figure.ABANDON_RATE] = None
    return values


def build_report(
    dimension: Dimension,
    bucket: Bucket,
    start: date,
    end: date,
    found: dict[TallyKey, Tally],
    names: dict[tuple[str, str], str],
    accounts: dict[str, int],
    keep: set[str] | None = None,
) -> Report:
    """Rows in bucket then name order; `keep`: only these keys (a team leader's team)."""
    rows = []
    kept: list[Tally] = []
    for (day, key), tally in found.items():
        if keep is not None and key not in keep:
            continue
        kept.append(tally)
        name = "—" if key is None else names.get((dimension.value, key), key)
        rows.append(ReportRow(day, key, name, _values(dimension, tally)))
    rows.sort(key=lambda r: (r.bucket, r.key is None, r.name))
    all_of = total(kept)
    return Report(
        dimension=dimension,
        bucket=bucket,
        start=start,
        end=end,
        rows=rows,
        totals=_values(dimension, all_of),
        funnel={
            "listed": accounts["listed"],
            "dialled": accounts["dialled"],
            "contacted": accounts["contacted"],
            "warm_leads": all_of.warm_leads,
            "leads_won": all_of.leads_won,
            "revenue": yuan(all_of.revenue_cents),
        },
    )


def cell(figure: Figure, value: FigureValue) -> Any:
    """A value as exported: revenue in yuan, ratios as decimals, none as empty."""
    if value is None:
        return None
    if figure is Figure.REVENUE_CENTS:
        return yuan(int(value))
    return value


def header(labels: dict[str, str]) -> list[str]:
    return [labels["bucket"], labels["key"], labels["name"]] + [labels[f.value] for f in COLUMNS]


def _lines(report: Report) -> list[list[Any]]:
    return [
        [row.bucket.isoformat(), row.key or "", row.name]
        + [cell(f, row.values[f]) for f in COLUMNS]
        for row in report.rows
    ]


def report_csv(report: Report, labels: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header(labels))
    for line in _lines(report):
        writer.writerow(["" if v is None else v for v in line])
    return out.getvalue()


def report_xlsx(report: Report, labels: dict[str, str]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{report.dimension.value}-{report.bucket.value}"
    sheet.append(header(labels))
    for line in _lines(report):
        sheet.append(line)  # Decimal stays Decimal: openpyxl writes it as a number
    funnel = book.create_sheet("funnel")
    for step in FUNNEL:
        value = report.funnel[step]
        funnel.append(
            [labels[f"funnel_{step}"], float(value) if isinstance(value, Decimal) else value]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
