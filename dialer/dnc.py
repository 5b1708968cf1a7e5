"""Do-not-call lists: file imports of the firm's list and the national registers, opt-outs.

`dialer dnc import FILE --source firm|national|tps|ctps|cn_refusal` reads one file:

- national (US National DNC Registry flat file): area code and number per line, 10 digits,
  optionally split by a comma ("201,5550123" or "2015550123");
- tps / ctps (UK TPS and Corporate TPS): one number per line in national format;
- cn_refusal (China refusal list): one number per line, optionally a comma and the instant
  of the refusal (ISO 8601 date or date-time with offset);
- firm (the firm's own list): E.164 or national numbers (`--region`, CN by default), with
  optional columns expires_at, scope (all | marketing) and note; a header line naming
  the columns (number, expires_at, scope, note) is recognised.

Every number is normalised with phonenumbers and COPYed into a staging table, then merged
into `dnc_entries` in one set-based upsert; a `dnc_snapshots` row records the file, its
hash and what the import did. A national register file (national, tps, ctps) is a full
snapshot: it replaces the previous one, so live entries it no longer lists expire at the
snapshot's time; an older snapshot than the latest is refused. The firm's list and the
refusal list only add (entries end by their own expiry). The whole import is one
transaction: it lands entirely or not at all. Rejected lines are counted by reason.

`add_opt_out(...)` records a do-not-call request from any channel: it blocks every call to
the number (firm list, scope "all") from that moment, and is written to the audit log.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any

import asyncpg
import phonenumbers
import structlog

from dialer.logs import mask_phone
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer", "dnc.sql")

_COPY_BATCH = 20_000
_REJECTS_KEPT = 50


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


class OptOutChannel(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    LETTER = "letter"
    BRANCH = "branch"
    OTHER = "other"


class DncError(Exception):
    """A do-not-call list operation failed; nothing was changed."""


class DncFileRefused(DncError):
    """The file cannot be imported as given: the message says what to fix."""


class StaleSnapshot(DncError):
    """The snapshot is older than the latest imported one of that register: import only
    newer snapshots."""


class InvalidOptOut(DncError):
    """The opt-out names a number or account that does not exist: correct it."""


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


class _Rejected(Exception):
    def __init__(self, reason: RejectReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass
class DncImportSummary:
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


# -- reading the layouts (pure) ---------------------------------------------------------------

_US_LINE = re.compile(r"^(\d{3})[,\s-]?(\d{7})$")
_NATIONAL_DIGITS = re.compile(r"^\+?[0-9][0-9 ()\-.]{4,30}$")
_HEADER_WORDS = {"number", "phone", "e164", "telephone", "expires_at", "scope", "note"}


def normalise_number(raw: str, region: str, country_code: int | None = None) -> str:
    """The E.164 form of `raw` read with `region` as default; raises _Rejected."""
    text = raw.strip()
    if not _NATIONAL_DIGITS.match(text):
        raise _Rejected(RejectReason.NOT_A_NUMBER)
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise _Rejected(RejectReason.NOT_A_NUMBER) from exc
    if country_code is not None and parsed.country_code != country_code:
        raise _Rejected(RejectReason.WRONG_COUNTRY)
    if not phonenumbers.is_valid_number(parsed):
        raise _Rejected(RejectReason.INVALID_NUMBER)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def parse_instant(text: str) -> datetime:
    """An ISO date (midnight UTC) or an ISO date-time with an offset; raises _Rejected."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC)
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _Rejected(RejectReason.BAD_DATE) from exc
    if instant.tzinfo is None:
        raise _Rejected(RejectReason.BAD_DATE)
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
            raise _Rejected(RejectReason.INVALID_NUMBER)
        return "+1" + digits


def parse_line(
    source: DncSource,
    line_number: int,
    line: str,
    region: str,
    columns: list[str] | None,
    nanp: NanpValidity | None = None,
) -> StagedEntry:
    """One non-blank line of a `source` file as a staged entry; raises _Rejected."""
    text = line.strip()
    if source is DncSource.NATIONAL:
        match = _US_LINE.match(text)
        if not match:
            raise _Rejected(RejectReason.LAYOUT)
        return StagedEntry(line_number, (nanp or NanpValidity()).e164(match[1] + match[2]))
    if source in (DncSource.TPS, DncSource.CTPS):
        return StagedEntry(line_number, normalise_number(text, region, source.country_code))
    fields = [f.strip() for f in next(csv.reader([text]))]
    if source is DncSource.CN_REFUSAL:
        if len(fields) > 2:
            raise _Rejected(RejectReason.LAYOUT)
        refused_at = parse_instant(fields[1]) if len(fields) == 2 and fields[1] else None
        return StagedEntry(
            line_number, normalise_number(fields[0], region, source.country_code), refused_at
        )
    names = columns or ["number", "expires_at", "scope", "note"]
    if len(fields) > len(names):
        raise _Rejected(RejectReason.LAYOUT)
    values = dict(zip(names, fields, strict=False))
    scope = values.get("scope") or None
    if scope is not None and scope not in ("all", "marketing"):
        raise _Rejected(RejectReason.BAD_SCOPE)
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


def _lines(path: Path, digest: Any) -> Iterator[tuple[int, str]]:
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                digest.update(raw)
                try:
                    text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    raise DncFileRefused(
                        f"{path.name} line {number} is not UTF-8 text; convert the file to UTF-8"
                    ) from exc
                yield number, text.rstrip("\r\n")
    except FileNotFoundError as exc:
        raise DncFileRefused(f"{path} does not exist") from exc


async def _staged_batches(
    path: Path,
    source: DncSource,
    region: str,
    summary: DncImportSummary,
    digest: Any,
) -> AsyncIterator[list[StagedEntry]]:
    seen: set[str] = set()
    nanp = NanpValidity()
    reasons: Counter[str] = Counter()
    columns: list[str] | None = None
    batch: list[StagedEntry] = []
    for line_number, line in _lines(path, digest):
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
        except _Rejected as rejected:
            reasons[rejected.reason.value] += 1
            if len(summary.rejects) < _REJECTS_KEPT:
                summary.rejects.append(
                    RejectedLine(line_number, _REASON_TEXT[rejected.reason], line[:80])
                )
            continue
        if entry.e164 in seen:
            summary.duplicates += 1
            continue
        seen.add(entry.e164)
        batch.append(entry)
        if len(batch) >= _COPY_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
    summary.accepted = len(seen)
    summary.rejected = sum(reasons.values())
    summary.reject_reasons = dict(sorted(reasons.items()))


# -- the import -------------------------------------------------------------------------------


def snapshot_instant(snapshot_date: date) -> datetime:
    """A snapshot lists the register as of the start of its date (UTC)."""
    return datetime.combine(snapshot_date, time(0), tzinfo=UTC)


async def import_file(
    connection: asyncpg.Connection,
    path: Path,
    source: DncSource,
    now: datetime,
    *,
    snapshot_date: date | None = None,
    region: str | None = None,
) -> DncImportSummary:
    """Import one do-not-call file atomically; see the module docstring for the layouts."""
    region = (region or source.default_region).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise DncFileRefused(f"{region!r} is not a region code (use e.g. CN, US, GB)")
    snapshot_date = snapshot_date or now.astimezone(UTC).date()
    summary = DncImportSummary(source.value, snapshot_date, path.name)
    listed_since = snapshot_instant(snapshot_date)
    digest = hashlib.sha256()
    async with connection.transaction():
        # one import per list at a time: a later snapshot must see the earlier one
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"dnc:{source}")
        latest = await connection.fetchrow(QUERIES["latest_snapshot"], source.value)
        if source.replaces_register and latest and latest["snapshot_date"] > snapshot_date:
            raise StaleSnapshot(
                f"the {source} snapshot of {snapshot_date.isoformat()} is older than the one "
                f"already imported ({latest['snapshot_date'].isoformat()}); import only newer "
                "snapshots"
            )
        await connection.execute(QUERIES["create_staging"])
        snapshot_id: int = await connection.fetchval(
            QUERIES["insert_snapshot"],
            source.value,
            snapshot_date,
            path.name,
            None,
            now,
            source.replaces_register,
            region,
        )
        async for batch in _staged_batches(path, source, region, summary, digest):
            await connection.copy_records_to_table(
                "dnc_staging",
                records=[
                    (e.line_number, e.e164, e.added_at, e.expires_at, e.scope, e.note)
                    for e in batch
                ],
                columns=["line_number", "e164", "added_at", "expires_at", "scope", "note"],
            )
        sha = digest.hexdigest()
        previous = await connection.fetchval(
            QUERIES["same_import"], source.value, snapshot_date, sha
        )
        if previous is not None:
            # the same file for the same date again: roll back, report the earlier import
            summary.snapshot_id = previous
            summary.already_imported = True
            raise _AlreadyImported(summary)
        if summary.accepted == 0 and source.replaces_register:
            # a truncated or wrong file must not take every number off the register
            problem = summary.rejects[0].reason if summary.rejects else "the file has no lines"
            raise DncFileRefused(
                f"no line of {path.name} is a valid {source} number; it would empty the "
                f"register (first problem: {problem})"
            )
        await connection.execute(QUERIES["analyze_staging"])
        counts = await connection.fetchrow(QUERIES["classify_staged"], source.value, now)
        await connection.execute(
            QUERIES["upsert_entries"],
            source.value,
            snapshot_id,
            listed_since,
            source.default_scope,
            now,
        )
        expired = 0
        if source.replaces_register:
            status = await connection.execute(QUERIES["expire_absent"], source.value, listed_since)
            expired = int(status.split()[-1])
        summary.snapshot_id = snapshot_id
        summary.added = counts["added"]
        summary.reactivated = counts["reactivated"]
        summary.kept = counts["kept"]
        summary.expired = expired
        await connection.execute(
            QUERIES["finish_snapshot"],
            snapshot_id,
            summary.accepted,
            summary.lines,
            summary.rejected,
            json.dumps(summary.reject_reasons),
            summary.added + summary.reactivated,
            expired,
            sha,
        )
    log.info(
        "dnc_imported",
        source=source.value,
        snapshot_id=snapshot_id,
        snapshot_date=snapshot_date.isoformat(),
        accepted=summary.accepted,
        rejected=summary.rejected,
        added=summary.added,
        expired=summary.expired,
    )
    return summary


class _AlreadyImported(Exception):
    def __init__(self, summary: DncImportSummary) -> None:
        super().__init__("already imported")
        self.summary = summary


async def import_dnc_file(
    connection: asyncpg.Connection,
    path: Path,
    source: DncSource,
    now: datetime,
    *,
    snapshot_date: date | None = None,
    region: str | None = None,
) -> DncImportSummary:
    """`import_file`, answering a repeated import (same list, date and content) with the
    earlier snapshot and `already_imported` instead of importing it twice."""
    try:
        return await import_file(
            connection, path, source, now, snapshot_date=snapshot_date, region=region
        )
    except _AlreadyImported as repeated:
        return repeated.summary


# -- opt-outs ---------------------------------------------------------------------------------


def e164_of(raw: str, region: str) -> str:
    """`raw` (E.164, or national format in `region`) as E.164; raises InvalidOptOut."""
    try:
        return normalise_number(raw, region.upper())
    except _Rejected as rejected:
        raise InvalidOptOut(
            f"{raw!r} is {_REASON_TEXT[rejected.reason]}; give it as +<country><number>, or in "
            "national format with its region"
        ) from rejected


@dataclass(frozen=True)
class OptOut:
    dnc_entry_id: int
    e164: str
    channel: str
    blocked_from: datetime
    audit_ids: tuple[int, ...]
    account_ids: tuple[int, ...]


async def add_opt_out(
    connection: asyncpg.Connection,
    e164: str,
    channel: str,
    now: datetime,
    account_id: int | None = None,
    actor_user_id: int | None = None,
    *,
    note: str = "",
) -> OptOut:
    """Record a do-not-call request from any channel: every call to `e164` is blocked from
    `now` (firm list, scope all, no expiry), and the request is audited for each account
    that has the number."""
    try:
        number = normalise_number(e164, "ZZ")
    except _Rejected as rejected:
        raise InvalidOptOut(
            f"{e164!r} is not a valid E.164 number ({_REASON_TEXT[rejected.reason]}); "
            "give it as +<country><number>"
        ) from rejected
    try:
        via = OptOutChannel(channel)
    except ValueError as exc:
        raise InvalidOptOut(
            f"unknown channel {channel!r}; use one of {', '.join(c.value for c in OptOutChannel)}"
        ) from exc
    try:
        async with connection.transaction():
            entry = await connection.fetchrow(
                QUERIES["add_opt_out"], number, via.value, now, account_id, note
            )
            detail = {
                "e164": number,
                "channel": via.value,
                "dnc_entry_id": entry["dnc_entry_id"],
                "blocked_from": entry["added_at"].isoformat(),
                "scope": "all",
                "note": note,
            }
            audited = await connection.fetch(
                QUERIES["audit_opt_out"],
                now,
                actor_user_id,
                json.dumps(detail, ensure_ascii=False),
                number,
                account_id,
                entry["dnc_entry_id"],
            )
    except asyncpg.ForeignKeyViolationError as exc:
        raise InvalidOptOut(
            f"account {account_id} does not exist; give an existing account id or none"
        ) from exc
    accounts = tuple(sorted(r["subject_id"] for r in audited if r["subject_type"] == "account"))
    log.info(
        "dnc_opt_out_added",
        number=mask_phone(number),
        channel=via.value,
        dnc_entry_id=entry["dnc_entry_id"],
        accounts=len(accounts),
    )
    return OptOut(
        dnc_entry_id=entry["dnc_entry_id"],
        e164=number,
        channel=via.value,
        blocked_from=entry["added_at"],
        audit_ids=tuple(sorted(r["audit_id"] for r in audited)),
        account_ids=accounts,
    )


# -- CLI --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer dnc import",
        description="Import a do-not-call file: the firm's list or a national register.",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--source", required=True, choices=[s.value for s in DncSource], help="which list"
    )
    parser.add_argument(
        "--snapshot-date",
        type=date.fromisoformat,
        help="the date the register was published (YYYY-MM-DD; default today, UTC)",
    )
    parser.add_argument(
        "--region", help="default region for national-format numbers (default by source)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON summary object")
    return parser


def _print_summary(summary: DncImportSummary) -> None:
    if summary.already_imported:
        print(
            f"{summary.file_name} was already imported as {summary.source} snapshot "
            f"{summary.snapshot_id} of {summary.snapshot_date}; nothing changed."
        )
        return
    print(
        f"{summary.source} snapshot {summary.snapshot_id} of {summary.snapshot_date}: "
        f"{summary.lines:,} lines = {summary.accepted:,} accepted + {summary.duplicates:,} "
        f"duplicates + {summary.rejected:,} rejected"
    )
    print(
        f"  entries: {summary.added:,} new, {summary.reactivated:,} listed again, "
        f"{summary.kept:,} still listed, {summary.expired:,} no longer listed (expired)"
    )
    for reason, count in summary.reject_reasons.items():
        print(f"  rejected {reason}: {count:,}")
    for reject in summary.rejects[:10]:
        print(f"  line {reject.line_number}: {reject.reason}: {reject.raw}")


async def _run(args: argparse.Namespace) -> int:
    from dialer import db
    from dialer.clock import system_clock
    from dialer.logs import configure_logging
    from dialer.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    url = db.resolve_database_url(settings.database_url, settings.data_dir)
    async with db.pool_for(url, min_size=1, max_size=1) as pool, pool.acquire() as connection:
        summary = await import_dnc_file(
            connection,
            args.file,
            DncSource(args.source),
            system_clock(),
            snapshot_date=args.snapshot_date,
            region=args.region,
        )
    if args.json:
        print(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        _print_summary(summary)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`dialer dnc import FILE --source ...`: 0 imported (or already), 2 file refused."""
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except DncError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
