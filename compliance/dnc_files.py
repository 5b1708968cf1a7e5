"""Do-not-call files, read: the layouts of the firm's list and the national registers,
each line a normalised number or a rejection with its reason. Pure: the caller opens the
file and stores what comes out (`dialer.compliance.dnc_import`).

- national (US National DNC Registry flat file): area code and number per line, 10 digits,
  optionally split by a comma ("201,5550123" or "2015550123");
- tps / ctps (UK TPS and Corporate TPS): one number per line in national format;
- cn_refusal (China refusal list): one number per line, optionally a comma and the instant
  of the refusal (ISO 8601 date or date-time with offset);
- firm (the firm's own list): E.164 or national numbers (`--region`, CN by default), with
  optional columns expires_at, scope (all | marketing) and note; a header line naming
  the columns (number, expires_at, scope, note) is recognised.

Every number is normalised with phonenumbers; blank lines and `#` comments are skipped,
duplicates counted apart, and rejected lines counted by reason.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any

import phonenumbers

COPY_BATCH = 20_000
REJECTS_KEPT = 50


class DncSource(StrEnum):
    FIRM = "firm"
    NATIONAL = "national"
    TPS = "tps"
    CTPS = "ctps"
    CN_REFUSAL = "cn_refusal"

    @property
    def replaces_register(self) -> bool:
        """A national register file lists every number on it: it replaces the last one."""
        return self in (DncSource.NATIONAL, DncSource.TPS, DncSource.CTPS)

    @property
    def default_region(self) -> str:
        return {
            DncSource.NATIONAL: "US",
            DncSource.TPS: "GB",
            DncSource.CTPS: "GB",
        }.get(self, "CN")

    @property
    def country_code(self) -> int | None:
        """The only country a register lists; None for the firm's list (any country)."""
        return {
            DncSource.NATIONAL: 1,
            DncSource.TPS: 44,
            DncSource.CTPS: 44,
            DncSource.CN_REFUSAL: 86,
        }.get(self)

    @property
    def default_scope(self) -> str:
        # a do-not-call request to the firm stops every call; a register, marketing only
        return "all" if self is DncSource.FIRM else "marketing"


class DncError(Exception):
    """A do-not-call list operation failed; nothing was changed."""


class DncFileRefused(DncError):
    """The file cannot be imported as given: the message says what to fix."""


class RejectReason(StrEnum):
    LAYOUT = "layout"  # the line does not have the file's layout
    NOT_A_NUMBER = "not_a_number"
    INVALID_NUMBER = "invalid_number"
    WRONG_COUNTRY = "wrong_country"
    BAD_DATE = "bad_date"
    BAD_SCOPE = "bad_scope"


_REASON_TEXT = {
    RejectReason.LAYOUT: "the line does not have the file's layout",
    RejectReason.NOT_A_NUMBER: "not a phone number",
    RejectReason.INVALID_NUMBER: "not a valid number for its country",
    RejectReason.WRONG_COUNTRY: "a number of another country than the register's",
    RejectReason.BAD_DATE: "the date is not ISO 8601 (a date, or a date-time with offset)",
    RejectReason.BAD_SCOPE: "scope must be 'all' or 'marketing'",
}


class LineRejected(Exception):
    """A line (or a number) that cannot be read; `reason` says why."""

    def __init__(self, reason: RejectReason) -> None:
        super().__init__(reason.value)
        self.reason = reason

    @property
    def text(self) -> str:
        """The reason in words."""
        return _REASON_TEXT[self.reason]


@dataclass(frozen=True)
class StagedEntry:
    line_number: int
    e164: str
    added_at: datetime | None = None
    expires_at: datetime | None = None
    scope: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class RejectedLine:
    line_number: int
    reason: str
    raw: str


@dataclass
class DncImportSummary:
    """What reading a file found (lines … rejects) and what storing it did (added …)."""

    source: str
    snapshot_date: date
    file_name: str
    snapshot_id: int | None = None
    already_imported: bool = False
    lines: int = 0
    blank_lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    rejects: list[RejectedLine] = field(default_factory=list)
    added: int = 0
    reactivated: int = 0
    kept: int = 0
    expired: int = 0

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["snapshot_date"] = self.snapshot_date.isoformat()
        return data


def snapshot_instant(snapshot_date: date) -> datetime:
    """A snapshot lists the register as of the start of its date (UTC)."""
    return datetime.combine(snapshot_date, time(0), tzinfo=UTC)


def import_region(source: DncSource, region: str | None) -> str:
    """The region national-format numbers are read in; raises DncFileRefused."""
    region = (region or source.default_region).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise DncFileRefused(f"{region!r} is not a region code (use e.g. CN, US, GB)")
    return region


# -- one line -------------------------------------------------------------------------------

_US_LINE = re.compile(r"^(\d{3})[,\s-]?(\d{7})$")
_NATIONAL_DIGITS = re.compile(r"^\+?[0-9][0-9 ()\-.]{4,30}$")
_HEADER_WORDS = {"number", "phone", "e164", "telephone", "expires_at", "scope", "note"}


def normalise_number(raw: str, region: str, country_code: int | None = None) -> str:
    """The E.164 form of `raw` read with `region` as default; raises LineRejected."""
    text = raw.strip()
    if not _NATIONAL_DIGITS.match(text):
        raise LineRejected(RejectReason.NOT_A_NUMBER)
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise LineRejected(RejectReason.NOT_A_NUMBER) from exc
    if country_code is not None and parsed.country_code != country_code:
        raise LineRejected(RejectReason.WRONG_COUNTRY)
    if not phonenumbers.is_valid_number(parsed):
        raise LineRejected(RejectReason.INVALID_NUMBER)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def parse_instant(text: str) -> datetime:
    """An ISO date (midnight UTC) or an ISO date-time with an offset; raises LineRejected."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC)
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise LineRejected(RejectReason.BAD_DATE) from exc
    if instant.tzinfo is None:
        raise LineRejected(RejectReason.BAD_DATE)
    return instant


class NanpValidity:
    """Whether a 10-digit North American number is valid, asked of phonenumbers once per
    area code and exchange (NPA-NXX).

    phonenumbers' patterns for country code 1 constrain at most the first six digits and
    accept any last four, so every number of one NPA-NXX is valid or none is (the unit
    tests check this agreement on random numbers). A registry file lists millions of
    numbers over a few hundred thousand exchanges: this makes its import COPY-bound.
    """

    def __init__(self) -> None:
        self._by_exchange: dict[str, bool] = {}

    def e164(self, digits: str) -> str:
        exchange = digits[:6]
        valid = self._by_exchange.get(exchange)
        if valid is None:
            parsed = phonenumbers.parse("+1" + digits, None)
            valid = phonenumbers.is_valid_number(parsed)
            self._by_exchange[exchange] = valid
        if not valid:
            raise LineRejected(RejectReason.INVALID_NUMBER)
        return "+1" + digits


def parse_line(
    source: DncSource,
    line_number: int,
    line: str,
    region: str,
    columns: list[str] | None,
    nanp: NanpValidity | None = None,
) -> StagedEntry:
    """One non-blank line of a `source` file as a staged entry; raises LineRejected."""
    text = line.strip()
    if source is DncSource.NATIONAL:
        match = _US_LINE.match(text)
        if not match:
            raise LineRejected(RejectReason.LAYOUT)
        return StagedEntry(line_number, (nanp or NanpValidity()).e164(match[1] + match[2]))
    if source in (DncSource.TPS, DncSource.CTPS):
        return StagedEntry(line_number, normalise_number(text, region, source.country_code))
    fields = [f.strip() for f in next(csv.reader([text]))]
    if source is DncSource.CN_REFUSAL:
        if len(fields) > 2:
            raise LineRejected(RejectReason.LAYOUT)
        refused_at = parse_instant(fields[1]) if len(fields) == 2 and fields[1] else None
        return StagedEntry(
            line_number, normalise_number(fields[0], region, source.country_code), refused_at
        )
    names = columns or ["number", "expires_at", "scope", "note"]
    if len(fields) > len(names):
        raise LineRejected(RejectReason.LAYOUT)
    values = dict(zip(names, fields, strict=False))
    scope = values.get("scope") or None
    if scope is not None and scope not in ("all", "marketing"):
        raise LineRejected(RejectReason.BAD_SCOPE)
    expires = values.get("expires_at") or None
    return StagedEntry(
        line_number,
        normalise_number(values.get("number", ""), region),
        expires_at=parse_instant(expires) if expires else None,
        scope=scope,
        note=values.get("note") or None,
    )


def header_columns(line: str) -> list[str] | None:
    """The column names when `line` is a header of the firm's list, else None."""
    names = [f.strip().lower() for f in next(csv.reader([line.strip()]))]
    if not names or not set(names) <= _HEADER_WORDS:
        return None
    renamed = ["number" if n in ("phone", "e164", "telephone") else n for n in names]
    if "number" not in renamed or len(set(renamed)) != len(renamed):
        return None
    return renamed


# -- the whole file ------------------------------------------------------------------------


def decoded_lines(raw_lines: Iterable[bytes], file_name: str) -> Iterator[tuple[int, str]]:
    """The file's lines as text, numbered from 1; raises DncFileRefused on a line that is
    not UTF-8 (a byte-order mark on the first line is dropped)."""
    for number, raw in enumerate(raw_lines, start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise DncFileRefused(
                f"{file_name} line {number} is not UTF-8 text; convert the file to UTF-8"
            ) from exc
        yield number, text.rstrip("\r\n")


def staged_batches(
    lines: Iterable[tuple[int, str]],
    source: DncSource,
    region: str,
    summary: DncImportSummary,
    batch_size: int = COPY_BATCH,
) -> Iterator[list[StagedEntry]]:
    """The file's distinct numbers in batches of `batch_size`, counting in `summary` its
    lines, blank lines, duplicates and rejects (the first REJECTS_KEPT kept with their
    reason) as they go; `accepted` and the reject counts are set once the file is read."""
    seen: set[str] = set()
    nanp = NanpValidity()
    reasons: Counter[str] = Counter()
    columns: list[str] | None = None
    batch: list[StagedEntry] = []
    for line_number, line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            summary.blank_lines += 1
            continue
        if summary.lines == 0 and source is DncSource.FIRM:
            columns = header_columns(line)
            if columns is not None:
                summary.blank_lines += 1
                continue
        summary.lines += 1
        try:
            entry = parse_line(source, line_number, line, region, columns, nanp)
        except LineRejected as rejected:
            reasons[rejected.reason.value] += 1
            if len(summary.rejects) < REJECTS_KEPT:
                summary.rejects.append(RejectedLine(line_number, rejected.text, line[:80]))
            continue
        if entry.e164 in seen:
            summary.duplicates += 1
            continue
        seen.add(entry.e164)
        batch.append(entry)
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch
    summary.accepted = len(seen)
    summary.rejected = sum(reasons.values())
    summary.reject_reasons = dict(sorted(reasons.items()))
