"""HTTP plumbing shared by every route: declared roles, one error format, typed bodies.

Every handler is registered through `Routes.route(...)`, which records the roles it
allows, the request and response models and a summary. The same records drive the
access check (see `dialer.auth`) and the OpenAPI document, so the document cannot
drift from the code.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from dialer.keys import ROUTE_SPECS


class Role(StrEnum):
    TELESALES_REP = "telesales_rep"
    TEAM_LEADER = "team_leader"
    CAMPAIGN_MANAGER = "campaign_manager"
    BRANCH_MANAGER = "branch_manager"
    ACCOUNT_MANAGER = "account_manager"
    ADMIN = "admin"
    QA_REVIEWER = "qa_reviewer"
    COMPLIANCE_OFFICER = "compliance_officer"


ALL_ROLES: frozenset[Role] = frozenset(Role)
#: a console on the home page: the role it serves, its path, the i18n key of its label;
#: each feature module lists its own as `console_links` and `create_app` gathers them
ConsoleLink = tuple[Role, str, str]
PUBLIC: frozenset[Role] = frozenset()  # marker: no login needed

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ModelT = TypeVar("ModelT", bound=BaseModel)


class Problem(web.HTTPException):
    """An error answered as application/problem+json (RFC 9457)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status_code = status
        super().__init__(headers=headers)
        self.title = title
        self.detail = detail
        self.errors = errors or []


def problem_response(
    status: int,
    title: str,
    detail: str = "",
    *,
    errors: list[dict[str, str]] | None = None,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    if request_id:
        body["request_id"] = request_id
    return web.Response(
        status=status,
        text=json.dumps(body, ensure_ascii=False),
        content_type="application/problem+json",
        headers=headers,
    )


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(part) for part in error["loc"]) or "body", "message": error["msg"]}
        for error in exc.errors()
    ]


async def read_body(request: web.Request, model: type[ModelT]) -> ModelT:
    """Parse and validate a JSON (or form) body; 422 naming each bad field."""
    if request.content_type == "application/json":
        try:
            raw: Any = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Problem(
                400, "Malformed JSON", f"The request body is not valid JSON: {exc}"
            ) from exc
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raw = dict(await request.post())
    else:
        raise Problem(415, "Unsupported media type", "Send the body as application/json.")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise Problem(
            422, "Invalid request", "Some fields are missing or wrong.", errors=field_errors(exc)
        ) from exc


def read_query(request: web.Request, model: type[ModelT]) -> ModelT:
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        raise Problem(
            422, "Invalid query", "Some query parameters are wrong.", errors=field_errors(exc)
        ) from exc


def path_int(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except (KeyError, ValueError) as exc:
        raise Problem(404, "Not found", f"{name} must be a number") from exc


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def json_response(data: Any, status: int = 200) -> web.Response:
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    return web.Response(
        status=status,
        text=json.dumps(data, default=_default, ensure_ascii=False),
        content_type="application/json",
    )


@dataclass(frozen=True)
class RouteSpec:
    method: str
    path: str
    handler: Handler
    roles: frozenset[Role]
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    api: bool = True
    csrf_exempt: bool = False  # webhooks authenticate by signature instead


@dataclass
class Routes:
    """A collection of declared routes; `create_app` mounts them all."""

    specs: list[RouteSpec] = field(default_factory=list)

    def route(
        self,
        method: str,
        path: str,
        *,
        roles: Iterable[Role],
        summary: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        api: bool | None = None,
        csrf_exempt: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.specs.append(
                RouteSpec(
                    method=method.upper(),
                    path=path,
                    handler=handler,
                    roles=frozenset(roles),
                    summary=summary,
                    body=body,
                    query=query,
                    response=response,
                    api=path.startswith("/api/") if api is None else api,
                    csrf_exempt=csrf_exempt,
                )
            )
            return handler

        return register


def spec_for(request: web.Request) -> RouteSpec | None:
    resource = request.match_info.route.resource
    if resource is None:
        return None
    return request.app[ROUTE_SPECS].get((request.method, resource.canonical))
