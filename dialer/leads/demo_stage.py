"""The demo's branches: simulated account managers work the warm leads the simulated
campaign hands off, the back office reports conversions for the won ones, and the revenue
is split and posted, so the run ends with what the centre and each branch earned.

Each round (``advance_branches``) takes ``now`` from the demo's clock and moves every open
lead one step: a queued lead is assigned to the branch's least-loaded manager (what a branch
manager would do), a new one accepted, an accepted one contacted, a contacted one closed
(three in four won, decided by the lead id so runs repeat). Won leads of customers with an
account get a synthetic conversion and a month of net commission, imported through the same
path as the back office's file; then revenue is posted and the SLA pass runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from dialer.leads.errors import AssignmentRefused, LeadNotFound
from dialer.leads.handoff import assign_lead
from dialer.leads.inbox import Scope, take_step
from dialer.leads.lifecycle import Action, TransitionRefused
from dialer.leads.sla_jobs import run_sla_pass
from dialer.quality.coefficients import refresh_coefficients
from dialer.revenue.conversions import import_rows
from dialer.revenue.ledger import post_revenue, store_rule_set
from dialer.revenue.restatement import restate_coefficients
from dialer.sql import load_queries
from revenue.conversion_files import ConversionRow
from revenue.conversions import RevenueKind
from revenue.money import from_cents
from revenue.rules import RuleSet, SplitShares

QUERIES = load_queries("dialer.leads")
FIRM_ZONE = ZoneInfo("Asia/Shanghai")
ROUND_SECONDS = 5.0

DEMO_RULES = RuleSet(
    firm_id="demo-securities",
    version=1,
    effective_from=datetime(2020, 1, 1, tzinfo=FIRM_ZONE),
    counted_revenue={RevenueKind.NET_COMMISSION: 365, RevenueKind.ADVISORY_FEE: 365},
    shares=SplitShares(rep=Decimal("5"), team=Decimal("1"), account_manager=Decimal("20")),
    clawback_days=90,
    description="demo: 5 % to the rep (reference/003), 1 % to the team, 20 % to the branch",
)


def _commission_cents(lead_id: int) -> int:
    """A month of net commission between 300 and 5,300 yuan, fixed per lead."""
    return 30_000 + (lead_id * 7_919) % 500_000


async def advance_branches(pool: asyncpg.Pool, now: datetime) -> dict[str, int]:
    """One round of the simulated branches and back office (see the module docstring)."""
    moved = {"assigned": 0, "accepted": 0, "contacted": 0, "won": 0, "lost": 0}
    for lead in await pool.fetch(QUERIES["demo_open_leads"]):
        lead_id, branch_id, assignee = lead["lead_id"], lead["branch_id"], lead["assigned_to"]
        if assignee is None:
            managers = await pool.fetch(QUERIES["branch_account_managers"], branch_id)
            if managers:
                chosen = min(managers, key=lambda m: (m["open_leads"], m["user_id"]))["user_id"]
                boss = await pool.fetchval(QUERIES["branch_manager_of"], branch_id)
                # Someone in the inbox may have been quicker: then there is nothing to do.
                with contextlib.suppress(AssignmentRefused, LeadNotFound):
                    await assign_lead(
                        pool,
                        lead_id,
                        chosen,
                        branch_id=branch_id,
                        actor_user_id=boss or chosen,
                        now=now,
                    )
                    moved["assigned"] += 1
            continue
        action = {
            "new": Action.ACCEPT,
            "accepted": Action.CONTACT_REACHED,
            "contacted": Action.LOST if lead_id % 4 == 0 else Action.WON,
        }[lead["state"]]
        try:
            await take_step(
                pool, lead_id, action, scope=Scope.everything(), actor_user_id=assignee, now=now
            )
        except (TransitionRefused, LeadNotFound):
            continue  # a person in the inbox moved it first
        key = {"accept": "accepted", "contact_reached": "contacted"}.get(action.value, action.value)
        moved[key] += 1
    day = now.astimezone(FIRM_ZONE).date()
    rows: list[ConversionRow] = []
    for won in await pool.fetch(QUERIES["demo_won_without_conversion"]):
        lead_id, number = won["lead_id"], won["account_number"]
        rows.append(
            ConversionRow(0, "", f"demo-won-{lead_id}", number, "advisory_signed", day, 0, None)
        )
        rows.append(
            ConversionRow(
                0,
                "",
                f"demo-commission-{lead_id}",
                number,
                "net_commission",
                day,
                _commission_cents(lead_id),
                day.strftime("%Y-%m"),
            )
        )
    if rows:
        await import_rows(
            pool, rows, [], len(rows), now=now, time_zone=FIRM_ZONE, file_name="demo back office"
        )
    # the months' service coefficients (complaints, QA, SMS) scale the pay they post
    await refresh_coefficients(pool, tz=FIRM_ZONE, now=now)
    posted = await post_revenue(pool, now=now, time_zone=FIRM_ZONE)
    await restate_coefficients(pool, now=now, time_zone=FIRM_ZONE)
    sla = await run_sla_pass(pool, now)
    return {
        **moved,
        "conversions": len(rows) // 2,
        "posted": posted.conversions_posted,
        "sla_steps": len(sla),
    }


async def figures(pool: asyncpg.Pool) -> dict[str, Any]:
    row = await pool.fetchrow(QUERIES["demo_figures"])
    by_branch = {
        r["code"]: str(from_cents(r["cents"]))
        for r in await pool.fetch(QUERIES["demo_revenue_by_branch"])
    }
    return {
        "leads_handed_off": row["leads_handed_off"],
        "leads_won": row["leads_won"],
        "revenue_attributed": str(from_cents(row["revenue_cents"])),
        "revenue_centre": str(from_cents(row["centre_cents"])),
        "revenue_firm_retained": str(from_cents(row["firm_cents"])),
        "revenue_by_branch": by_branch,
    }


async def run(context: Any) -> dict[str, Any]:
    """The demo stage: rounds until the demo stops, one last round, then the figures."""
    pool: asyncpg.Pool = context.pool
    await store_rule_set(pool, DEMO_RULES)
    while not context.stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(context.stop.wait(), ROUND_SECONDS)
        now = context.clock().astimezone(UTC)
        await advance_branches(pool, now)
    # Leads handed off at the very end still get worked, so the loop visibly closes.
    for _ in range(4):
        await advance_branches(pool, context.clock().astimezone(UTC))
    result = await figures(pool)
    context.say(
        f"leads: {result['leads_handed_off']} handed off, {result['leads_won']} won; revenue "
        f"attributed {result['revenue_attributed']}: centre {result['revenue_centre']}, "
        + ", ".join(f"{code} {amount}" for code, amount in result["revenue_by_branch"].items())
    )
    return result
