"""Reports through the app: for a finished floor every report figure equals a direct SQL
count from the call records (per rep: dials, contacts, talk seconds, warm leads, revenue),
in JSON, CSV and XLSX alike; a team leader sees their own team only."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook

from dialer.app import create_app
from dialer.http import Role
from tests.floor_world import build_floor
from tests.helpers import make_user, token_headers

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
PERIOD = "from=2026-12-01&to=2026-12-03"


class Clock:
    def __call__(self) -> datetime:
        return NOW


async def _direct(pool, rep: int) -> dict[str, object]:
    calls = await pool.fetchrow(
        "SELECT count(*) AS dials, coalesce(sum(talk_seconds), 0) AS talk FROM call_attempts"
        " WHERE agent_user_id = $1 AND status <> 'blocked'",
        rep,
    )
    outcomes = await pool.fetchrow(
        "SELECT count(*) FILTER (WHERE dc.contact) AS contacts,"
        " count(*) FILTER (WHERE dc.warm_lead) AS warm FROM dispositions d"
        " JOIN disposition_codes dc USING (campaign_id, code) WHERE d.agent_user_id = $1",
        rep,
    )
    revenue = await pool.fetchval(
        "SELECT coalesce(sum(v.amount_cents), 0) FROM conversions v JOIN leads l USING (lead_id)"
        " WHERE l.rep_user_id = $1 AND v.kind IN ('net_commission', 'advisory_fee')",
        rep,
    )
    return {
        "dials": calls["dials"],
        "talk_seconds": calls["talk"],
        "contacts": outcomes["contacts"],
        "warm_leads": outcomes["warm"],
        "revenue_cents": Decimal(revenue) / 100,
    }


async def test_every_report_figure_equals_a_direct_count(settings, pool):
    floor = await build_floor(pool, teams=2, reps_per_team=3, days=2)
    manager = await token_headers(pool, await make_user(pool, Role.CAMPAIGN_MANAGER, "cm"))
    app = create_app(settings, pool=pool, clock=Clock())
    async with TestClient(TestServer(app)) as client:
        query = f"/api/v1/reports?by=rep&bucket=month&{PERIOD}"
        report = await (await client.get(query, headers=manager)).json()
        by_rep = {row["key"]: row for row in report["rows"]}
        assert None in by_rep  # the dials no rep took
        csv_rows = {
            row[1]: row
            for row in csv.reader(
                io.StringIO(
                    await (
                        await client.get(
                            f"/reports/export.csv?by=rep&bucket=month&{PERIOD}", headers=manager
                        )
                    ).text()
                )
            )
        }
        book = load_workbook(
            io.BytesIO(
                await (
                    await client.get(
                        f"/reports/export.xlsx?by=rep&bucket=month&{PERIOD}", headers=manager
                    )
                ).read()
            )
        )
        sheet = book.worksheets[0]
        header = [c.value for c in sheet[1]]
        xlsx_rows = {
            str(r[1]): dict(zip(header, r, strict=True))
            for r in sheet.iter_rows(min_row=2, values_only=True)
        }
        for rep in floor.rep_ids:
            direct = await _direct(pool, rep)
            row = by_rep[str(rep)]
            assert direct["dials"] > 10
            for figure, expected in direct.items():
                assert Decimal(str(row[figure])) == expected, (rep, figure)
            # the CSV and the XLSX carry the same figures under the language's headings
            line = csv_rows[str(rep)]
            assert [int(line[3]), int(line[4]), int(line[7]), int(line[11])] == [
                direct["dials"],
                direct["contacts"],
                direct["talk_seconds"],
                direct["warm_leads"],
            ]
            assert xlsx_rows[str(rep)]["Dials"] == direct["dials"]
            assert xlsx_rows[str(rep)]["Talk time (s)"] == direct["talk_seconds"]
            assert Decimal(str(xlsx_rows[str(rep)]["Revenue (CNY)"])) == direct["revenue_cents"]
        all_dials = await pool.fetchval(
            "SELECT count(*) FROM call_attempts WHERE status <> 'blocked'"
        )
        assert report["totals"]["dials"] == all_dials
        funnel = report["funnel"]
        assert funnel["listed"] == await pool.fetchval(
            "SELECT count(DISTINCT account_id) FROM campaign_numbers"
        )
        assert funnel["dialled"] == await pool.fetchval(
            "SELECT count(DISTINCT account_id) FROM call_attempts WHERE status <> 'blocked'"
        )
        accounts = [funnel[s] for s in ("listed", "dialled", "contacted")]
        assert accounts == sorted(accounts, reverse=True)
        assert funnel["warm_leads"] >= funnel["leads_won"] > 0
        assert Decimal(str(funnel["revenue"])) == sum(
            [Decimal(str(r["revenue_cents"])) for r in report["rows"]], Decimal(0)
        )
        assert all(r["abandon_rate"] is None for r in report["rows"])  # a rep has no abandons
        by_day = await (
            await client.get(f"/api/v1/reports?by=campaign&bucket=day&{PERIOD}", headers=manager)
        ).json()
        assert sum(r["dials"] for r in by_day["rows"]) == all_dials
        assert {r["bucket"] for r in by_day["rows"]} == {"2026-12-01", "2026-12-02"}
        for r in by_day["rows"]:
            assert r["abandon_rate"] is not None
        page = await client.get(f"/reports?by=segment&bucket=week&{PERIOD}", headers=manager)
        html = await page.text()
        assert page.status == 200
        assert "echarts.min.js" in html and 'id="chart-funnel"' in html
        assert "<script>" not in html and "onclick" not in html


async def test_a_team_leader_sees_their_own_team_only(settings, pool):
    floor = await build_floor(pool, teams=2, reps_per_team=2, days=1, hours=1)
    team_a = floor.team_ids[0]
    leader = await token_headers(pool, floor.leader_ids[team_a])
    app = create_app(settings, pool=pool, clock=Clock())
    async with TestClient(TestServer(app)) as client:
        report = await (await client.get(f"/api/v1/reports?by=rep&{PERIOD}", headers=leader)).json()
        assert {int(r["key"]) for r in report["rows"]} == {
            rep for rep, team in floor.rep_team.items() if team == team_a
        }
        refused = await client.get(f"/api/v1/reports?by=campaign&{PERIOD}", headers=leader)
        assert refused.status == 403
        assert (
            await client.get("/api/v1/reports?by=rep&from=2026-12-09&to=2026-12-01", headers=leader)
        ).status == 400
