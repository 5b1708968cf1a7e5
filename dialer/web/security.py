"""What every page and answer carries for the browser's protection: data embedded in a page
that no text can break out of, security headers on every response, and sign-in
redirects that never leave the site."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from dialer.keys import SETTINGS
from dialer.settings import Settings

#: what JSON embedded in a page must not contain as such: `<` `>` `&` could close or open
#: an element or comment (`</script>`, `<!--`), U+2028/9 end a line in older JavaScript
_SCRIPT_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)

SERVER_NAME = "dialer"


def script_json(data: Any, *, default: Any = None) -> str:
    """`data` as JSON safe to place inside a `<script type="application/json">` element."""
    return json.dumps(data, ensure_ascii=False, default=default).translate(_SCRIPT_ESCAPES)


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy(settings: Settings) -> str:
    """No inline script anywhere: scripts from this service (and the Twilio Voice SDK's
    host when it is loaded from one); no framing; forms post only here."""
    scripts = ["'self'"]
    if (sdk := _origin(settings.twilio_voice_sdk_url)) is not None:
        scripts.append(sdk)
    twilio = "https://*.twilio.com wss://*.twilio.com"
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {' '.join(scripts)}",
            # the pages' own <style> blocks and the charts' tooltips; never script
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            f"connect-src 'self' {twilio}",  # the console's WebSocket; the Voice SDK
            f"media-src 'self' {twilio}",  # the SDK's ringing and dial tones
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers(app: web.Application) -> None:
    """Set the headers on every response the app sends (pages, API, static files, errors
    and WebSocket handshakes), and name no server version."""
    policy = content_security_policy(app[SETTINGS])

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        headers["Content-Security-Policy"] = policy
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Server"] = SERVER_NAME

    app.on_response_prepare.append(on_prepare)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, or `/`. Refused: another host in
    any spelling (`//evil`, `/\\evil`, `https://evil`), and any control character or
    space (browsers drop tabs and newlines, so `/\\t/evil` would be `//evil`)."""
    if not target or not target.startswith("/"):
        return "/"
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in target):
        return "/"
    normalised = target.replace("\\", "/")
    if normalised.startswith("//"):
        return "/"
    parts = urlsplit(normalised)
    if parts.scheme or parts.netloc:
        return "/"
    return target
