"""The data the gate reads and the decision it returns.

A `DialRequest` says what the engine wants to do (number, campaign profile, purpose, dial
mode, product); `DialFacts` says what is known about the callee at that moment (account,
prior attempts, DNC matches, consents, the rep's registrations). Both are immutable
pydantic models with aware datetimes, so the gate is a plain function of them and `now`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator


class Jurisdiction(StrEnum):
    US = "US"
    UK = "UK"
    CN = "CN"


class Purpose(StrEnum):
    MARKETING = "marketing"
    SERVICE = "service"


class DialMode(StrEnum):
    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    POWER = "power"
    PREDICTIVE = "predictive"

    @classmethod
    def _missing_(cls, value: object) -> DialMode | None:
        # campaigns.pacing_mode also names predictive variants (RATIO, ADAPT_*).
        text = str(value).lower()
        return cls.PREDICTIVE if text == "ratio" or text.startswith("adapt_") else None

    @property
    def reserves_rep(self) -> bool:
        """True when a rep is already on the line before the callee can answer."""
        return self in (DialMode.PREVIEW, DialMode.PROGRESSIVE)


class LineType(StrEnum):
    WIRELESS = "wireless"
    LANDLINE = "landline"
    UNKNOWN = "unknown"

    @classmethod
    def _missing_(cls, value: object) -> LineType | None:
        # The names phonenumbers and carriers use (account_phones.line_type).
        return {"mobile": cls.WIRELESS, "fixed_line": cls.LANDLINE, "voip": cls.UNKNOWN}.get(
            str(value).lower()
        )


class ConsentPurpose(StrEnum):
    MARKETING = "marketing"
    SERVICE = "service"
    AUTOMATED_DIALING = "automated_dialing"


class DncList(StrEnum):
    FIRM = "firm"
    NATIONAL = "national"
    TPS = "tps"
    CTPS = "ctps"
    CN_REFUSAL = "cn_refusal"


class Verdict(StrEnum):
    ALLOW = "ALLOW"
    REQUIRE = "REQUIRE"
    DELAY = "DELAY"
    BLOCK = "BLOCK"

    @property
    def severity(self) -> int:
        """ALLOW < REQUIRE < DELAY < BLOCK: a stricter decision has a higher severity."""
        return _SEVERITY[self]


_SEVERITY = {Verdict.ALLOW: 0, Verdict.REQUIRE: 1, Verdict.DELAY: 2, Verdict.BLOCK: 3}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Consent(_Frozen):
    purpose: ConsentPurpose
    granted_at: AwareDatetime
    revoked_at: AwareDatetime | None = None
    record_id: str | int | None = None

    def valid_at(self, at: datetime) -> bool:
        return self.granted_at <= at and (self.revoked_at is None or self.revoked_at > at)


class Attempt(_Frozen):
    """A prior dial to this person. `number` is None when it was to the same number."""

    at: AwareDatetime
    subject: str | None = None
    abandoned: bool = False
    number: str | None = None
    campaign_id: str | int | None = None


class DncEntry(_Frozen):
    """A match of the number on a do-not-call list; `added_at` None means "since ever".

    `scope` "all" (firm list) also stops service calls; `expires_at` ends the entry.
    """

    list: DncList
    added_at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None
    scope: str = Field(default="marketing", pattern="^(all|marketing)$")
    snapshot_date: date | None = None
    source_version: str | int | None = None

    def effective_at(self, at: datetime) -> bool:
        started = self.added_at is None or self.added_at <= at
        return started and (self.expires_at is None or at < self.expires_at)


class Account(_Frozen):
    account_id: str | int | None = None
    region: str | None = None
    address_time_zone: str | None = None
    line_type: LineType = LineType.UNKNOWN
    risk_level: str | None = Field(default=None, pattern=r"^C[1-5]$")
    risk_assessed_at: AwareDatetime | None = None
    risk_assessment_id: str | int | None = None
    existing_customer_since: AwareDatetime | None = None
    last_transaction_at: AwareDatetime | None = None
    last_inquiry_at: AwareDatetime | None = None
    client_expects_calls: bool = False
    professional_investor: bool = False
    consents: tuple[Consent, ...] = ()

    @field_validator("address_time_zone")
    @classmethod
    def _known_time_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown time zone {value!r}: use an IANA name such as America/New_York"
            ) from error
        return value


class DialRequest(_Frozen):
    """What the engine wants to do: dial `number` for a campaign under `profile`."""

    number: str
    profile: Jurisdiction
    purpose: Purpose
    dial_mode: DialMode
    subject: str | None = None
    product_risk: str | None = Field(default=None, pattern=r"^R[1-5]$")
    product_class: str | None = None
    required_registration: str | None = None
    campaign_id: str | int | None = None


class DialFacts(_Frozen):
    """What is known about the callee. Absent facts mean "no such fact".

    `dnc_snapshots` gives the date of the national register snapshot screened against
    (by list), whether or not the number matched; `agent_registrations` None means the
    rep is not chosen yet (predictive dialing), an empty set means a rep with none.
    """

    account: Account = Account()
    attempts: tuple[Attempt, ...] = ()
    dnc: tuple[DncEntry, ...] = ()
    dnc_snapshots: dict[DncList, date] = Field(default_factory=dict)
    agent_registrations: frozenset[str] | None = None


class Finding(_Frozen):
    """One rule's verdict on one dial, in words a campaign manager understands."""

    rule_id: str
    verdict: Verdict
    explanation: str
    until: AwareDatetime | None = None
    required_mode: DialMode | None = None
    # the finding concerns every number of the campaign (a stale national register), not
    # this one: the campaign stops until the cause is fixed instead of closing the number
    campaign_wide: bool = False


class Decision(_Frozen):
    verdict: Verdict
    until: AwareDatetime | None = None
    rules: tuple[str, ...]
    reason: str
    rule_set_version: str
    required_mode: DialMode | None = None
    jurisdictions: tuple[Jurisdiction, ...] = ()
    time_zones: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    decided_at: AwareDatetime

    @property
    def campaign_wide(self) -> bool:
        """A BLOCK only for reasons that concern the whole campaign (a stale register): the
        number itself may be fine once the cause is fixed. A number blocked for any reason of
        its own (it is on the register, no consent...) is not."""
        blocking = [f for f in self.findings if f.verdict is Verdict.BLOCK]
        return (
            self.verdict is Verdict.BLOCK
            and bool(blocking)
            and all(f.campaign_wide for f in blocking)
        )
