"""The ledger's corrections behind `dialer revenue clawback` and `dialer revenue reverse`
(their command lines: ``dialer.cli.revenue``).

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
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import asyncpg

from dialer.leads.errors import LeadError
from dialer.revenue.ledger import claw_back_customer, reverse_conversion
from dialer.sql import load_queries

QUERIES = load_queries("dialer.revenue")


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
