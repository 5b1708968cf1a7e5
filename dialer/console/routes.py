"""The rep console over HTTP: the page, its WebSocket, and the same flows as a JSON API.

Everything the page does goes through `/api/v1/console/...` (documented in the OpenAPI
document), so a firm can build its own desktop on it. The routes are gathered here from
the modules that serve them: `session_api` (log in, ready, pause, log out), `calls_api`
(the pop, dispositions, my day, audio), `preview_api` (preview mode) and `rep_page` (the
page and its WebSocket).
"""

from __future__ import annotations

from dialer.console import calls_api, messages, preview_api, rep_page, session_api
from dialer.http import Routes

routes = Routes()
for _part in (session_api, calls_api, preview_api, rep_page):
    routes.specs.extend(_part.routes.specs)
console_links = rep_page.console_links

__all__ = ["routes", "console_links", "messages"]
