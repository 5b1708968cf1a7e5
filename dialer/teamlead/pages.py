"""Rendering the team leader console's pages: its templates (extending the shared ones)
and the text its scripts show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from dialer.http import json_response
from dialer.web.i18n import MESSAGES
from dialer.web.pages import feature_templates, page_context

environment = feature_templates(Path(__file__).parent / "templates")


def script_json(payload: Any) -> str:
    # "</" escaped so that no text can close the <script> element it is embedded in
    return (json_response(payload).text or "{}").replace("</", "<\\/")


def client_messages(language: str) -> str:
    """The text the console's scripts show, in the user's language."""
    lang = language if language in ("zh", "en") else "zh"
    return script_json(
        {
            key: entry[lang]
            for key, entry in MESSAGES.items()
            if key.startswith(("teamlead_", "state_", "figure_"))
        }
    )


def render(request: web.Request, template: str, **context: Any) -> web.Response:
    html = environment.get_template(template).render(**page_context(request), **context)
    return web.Response(text=html, content_type="text/html")
