"""The campaign manager console's routes, console links and static files, gathered for
`dialer.app`'s FEATURES."""

from __future__ import annotations

from pathlib import Path

from dialer.http import Routes
from dialer.manager import campaign_pages, live, next_accounts, planner_pages

routes = Routes()
for _module in (campaign_pages, live, planner_pages, next_accounts):
    routes.specs.extend(_module.routes.specs)

console_links = campaign_pages.console_links
#: (URL prefix, folder) of the console's scripts and styles
static_folders = (("/manager/static", Path(__file__).parent / "static"),)
