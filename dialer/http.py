"""HTTP plumbing shared by every route: declared roles, one error format, typed bodies.

Every handler is registered through `Routes.route(...)`, which records the roles it
allows, the request and response models and a summary. The same records drive the
access check (see `dialer.auth`) and the OpenAPI document, so the document cannot
drift from the code.
"""

from __future__ import annotations

import json
import re
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


class BodyClass(StrEnum):
    """What a route's body may be, and so how large (`dialer.limits`)."""

    FORM = "form"  # sign-in and console forms
    WEBHOOK = "webhook"  # the carrier's callbacks
    JSON = "json"  # the JSON API
    UPLOAD = "upload"  # a list file, streamed to disk


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


#: the integers a database column can hold (bigint); an id or count beyond is refused
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: how deeply a JSON body may nest (the API's deepest model is a few levels)
MAX_JSON_DEPTH = 32
#: control characters a text may carry: tab, line feed, carriage return
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def bad_text(text: str) -> bool:
    """NUL and the other control characters (not tab or line breaks) are refused."""
    return any(
        (ord(char) < 0x20 and char not in _ALLOWED_CONTROLS) or ord(char) == 0x7F for char in text
    )


def _input_errors(raw: Any) -> tuple[int, list[dict[str, str]]]:
    """Walk a parsed body (without recursion): its depth and what in it is refused."""
    errors: list[dict[str, str]] = []
    deepest = 0
    stack: list[tuple[Any, str, int]] = [(raw, "", 1)]
    while stack:
        value, where, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and bad_text(key):
                    errors.append(
                        {"field": where or "body", "message": "control character in a key"}
                    )
                stack.append((item, f"{where}.{key}" if where else str(key), depth + 1))
        elif isinstance(value, list):
            stack.extend(
                (item, f"{where}.{i}" if where else str(i), depth + 1)
                for i, item in enumerate(value)
            )
        elif isinstance(value, str) and bad_text(value):
            errors.append({"field": where or "body", "message": "NUL or control character"})
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and not INT64_MIN <= value <= INT64_MAX
        ):
            errors.append({"field": where or "body", "message": "integer out of range (64 bits)"})
    return deepest, errors


def check_input(raw: Any) -> None:
    """400 for a body nested too deeply; 422 naming each out-of-range integer and each
    text with a NUL or control character."""
    depth, errors = _input_errors(raw)
    if depth > MAX_JSON_DEPTH:
        raise Problem(400, "Malformed JSON", f"The body nests deeper than {MAX_JSON_DEPTH} levels.")
    if errors:
        raise Problem(422, "Invalid request", "Some fields are out of range.", errors=errors)


async def read_form(request: web.Request) -> Any:
    """The form fields; 400 for a form aiohttp cannot parse (a multipart body without its
    boundary, a broken part)."""
    try:
        return await request.post()
    except (ValueError, AssertionError, UnicodeDecodeError) as exc:
        raise Problem(400, "Malformed form", f"The form body cannot be read: {exc}") from exc


async def read_body(request: web.Request, model: type[ModelT]) -> ModelT:
    """Parse and validate a JSON (or form) body; 422 naming each bad field."""
    if request.content_type == "application/json":
        try:
            raw: Any = json.loads(await request.text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Problem(
                400, "Malformed JSON", f"The request body is not valid JSON: {exc}"
            ) from exc
        except RecursionError as exc:
            raise Problem(
                400, "Malformed JSON", f"The body nests deeper than {MAX_JSON_DEPTH} levels."
            ) from exc
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raw = dict(await read_form(request))
    else:
        raise Problem(415, "Unsupported media type", "Send the body as application/json.")
    check_input(raw)
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        raise Problem(
            422, "Invalid request", "Some fields are missing or wrong.", errors=field_errors(exc)
        ) from exc
    check_input(parsed.model_dump())  # numbers given as text, turned into integers
    return parsed


def read_query(request: web.Request, model: type[ModelT]) -> ModelT:
    raw = dict(request.query)
    check_input(raw)
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        raise Problem(
            422, "Invalid query", "Some query parameters are wrong.", errors=field_errors(exc)
        ) from exc
    check_input(parsed.model_dump())
    return parsed


_DIGITS = re.compile(r"[0-9]{1,19}")


def path_int(request: web.Request, name: str) -> int:
    """A path id: ASCII digits within a bigint column's range; 404 otherwise (no such row
    can exist)."""
    text = request.match_info.get(name, "")
    if _DIGITS.fullmatch(text) is None or int(text) > INT64_MAX:
        raise Problem(404, "Not found", f"{name} must be a whole number within 64 bits")
    return int(text)


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
    body_class: BodyClass = BodyClass.JSON
    #: the success statuses the handler answers (default: 201 for POST, else 200)
    statuses: tuple[int, ...] = ()
    #: path parameters that are text although named `..._id` (the others are bigints)
    path_text: tuple[str, ...] = ()


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
        body_class: BodyClass | None = None,
        statuses: tuple[int, ...] | None = None,
        path_text: tuple[str, ...] = (),
    ) -> Callable[[Handler], Handler]:
        """Declare a route. Its body class defaults from what it is: a webhook (CSRF-exempt,
        signed), a page's form (not under /api/), or the JSON API."""
        is_api = path.startswith("/api/") if api is None else api
        if body_class is None:
            body_class = (
                BodyClass.WEBHOOK if csrf_exempt else BodyClass.JSON if is_api else BodyClass.FORM
            )

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
                    api=is_api,
                    csrf_exempt=csrf_exempt,
                    body_class=body_class,
                    statuses=statuses or ((201,) if method.upper() == "POST" else (200,)),
                    path_text=path_text,
                )
            )
            return handler

        return register


def spec_for(request: web.Request) -> RouteSpec | None:
    resource = request.match_info.route.resource
    if resource is None:
        return None
    return request.app[ROUTE_SPECS].get((request.method, resource.canonical))


def route_name(request: web.Request) -> str:
    """The route as declared ("GET /api/v1/accounts/{account_id}"), for logs and audits."""
    resource = request.match_info.route.resource
    return f"{request.method} {resource.canonical if resource else request.path}"
