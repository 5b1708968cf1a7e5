"""Campaigns and products: campaign managers build and run campaigns here."""

from __future__ import annotations

from typing import Literal

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from dialer import auth
from dialer.http import Problem, Role, Routes, json_response, path_int, read_body
from dialer.keys import pool_of
from dialer.sql import load_queries

routes = Routes()
QUERIES = load_queries("dialer.routes", "campaigns.sql")

Segment = Literal["lapsed", "empty", "prospect", "withdrawn", "orphan", "dormant", "new"]
PacingMode = Literal[
    "preview",
    "progressive",
    "power",
    "RATIO",
    "ADAPT_HARD_LIMIT",
    "ADAPT_AVERAGE",
    "ADAPT_TAPERED",
    "predictive",
]

_MANAGERS = {Role.CAMPAIGN_MANAGER, Role.ADMIN}
_READERS = {Role.CAMPAIGN_MANAGER, Role.ADMIN, Role.TEAM_LEADER, Role.TELESALES_REP}


class DispositionCode(BaseModel):
    code: str = Field(pattern=r"^[A-Z0-9_]{1,24}$")
    label_en: str = Field(min_length=1)
    label_zh: str = Field(min_length=1)
    hotkey: str | None = Field(default=None, pattern=r"^[0-9a-z]$")
    human_answered: bool = False
    contact: bool = False
    warm_lead: bool = False
    do_not_call: bool = False
    callback: bool = False
    final: bool = False


DEFAULT_DISPOSITIONS: list[DispositionCode] = [
    DispositionCode(
        code="WARM",
        label_en="Interested - warm lead",
        label_zh="有意向",
        hotkey="1",
        human_answered=True,
        contact=True,
        warm_lead=True,
        final=True,
    ),
    DispositionCode(
        code="CALLBACK",
        label_en="Call back",
        label_zh="预约回呼",
        hotkey="2",
        human_answered=True,
        contact=True,
        callback=True,
    ),
    DispositionCode(
        code="NOT_INTERESTED",
        label_en="Not interested",
        label_zh="无意向",
        hotkey="3",
        human_answered=True,
        contact=True,
        final=True,
    ),
    DispositionCode(
        code="DNC",
        label_en="Do not call",
        label_zh="明确拒绝",
        hotkey="4",
        human_answered=True,
        contact=True,
        do_not_call=True,
        final=True,
    ),
    DispositionCode(
        code="WRONG_NUMBER",
        label_en="Wrong number",
        label_zh="号码错误",
        hotkey="5",
        human_answered=True,
        final=True,
    ),
    DispositionCode(code="VOICEMAIL", label_en="Voicemail", label_zh="语音信箱", hotkey="6"),
    DispositionCode(code="NO_ANSWER", label_en="No answer", label_zh="无人接听", hotkey="7"),
    DispositionCode(
        code="DISCONNECTED",
        label_en="Rep disconnected",
        label_zh="坐席断线",
        hotkey="8",
        human_answered=True,
    ),
]


DEFAULT_LINES_PER_REP: dict[str, float] = {
    "preview": 1.0,
    "progressive": 1.0,
    "power": 1.3,
    "RATIO": 3.0,
    "ADAPT_HARD_LIMIT": 3.0,
    "ADAPT_AVERAGE": 3.0,
    "ADAPT_TAPERED": 3.0,
    "predictive": 3.0,
}


class NewCampaign(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    purpose: Literal["marketing", "service"]
    product_code: str | None = None
    subject: str = Field(default="general", min_length=1, max_length=50)
    target_segments: list[Segment] = Field(default_factory=list)
    list_ids: list[int] = Field(default_factory=list)
    pacing_mode: PacingMode = "progressive"
    # power: the lines dialled per ready rep; predictive and the VICIdial methods: the most
    # lines per working rep the pacer may use. Absent: the mode's default
    # (DEFAULT_LINES_PER_REP), so a predictive campaign can dial ahead out of the box.
    lines_per_rep: float | None = Field(default=None, ge=1.0, le=10.0)
    abandon_target: float = Field(default=0.025, gt=0, le=0.03)
    abandon_cap: float = Field(default=0.03, gt=0, le=0.03)
    # UK: the share of AMD's machine verdicts estimated to have been persons (UK-A1 counts
    # them as abandoned and answered); measured where known, else the default
    # (campaigns.governor.UK_AMD_FALSE_POSITIVE_RATE). Other jurisdictions ignore it.
    amd_false_positive_rate: float | None = Field(default=None, ge=0, lt=1)
    jurisdiction: Literal["US", "UK", "CN"] = "CN"
    caller_id: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$")
    ring_seconds: int = Field(default=25, ge=15, le=60)
    abandon_message: str | None = Field(default=None, max_length=500)
    voicemail_policy: Literal["hangup", "leave_message"] = "hangup"
    wrap_up_max_seconds: int = Field(default=60, ge=5, le=900)
    # who a scheduled callback is dialled for: the rep who scheduled it (routed to them when
    # they are ready, else to whoever is) or any rep of the campaign
    callback_routing: Literal["owner", "anyone"] = "owner"
    dispositions: list[DispositionCode] | None = None

    @field_validator("abandon_cap")
    @classmethod
    def _cap_not_below_target(cls, cap: float, info: ValidationInfo) -> float:
        target = info.data.get("abandon_target")
        if target is not None and cap < target:
            raise ValueError("abandon_cap must not be below abandon_target")
        return cap


class CreatedCampaign(BaseModel):
    campaign_id: int
    name: str
    status: str


async def create_campaign(pool: asyncpg.Pool, new: NewCampaign, created_by: int | None) -> int:
    async with pool.acquire() as connection, connection.transaction():
        product_id = None
        if new.product_code:
            product_id = await connection.fetchval(
                "SELECT product_id FROM products WHERE code = $1", new.product_code
            )
            if product_id is None:
                raise Problem(
                    422,
                    "Invalid request",
                    errors=[{"field": "product_code", "message": "no such product"}],
                )
        try:
            campaign_id: int = await connection.fetchval(
                QUERIES["insert_campaign"],
                new.name,
                new.purpose,
                product_id,
                new.subject,
                new.target_segments,
                new.list_ids,
                new.pacing_mode,
                {
                    "lines_per_rep": new.lines_per_rep
                    if new.lines_per_rep is not None
                    else DEFAULT_LINES_PER_REP.get(new.pacing_mode, 1.0),
                    "callback_routing": new.callback_routing,
                    "abandon_target": new.abandon_target,
                    "abandon_cap": new.abandon_cap,
                }
                | (
                    {"amd_false_positive_rate": new.amd_false_positive_rate}
                    if new.amd_false_positive_rate is not None
                    else {}
                ),
                new.jurisdiction,
                new.caller_id,
                new.ring_seconds,
                new.abandon_message,
                new.voicemail_policy,
                new.wrap_up_max_seconds,
                created_by,
            )
        except asyncpg.UniqueViolationError as exc:
            raise Problem(
                409, "Conflict", errors=[{"field": "name", "message": "a campaign has this name"}]
            ) from exc
        codes = new.dispositions or DEFAULT_DISPOSITIONS
        try:
            await connection.executemany(
                QUERIES["insert_disposition_code"],
                [
                    (
                        campaign_id,
                        c.code,
                        c.label_en,
                        c.label_zh,
                        c.hotkey,
                        c.human_answered,
                        c.contact,
                        c.warm_lead,
                        c.do_not_call,
                        c.callback,
                        c.final,
                    )
                    for c in codes
                ],
            )
        except asyncpg.UniqueViolationError as exc:
            raise Problem(
                422,
                "Invalid request",
                errors=[{"field": "dispositions", "message": "codes and hotkeys must be unique"}],
            ) from exc
    return campaign_id


@routes.route(
    "POST",
    "/api/v1/campaigns",
    roles=_MANAGERS,
    summary="Create a campaign (draft).",
    body=NewCampaign,
    response=CreatedCampaign,
)
async def post_campaign(request: web.Request) -> web.Response:
    new = await read_body(request, NewCampaign)
    campaign_id = await create_campaign(pool_of(request), new, auth.current_user(request).user_id)
    return json_response(
        CreatedCampaign(campaign_id=campaign_id, name=new.name, status="draft"), status=201
    )


@routes.route("GET", "/api/v1/campaigns", roles=_READERS, summary="All campaigns.")
async def list_campaigns(request: web.Request) -> web.Response:
    rows = await pool_of(request).fetch(QUERIES["list_campaigns"])
    return json_response({"campaigns": [dict(row) for row in rows]})


@routes.route("GET", "/api/v1/campaigns/{campaign_id}", roles=_READERS, summary="One campaign.")
async def get_campaign(request: web.Request) -> web.Response:
    campaign_id = path_int(request, "campaign_id")
    pool = pool_of(request)
    row = await pool.fetchrow(QUERIES["campaign_by_id"], campaign_id)
    if row is None:
        raise Problem(404, "Not found", f"No campaign {campaign_id}.")
    codes = await pool.fetch(QUERIES["disposition_codes"], campaign_id)
    return json_response({"campaign": dict(row), "dispositions": [dict(c) for c in codes]})


@routes.route("GET", "/api/v1/products", roles=_READERS, summary="Products with their risk level.")
async def list_products(request: web.Request) -> web.Response:
    rows = await pool_of(request).fetch(
        "SELECT product_id, code, name, risk_level, kind FROM products ORDER BY code"
    )
    return json_response({"products": [dict(row) for row in rows]})
