"""The ways into the ledger's corrections: `dialer revenue clawback` and `dialer revenue reverse`.

Both only append (``revenue_ledger`` refuses anything else) and book in the current month
of the firm's time zone, so past statements never change and every month still reconciles:

- ``dialer revenue clawback --account NUMBER --left YYYY-MM-DD``: the customer left on that
  day (in the firm's time zone); the payees' shares of each of their conversions still in its
  rule set's clawback period are reversed and credited to the firm
  (``ledger.claw_back_customer``).
- ``dialer revenue reverse --conversion REF --reason TEXT``: the back office withdrew or
  restated the revenue row it reported as ``REF`` (its ``external_ref``); everything that row
  put on the ledger is reversed (``ledger.reverse_conversion``). A corrected figure is then
  imported under a new reference and posted.

Exit 0 with a JSON summary, 2 naming what was wrong (nothing is written then).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import asyncpg

from dialer.leads.errors import LeadError
from dialer.leads.ledger import claw_back_customer, reverse_conversion
from dialer.sql import load_queries

QUERIES = load_queries("dialer.leads")


async def claw_back_account(
    pool: asyncpg.Pool, account_number: str, left_on: date, *, now: datetime, time_zone: ZoneInfo
) -> int:
    """Claw back what the customer numbered ``account_number`` earned (see the module)."""
    if left_on > now.astimezone(time_zone).date():
        raise LeadError(
            f"--left {left_on.isoformat()} is after today: record a departure once it happened"
        )
    found = await pool.fetch(QUERIES["accounts_by_number"], [account_number])
    if not found:
        raise LeadError(f"no account numbered {account_number}: give the back office's number")
    departed_at = datetime.combine(left_on, time.min, time_zone)
    return await claw_back_customer(
        pool, found[0]["account_id"], departed_at=departed_at, now=now, time_zone=time_zone
    )


async def reverse_by_reference(
    pool: asyncpg.Pool, external_ref: str, reason: str, *, now: datetime, time_zone: ZoneInfo
) -> int:
    """Reverse the revenue row the back office reported as ``external_ref``."""
    conversion_id = await pool.fetchval(QUERIES["conversion_by_ref"], external_ref)
    if conversion_id is None:
        raise LeadError(
            f"no conversion with reference {external_ref}: give the external_ref it was "
            "imported with"
        )
    return await reverse_conversion(
        pool, conversion_id, reason=reason, now=now, time_zone=time_zone
    )


Action = Callable[[asyncpg.Pool, datetime, ZoneInfo], Awaitable[int]]


def _run(prog: str, time_zone_name: str, action: Action) -> tuple[int, int]:
    """(exit code, entries written), printing any error as ``prog: error: …``."""
    from dialer import db
    from dialer.clock import system_clock
    from dialer.logs import configure_logging
    from dialer.settings import SettingsError, load_settings

    try:
        time_zone = ZoneInfo(time_zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        print(
            f"{prog}: error: unknown time zone {time_zone_name!r}: use an IANA name such as "
            "Asia/Shanghai",
            file=sys.stderr,
        )
        return 2, 0
    try:
        settings = load_settings()
        configure_logging(settings.log_format, settings.log_level)

        async def run() -> int:
            url = await asyncio.to_thread(
                db.resolve_database_url, settings.database_url, settings.data_dir
            )
            async with db.pool_for(url, min_size=1, max_size=2) as pool:
                return await action(pool, system_clock(), time_zone)

        return 0, asyncio.run(run())
    except (LeadError, SettingsError, db.DatabaseError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2, 0


def clawback_main(argv: list[str]) -> int:
    prog = "dialer revenue clawback"
    parser = argparse.ArgumentParser(
        prog=prog,
        description="A customer left: claw back the shares of their conversions still in the "
        "rules' clawback period (reversed, credited to the firm, booked this month).",
    )
    parser.add_argument("--account", required=True, help="the customer's account number")
    parser.add_argument("--left", required=True, help="the day they left, YYYY-MM-DD")
    parser.add_argument("--time-zone", default="Asia/Shanghai", help="the firm's time zone")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        left_on = date.fromisoformat(args.left)
    except ValueError:
        print(f"{prog}: error: --left {args.left!r} is not a YYYY-MM-DD date", file=sys.stderr)
        return 2
    code, written = _run(
        prog,
        args.time_zone,
        lambda pool, now, tz: claw_back_account(pool, args.account, left_on, now=now, time_zone=tz),
    )
    if code == 0:
        summary = {"account": args.account, "left": left_on.isoformat(), "entries": written}
        if not written:
            summary["note"] = "nothing to claw back: no share of theirs is within the period"
        print(json.dumps(summary, ensure_ascii=False))
    return code


def reverse_main(argv: list[str]) -> int:
    prog = "dialer revenue reverse"
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Reverse everything a reported revenue row put on the ledger (a correction, "
        "booked this month; the statements show the reason).",
    )
    parser.add_argument("--conversion", required=True, help="the row's external_ref")
    parser.add_argument("--reason", required=True, help="why, as the statements will show it")
    parser.add_argument("--time-zone", default="Asia/Shanghai", help="the firm's time zone")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    code, written = _run(
        prog,
        args.time_zone,
        lambda pool, now, tz: reverse_by_reference(
            pool, args.conversion, args.reason, now=now, time_zone=tz
        ),
    )
    if code == 0:
        print(json.dumps({"conversion": args.conversion, "entries": written}, ensure_ascii=False))
    return code
