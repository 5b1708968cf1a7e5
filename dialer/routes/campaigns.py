"""Campaigns and products: campaign managers build and run campaigns here."""

from __future__ import annotations

from typing import Any, Literal

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from campaigns.retry import RetryPolicyError
from compliance.rules import WeeklyHours
from dialer import auth
from dialer.compliance.gatekeeper import campaign_start_problems
from dialer.engine.settings import retry_policy_from
from dialer.http import Problem, Role, Routes, json_response, path_int, read_body
from dialer.keys import GATE_RULES, now_of, pool_of
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


class RetrySettings(BaseModel):
    """The retry policy per outcome, in minutes and attempt counts (absent: the core's
    default, `campaigns.retry.RetryPolicy`); checked by the core's own policy."""

    model_config = ConfigDict(extra="forbid")

    no_answer_minutes: float | None = Field(default=None, ge=0, le=60 * 24 * 30)
    busy_minutes: float | None = Field(default=None, ge=0, le=60 * 24 * 30)
    machine_minutes: float | None = Field(default=None, ge=0, le=60 * 24 * 30)
    abandoned_lock_minutes: float | None = Field(default=None, ge=0, le=60 * 24 * 30)
    max_attempts: int | None = Field(default=None, ge=1, le=100)
    max_attempts_per_day: int | None = Field(default=None, ge=1, le=20)
    max_attempts_24h: int | None = Field(default=None, ge=1, le=20)

    def stored(self) -> dict[str, float | int]:
        """What `campaigns.retry_policy` holds: only the values set."""
        return {k: v for k, v in self.model_dump().items() if v is not None}

    @model_validator(mode="after")
    def _the_core_accepts_it(self) -> RetrySettings:
        try:
            retry_policy_from(self.stored())
        except RetryPolicyError as exc:
            raise ValueError(str(exc)) from exc
        return self


def _windows_open_before_they_close(hours: WeeklyHours | None) -> WeeklyHours | None:
    for window in hours.days if hours else ():
        if window is not None and window.end is not None and window.end <= window.start:
            raise ValueError(f"a calling window must open before it closes ({window.label()})")
    return hours


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
    # the call script the rep reads, and the campaign's own disclosures (one a line), read
    # out after the product's
    script: str = Field(default="", max_length=20000)
    disclosures: str = Field(default="", max_length=5000)
    retry_policy: RetrySettings = Field(default_factory=RetrySettings)
    # the campaign's own calling windows (Monday first), inside the gate's (CAMPAIGN-H1);
    # absent: the jurisdiction's and the firm's only
    calling_windows: WeeklyHours | None = None
    # 回访 (service campaigns): the share of target accounts to reach within coverage_days
    coverage_target: float | None = Field(default=None, gt=0, le=1)
    coverage_days: int | None = Field(default=None, ge=1, le=366)

    _windows = field_validator("calling_windows")(_windows_open_before_they_close)

    @model_validator(mode="after")
    def _coverage_is_for_service(self) -> NewCampaign:
        if self.purpose == "marketing" and self.coverage_target is not None:
            raise ValueError("a coverage target is for service (回访) campaigns only")
        return self

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


async def _product_id(connection: asyncpg.Connection, code: str | None) -> int | None:
    if not code:
        return None
    product_id: int | None = await connection.fetchval(
        "SELECT product_id FROM products WHERE code = $1", code
    )
    if product_id is None:
        raise Problem(
            422, "Invalid request", errors=[{"field": "product_code", "message": "no such product"}]
        )
    return product_id


def _values(new: NewCampaign, product_id: int | None) -> list[Any]:
    """The campaign's columns in insert_campaign's order, without the creator."""
    pacing: dict[str, Any] = {
        "lines_per_rep": new.lines_per_rep
        if new.lines_per_rep is not None
        else DEFAULT_LINES_PER_REP.get(new.pacing_mode, 1.0),
        "callback_routing": new.callback_routing,
        "abandon_target": new.abandon_target,
        "abandon_cap": new.abandon_cap,
    }
    if new.amd_false_positive_rate is not None:
        pacing["amd_false_positive_rate"] = new.amd_false_positive_rate
    return [
        new.name,
        new.purpose,
        product_id,
        new.subject,
        new.target_segments,
        new.list_ids,
        new.pacing_mode,
        pacing,
        new.jurisdiction,
        new.caller_id,
        new.ring_seconds,
        new.abandon_message,
        new.voicemail_policy,
        new.wrap_up_max_seconds,
        new.script,
        new.disclosures,
        new.retry_policy.stored(),
        new.calling_windows.model_dump(mode="json") if new.calling_windows else {},
        new.coverage_target,
        new.coverage_days,
    ]


def _name_taken() -> Problem:
    return Problem(
        409, "Conflict", errors=[{"field": "name", "message": "a campaign has this name"}]
    )


async def _write_codes(
    connection: asyncpg.Connection, campaign_id: int, codes: list[DispositionCode]
) -> None:
    """The campaign's disposition codes become `codes`: changed in place, new ones added,
    others removed (a code already recorded on calls cannot be removed)."""
    if len({c.code for c in codes}) != len(codes):
        raise Problem(
            422,
            "Invalid request",
            errors=[{"field": "dispositions", "message": "codes and hotkeys must be unique"}],
        )
    await connection.execute(QUERIES["clear_hotkeys"], campaign_id)
    try:
        async with connection.transaction():
            await connection.execute(
                QUERIES["remove_codes_except"], campaign_id, [c.code for c in codes]
            )
    except asyncpg.ForeignKeyViolationError as exc:
        raise Problem(
            422,
            "Invalid request",
            errors=[
                {
                    "field": "dispositions",
                    "message": "a code already recorded on calls cannot be removed",
                }
            ],
        ) from exc
    try:
        await connection.executemany(
            QUERIES["upsert_disposition_code"],
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


async def create_campaign(pool: asyncpg.Pool, new: NewCampaign, created_by: int | None) -> int:
    async with pool.acquire() as connection, connection.transaction():
        values = _values(new, await _product_id(connection, new.product_code))
        try:
            campaign_id: int = await connection.fetchval(
                QUERIES["insert_campaign"], *values[:14], created_by, *values[14:]
            )
        except asyncpg.UniqueViolationError as exc:
            raise _name_taken() from exc
        await _write_codes(connection, campaign_id, new.dispositions or DEFAULT_DISPOSITIONS)
    return campaign_id


async def update_campaign(
    connection: asyncpg.Connection, campaign_id: int, new: NewCampaign
) -> None:
    """Rewrite a draft or paused campaign (in the caller's transaction). A running campaign
    is paused first, so that what it dials is never changed under the engine; a finished
    one is history."""
    status = await connection.fetchval(
        "SELECT status FROM campaigns WHERE campaign_id = $1 FOR UPDATE", campaign_id
    )
    if status is None:
        raise Problem(404, "Not found", f"No campaign {campaign_id}.")
    if status == "running":
        raise Problem(409, "Campaign running", "Pause the campaign before changing it.")
    if status == "finished":
        raise Problem(409, "Campaign finished", "A finished campaign cannot be changed; clone it.")
    values = _values(new, await _product_id(connection, new.product_code))
    try:
        async with connection.transaction():
            await connection.execute(QUERIES["update_campaign"], *values, campaign_id)
    except asyncpg.UniqueViolationError as exc:
        raise _name_taken() from exc
    if new.dispositions is not None:
        await _write_codes(connection, campaign_id, new.dispositions)


async def campaign_as_new(pool: asyncpg.Pool, campaign_id: int) -> NewCampaign:
    """The campaign's settings as the body that would create it (for edit and clone)."""
    row = await pool.fetchrow(QUERIES["campaign_by_id"], campaign_id)
    if row is None:
        raise Problem(404, "Not found", f"No campaign {campaign_id}.")
    codes = await pool.fetch(QUERIES["disposition_codes"], campaign_id)
    pacing = row["pacing"] or {}
    return NewCampaign.model_validate(
        {
            **{k: row[k] for k in _COPIED if row[k] is not None},
            "lines_per_rep": pacing.get("lines_per_rep"),
            "abandon_target": pacing.get("abandon_target", 0.025),
            "abandon_cap": pacing.get("abandon_cap", 0.03),
            "amd_false_positive_rate": pacing.get("amd_false_positive_rate"),
            "callback_routing": pacing.get("callback_routing", "owner"),
            "retry_policy": row["retry_policy"] or {},
            "calling_windows": row["calling_windows"] or None,
            "dispositions": [dict(c) for c in codes],
        }
    )


_COPIED = (
    "name",
    "purpose",
    "product_code",
    "subject",
    "target_segments",
    "list_ids",
    "pacing_mode",
    "jurisdiction",
    "caller_id",
    "ring_seconds",
    "abandon_message",
    "voicemail_policy",
    "wrap_up_max_seconds",
    "script",
    "disclosures",
    "coverage_target",
    "coverage_days",
)


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


class SavedCampaign(BaseModel):
    campaign_id: int
    status: str
    # why the campaign could not start now, as the start's compliance checks say ([]: it may)
    start_problems: list[str]


async def saved(request: web.Request, campaign_id: int) -> SavedCampaign:
    pool = pool_of(request)
    async with pool.acquire() as connection:
        status = await connection.fetchval(
            "SELECT status FROM campaigns WHERE campaign_id = $1", campaign_id
        )
        problems = await campaign_start_problems(
            connection, campaign_id, now_of(request), rules=request.app[GATE_RULES]
        )
    return SavedCampaign(campaign_id=campaign_id, status=status, start_problems=problems)


@routes.route(
    "PUT",
    "/api/v1/campaigns/{campaign_id}",
    roles=_MANAGERS,
    summary="Change a draft or paused campaign (the whole campaign, as it was created); "
    "answers with what would stop it starting.",
    body=NewCampaign,
    response=SavedCampaign,
)
async def put_campaign(request: web.Request) -> web.Response:
    campaign_id = path_int(request, "campaign_id")
    new = await read_body(request, NewCampaign)
    async with pool_of(request).acquire() as connection, connection.transaction():
        await update_campaign(connection, campaign_id, new)
    return json_response(await saved(request, campaign_id))


@routes.route(
    "GET",
    "/api/v1/campaigns/{campaign_id}/checks",
    roles=_MANAGERS,
    summary="What would stop the campaign starting now (the start's compliance checks).",
    response=SavedCampaign,
)
async def campaign_checks(request: web.Request) -> web.Response:
    campaign_id = path_int(request, "campaign_id")
    if not await pool_of(request).fetchval(
        "SELECT 1 FROM campaigns WHERE campaign_id = $1", campaign_id
    ):
        raise Problem(404, "Not found", f"No campaign {campaign_id}.")
    return json_response(await saved(request, campaign_id))


@routes.route(
    "POST",
    "/api/v1/campaigns/{campaign_id}/clone",
    roles=_MANAGERS,
    summary='A new draft with the campaign\'s settings, script and codes (named "… (copy)").',
    response=CreatedCampaign,
)
async def clone_campaign(request: web.Request) -> web.Response:
    campaign_id = path_int(request, "campaign_id")
    pool = pool_of(request)
    copy = await campaign_as_new(pool, campaign_id)
    base = f"{copy.name} (copy)"[:190]
    taken = {
        r["name"]
        for r in await pool.fetch("SELECT name FROM campaigns WHERE name LIKE $1 || '%'", base)
    }
    name = next(
        n for i in range(1, len(taken) + 2) if (n := base if i == 1 else f"{base} {i}") not in taken
    )
    copy = copy.model_copy(update={"name": name})
    new_id = await create_campaign(pool, copy, auth.current_user(request).user_id)
    return json_response(CreatedCampaign(campaign_id=new_id, name=name, status="draft"), status=201)


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
