"""Twilio's webhook connection overrides: a URL fragment that sets, per callback URL, the
connect, read and total timeouts, how many times a failed request is retried and which
failures count (Twilio's docs: "Webhooks (HTTP callbacks): Connection Overrides").

    https://host/telephony/twilio/status?attempt=7#ct=2000&rt=8000&tt=40000&rc=4&rp=all

The fragment is never sent to the server and is not part of the signed URL. The service
puts one on every callback URL it gives Twilio, so that a 5xx or a timeout while a web
process restarts or PostgreSQL is away is retried by the carrier instead of lost; the
carrier simulator honours the same fragment.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urldefrag

#: the failure classes of `rp`: 4xx and 5xx answers, connect and read timeouts or errors
POLICIES = frozenset({"4xx", "5xx", "ct", "rt"})
MAX_RETRIES = 5


@dataclass(frozen=True)
class ConnectionOverrides:
    connect_timeout_ms: int = 5000
    read_timeout_ms: int = 15000
    total_timeout_ms: int = 15000
    retries: int = 1
    retry_on: frozenset[str] = frozenset({"ct"})

    def fragment(self) -> str:
        policy = "all" if self.retry_on >= POLICIES else ",".join(sorted(self.retry_on))
        return (
            f"ct={self.connect_timeout_ms}&rt={self.read_timeout_ms}"
            f"&tt={self.total_timeout_ms}&rc={self.retries}&rp={policy}"
        )

    def on(self, url: str) -> str:
        """The URL with these overrides as its fragment (any fragment it had replaced)."""
        return f"{urldefrag(url)[0]}#{self.fragment()}"

    def retries_after(self, status: int | None, *, timed_out: bool) -> bool:
        """Whether a failed attempt (an HTTP status, or none when the connection failed
        or timed out) is retried under this policy."""
        if status is None:
            return ("rt" if timed_out else "ct") in self.retry_on
        if 500 <= status < 600:
            return "5xx" in self.retry_on
        if 400 <= status < 500:
            return "4xx" in self.retry_on
        return False


#: status and AMD callbacks: a restart or a database outage of a minute is ridden out
CALLBACKS = ConnectionOverrides(
    connect_timeout_ms=2000,
    read_timeout_ms=10000,
    total_timeout_ms=60000,
    retries=MAX_RETRIES,
    retry_on=POLICIES,
)
#: the answer webhook: the callee is waiting, so quick, and never retried on a 4xx
ANSWERS = ConnectionOverrides(
    connect_timeout_ms=1000,
    read_timeout_ms=4000,
    total_timeout_ms=9000,
    retries=2,
    retry_on=frozenset({"ct", "rt", "5xx"}),
)


def parse(url: str) -> ConnectionOverrides:
    """The overrides a URL's fragment sets, Twilio's defaults for what it leaves out
    (one retry, on connection failures only)."""
    _, fragment = urldefrag(url)
    values = dict(parse_qsl(fragment))
    default = ConnectionOverrides()

    def number(key: str, fallback: int) -> int:
        try:
            return max(0, int(values[key]))
        except (KeyError, ValueError):
            return fallback

    policy = values.get("rp")
    retry_on = default.retry_on
    if policy:
        parts = {part.strip() for part in policy.split(",")}
        retry_on = POLICIES if "all" in parts else frozenset(parts & POLICIES)
    return ConnectionOverrides(
        connect_timeout_ms=number("ct", default.connect_timeout_ms),
        read_timeout_ms=number("rt", default.read_timeout_ms),
        total_timeout_ms=number("tt", default.total_timeout_ms),
        retries=min(MAX_RETRIES, number("rc", default.retries)),
        retry_on=retry_on,
    )
