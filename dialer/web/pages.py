"""Sign-in, sign-out and the home page that leads each role to its console."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from dialer import auth
from dialer.http import ALL_ROLES, PUBLIC, Routes
from dialer.keys import CLOCK, CONSOLE_LINKS, SETTINGS, pool_of
from dialer.web.i18n import translate
from dialer.web.security import safe_next

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


@routes.route("GET", "/login", roles=PUBLIC, summary="Sign-in page.", api=False)
async def login_page(request: web.Request) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = aiohttp_jinja2.render_template(
        "login.html",
        request,
        page_context(
            request, login_csrf=token, next=_safe_next(request.query.get("next")), error=False
        ),
    )
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", path="/login")
    return response


LOGIN_COOKIE = auth.LOGIN_CSRF_COOKIE


@routes.route("POST", "/login", roles=PUBLIC, summary="Sign in.", api=False)
async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    sent = str(form.get("csrf_token", ""))
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not sent or not expected or not secrets.compare_digest(sent, expected):
        raise web.HTTPForbidden(text="The sign-in form expired; reload the page and try again.")
    pool = pool_of(request)
    user_id = await auth.authenticate_password(
        pool, str(form.get("username", "")).strip().lower(), str(form.get("password", ""))
    )
    if user_id is None:
        token = secrets.token_urlsafe(24)
        response = aiohttp_jinja2.render_template(
            "login.html",
            request,
            page_context(
                request, login_csrf=token, next=_safe_next(str(form.get("next", ""))), error=True
            ),
            status=401,
        )
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", path="/login")
        return response
    settings = request.app[SETTINGS]
    session, _csrf = await auth.open_session(
        pool, user_id, request.app[CLOCK](), timedelta(hours=settings.session_max_age_hours)
    )
    response = redirect(_safe_next(str(form.get("next", ""))))
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
