"""Turning batches of raw records into staging rows: the unit of work a worker process does.

An import reads records in the main process, hands batches to `Stager.stage` (in worker
processes for large files) and streams the CSV text it returns into PostgreSQL's COPY. Each
staging row is one input row: accepted rows carry their normalised values, rejected rows
their reason, so the database sees every row exactly once. The layout is `STAGING_COLUMNS`,
the same order as the staging table in dialer/lists/queries.sql.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from campaigns.lists.columns import ColumnMapping
from campaigns.lists.merging import merge_key
from campaigns.lists.phones import PhoneNormaliser
from campaigns.lists.reading import SourceRow, split_record
from campaigns.lists.segments import Classifier, SegmentRules
from campaigns.lists.validation import AcceptedRow, RejectedRow, RowValidator

STAGING_COLUMNS: Final = (
    "line_number",
    "raw",
    "reason",
    "detail",
    "merge_key",
    "account_number",
    "name",
    "phones",
    "phone_types",
    "phone_regions",
    "phone_zones",
    "invalid_phones",
    "branch",
    "manager",
    "assets_cents",
    "opened_on",
    "last_trade_on",
    "risk_tolerance",
    "region",
    "city",
    "address",
    "segment",
    "tier",
    "extra_values",
)


def pg_array(items: Sequence[str | None]) -> str:
    """A PostgreSQL array literal: every element quoted, None as NULL."""
    parts = []
    for item in items:
        if item is None:
            parts.append("NULL")
        else:
            parts.append('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(parts) + "}"


@dataclass(frozen=True)
class StagingContext:
    """Everything a worker needs to validate rows of one file (picklable)."""

    mapping: ColumnMapping
    region: str
    as_of: datetime.date
    rules: SegmentRules = field(default_factory=SegmentRules)
    delimiter: str | None = None  # None: records arrive already split into cells


class Stager:
    """Validates records and writes them as staging CSV rows."""

    def __init__(self, context: StagingContext) -> None:
        self.context = context
        self.validator = RowValidator(
            context.mapping,
            PhoneNormaliser(context.region),
            Classifier(context.rules, context.as_of),
        )

    def rows(
        self, records: Iterable[tuple[int, str, list[str] | None]]
    ) -> Iterable[AcceptedRow | RejectedRow]:
        delimiter = self.context.delimiter
        validate = self.validator.validate
        for line_number, raw, cells in records:
            if cells is None:
                assert delimiter is not None
                cells = split_record(raw, delimiter)
            yield validate(SourceRow(line_number, raw, cells))

    def stage(self, records: Iterable[tuple[int, str, list[str] | None]]) -> str:
        """CSV text for COPY, one line per record."""
        out = io.StringIO()
        writerow = csv.writer(out, lineterminator="\n").writerow
        for outcome in self.rows(records):
            writerow(staging_row(outcome))
        return out.getvalue()


def staging_row(outcome: AcceptedRow | RejectedRow) -> tuple[object, ...]:
    if isinstance(outcome, RejectedRow):
        return (
            outcome.line_number,
            outcome.raw,
            outcome.reason.value,
            outcome.detail,
            *([None] * (len(STAGING_COLUMNS) - 4)),
        )
    phones = outcome.phones
    # E.164 numbers and type names never need quoting in an array literal; regions (maybe
    # empty) and time-zone names (several are joined by a space) are quoted
    return (
        outcome.line_number,
        outcome.raw,
        None,
        None,
        merge_key(outcome),
        outcome.account_number,
        outcome.name,
        "{" + ",".join([phone.e164 for phone in phones]) + "}",
        "{" + ",".join([phone.line_type for phone in phones]) + "}",
        '{"' + '","'.join([phone.region_code for phone in phones]) + '"}',
        '{"' + '","'.join([" ".join(phone.time_zones) for phone in phones]) + '"}',
        pg_array(outcome.invalid_phones) if outcome.invalid_phones else None,
        outcome.branch,
        outcome.manager,
        outcome.assets_cents,
        outcome.opened_on,
        outcome.last_trade_on,
        outcome.risk_tolerance,
        outcome.region,
        outcome.city,
        outcome.address,
        outcome.segment.value,
        outcome.tier.value,
        pg_array(outcome.extra_values),
    )


_STAGER: Stager | None = None


def start_worker(context: StagingContext) -> None:
    """Process-pool initializer: build the worker's Stager once."""
    global _STAGER
    _STAGER = Stager(context)


def stage_in_worker(records: list[tuple[int, str, list[str] | None]]) -> bytes:
    """Process-pool task: one batch of records to staging CSV bytes."""
    assert _STAGER is not None, "start_worker must run first"
    return _STAGER.stage(records).encode("utf-8")
