"""The revenue API and pages: the authenticated conversions import (the same checks and
writes as `dialer conversions import`) and the monthly statements (``statement_pages``)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from pydantic import BaseModel, Field, model_validator

from dialer.http import Problem, Role, Routes, json_response, read_body
from dialer.keys import now_of, pool_of
from dialer.revenue import statement_pages
from dialer.revenue.conversions import import_rows
from revenue.conversion_files import parse_records

routes = Routes()
routes.specs.extend(statement_pages.routes.specs)
console_links = statement_pages.console_links


class ConversionBatch(BaseModel):
    rows: list[dict[str, str | int | float | None]] = Field(max_length=100_000)
    source: str = Field(default="api", max_length=200)
    time_zone: str = "Asia/Shanghai"
    revenue_days: int = Field(default=365, ge=0, le=36600)

    @model_validator(mode="before")
    @classmethod
    def _window_is_the_rules(cls, data: Any) -> Any:
        # Refused rather than ignored, so a client relying on it learns it no longer applies.
        if isinstance(data, dict) and "attribution_days" in data:
            raise ValueError(
                "attribution_days is not taken: the attribution window is the firm's revenue "
                "rules' (attribution_window_days of the version in force on each conversion's day)"
            )
        return data


@routes.route(
    "POST",
    "/api/v1/conversions",
    statuses=(200, 201),
    roles={Role.ADMIN, Role.CAMPAIGN_MANAGER},
    summary="Import conversions from the back office: every row accepted or rejected, "
    "atomic and idempotent by external_ref.",
    body=ConversionBatch,
)
async def conversions_import(request: web.Request) -> web.Response:
    body = await read_body(request, ConversionBatch)
    try:
        time_zone = ZoneInfo(body.time_zone)
    # "America" names a folder of zones, not a zone: zoneinfo says so with an OSError
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise Problem(422, "Invalid request", f"unknown time zone {body.time_zone!r}") from exc
    rows, rejected = parse_records(body.rows)
    report = await import_rows(
        pool_of(request),
        rows,
        rejected,
        len(body.rows),
        now=now_of(request),
        time_zone=time_zone,
        file_name=body.source,
        revenue_days=body.revenue_days,
    )
    return json_response(report.to_dict(), status=201 if report.new else 200)
