"""What a process of the service runs: the web side, the engine side, or both.

- `serve` (ALL): both, in one process: the single-box default and the demo.
- `serve --no-engine` (WEB): the API, webhooks and consoles, stateless, any number of
  them behind a load balancer.
- `worker` (WORKER): campaign engines under leases, the sweeps and the timed jobs; only
  its health and metrics over HTTP.
Web processes and workers talk only through PostgreSQL (rows, and NOTIFY on the bus).
"""

from __future__ import annotations

from enum import StrEnum


class ProcessRole(StrEnum):
    ALL = "all"
    WEB = "web"
    WORKER = "worker"

    @property
    def serves_web(self) -> bool:
        return self is not ProcessRole.WORKER

    @property
    def runs_engines(self) -> bool:
        return self is not ProcessRole.WEB
