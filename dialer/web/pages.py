"""Sign-in, sign-out and the home page that leads each role to its console."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from dialer import auth, login_guard
from dialer.http import ALL_ROLES, PUBLIC, Routes, read_form
from dialer.keys import CLOCK, CONSOLE_LINKS, SETTINGS, pool_of
from dialer.web.i18n import translate
from dialer.web.security import safe_next

if TYPE_CHECKING:
    from dialer.settings import Settings

routes = Routes()

WEB_TEMPLATES = Path(__file__).parent / "templates"


def feature_templates(folder: Path) -> jinja2.Environment:
    """The templates of a feature's ``folder``, which extend the shared ones (``base.html``)."""
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(folder), jinja2.FileSystemLoader(WEB_TEMPLATES)]
        ),
        autoescape=jinja2.select_autoescape(["html"]),
    )


def page_context(request: web.Request, **extra: Any) -> dict[str, Any]:
    user = request.get(auth.USER_KEY)
    language = user.language if user else request.query.get("lang", "zh")
    if language not in ("zh", "en"):
        language = "zh"
    return {
        "user": user,
        "lang": language,
        "t": lambda key: translate(key, language),
        "csrf_token": user.csrf_token if user else "",
        **extra,
    }


def redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


def _safe_next(target: str | None) -> str:
    return safe_next(target)  # only paths on this site: never an open redirect


LOGIN_COOKIE = auth.LOGIN_CSRF_COOKIE


async def _login_form(
    request: web.Request, *, next_path: str, error: str = "", status: int = 200
) -> web.Response:
    """The sign-in page with a fresh form: a pre-login session (cookie) and its token."""
    pre_session, token = await login_guard.new_login_form(pool_of(request), request.app[CLOCK]())
    response = aiohttp_jinja2.render_template(
        "login.html",
        request,
        page_context(request, login_csrf=token, next=next_path, error=error),
        status=status,
    )
    response.set_cookie(LOGIN_COOKIE, pre_session, httponly=True, samesite="Strict", path="/login")
    return response


@routes.route("GET", "/login", roles=PUBLIC, summary="Sign-in page.", api=False)
async def login_page(request: web.Request) -> web.Response:
    return await _login_form(request, next_path=_safe_next(request.query.get("next")))


@routes.route("POST", "/login", roles=PUBLIC, summary="Sign in.", api=False)
async def login_submit(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    # a slot before anything is read or written: a refused sign-in changes nothing (its
    # form's token still serves, no failure is counted) and is simply sent again
    if not auth.VERIFY_SLOTS.try_take(settings.login_verify_concurrency):
        return web.json_response(
            {
                "error": "sign_in_busy",
                "title": "Too many sign-ins at once; try again in a moment.",
                "retry_after_seconds": settings.login_busy_retry_seconds,
            },
            status=503,
            headers={"Retry-After": str(settings.login_busy_retry_seconds)},
        )
    try:
        return await _login_checked(request, settings)
    finally:
        auth.VERIFY_SLOTS.give_back()


async def _login_checked(request: web.Request, settings: Settings) -> web.StreamResponse:
    form = await read_form(request)
    pool = pool_of(request)
    now = request.app[CLOCK]()
    next_path = _safe_next(str(form.get("next", "")))
    # the form's token must be the one issued to this pre-login session, and serves once
    if not await login_guard.use_login_form(
        pool, request.cookies.get(LOGIN_COOKIE, ""), str(form.get("csrf_token", "")), now
    ):
        raise web.HTTPForbidden(text="The sign-in form expired; reload the page and try again.")
    username = str(form.get("username", "")).strip().lower()
    address = request.remote or "unknown"
    retry_at = await login_guard.wait_until(pool, username, address, now)
    if retry_at is not None:
        seconds = max(1, math.ceil((retry_at - now).total_seconds()))
        response = await _login_form(request, next_path=next_path, error="throttled", status=429)
        response.headers["Retry-After"] = str(seconds)
        return response
    check = await auth.authenticate_password(pool, username, str(form.get("password", "")))
    if check.user_id is None:
        await login_guard.record_failure(pool, username, address, check.account_user_id, now)
        return await _login_form(request, next_path=next_path, error="failed", status=401)
    await login_guard.record_success(pool, username)
    session, _csrf = await auth.open_session(
        pool, check.user_id, now, timedelta(hours=settings.session_max_age_hours)
    )
    response = redirect(next_path)
    response.set_cookie(
        auth.SESSION_COOKIE,
        session,
        httponly=True,
        samesite="Lax",
        secure=settings.cookie_secure,
        max_age=settings.session_max_age_hours * 3600,
        path="/",
    )
    response.del_cookie(LOGIN_COOKIE, path="/login")
    return response


@routes.route("POST", "/logout", roles=ALL_ROLES, summary="Sign out.", api=False)
async def logout(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(auth.SESSION_COOKIE)
    if token:
        await auth.close_session(pool_of(request), token)
    response = redirect("/login")
    response.del_cookie(auth.SESSION_COOKIE, path="/")
    return response


@routes.route("GET", "/", roles=ALL_ROLES, summary="Home: links to your consoles.", api=False)
async def home(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    links = request.app[CONSOLE_LINKS].get(user.role.value, [])
    return aiohttp_jinja2.render_template("home.html", request, page_context(request, links=links))
