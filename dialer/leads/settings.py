"""The leads package's settings, read from the environment (prefix ``DIALER_LEADS_``).

The follow-up SLA (``DIALER_LEADS_FIRST_CONTACT_DAYS``, default 1 business day in the
branch's time zone; ``_ESCALATE_AFTER_DAYS``, default 1, and ``_RETURN_AFTER_DAYS``, default
2, business days after the deadline), how often the SLA job and the notice job run
(``_SLA_EVERY_SECONDS``, 60; ``_NOTICE_EVERY_SECONDS``, 5), and the notice channels:
a signed webhook (``_WEBHOOK_URL`` and ``_WEBHOOK_SECRET``) and e-mail (``_SMTP_HOST``,
``_SMTP_PORT``, ``_SMTP_SENDER``, ``_SMTP_RECIPIENTS`` as a JSON list, ``_SMTP_STARTTLS``,
``_SMTP_USERNAME``, ``_SMTP_PASSWORD``). A wrong value is refused naming the variable.
"""

from __future__ import annotations

from typing import Self

import aiohttp
from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dialer.leads.errors import LeadError
from dialer.leads.notify import EmailSettings, Notifier, WebhookSettings
from dialer.leads.sla import SlaPolicy


class LeadSettingsInvalid(LeadError):
    """A DIALER_LEADS_ setting is wrong; the message names the variable to fix."""


class LeadSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DIALER_LEADS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    first_contact_days: int = Field(default=1, ge=1, le=60)
    escalate_after_days: int = Field(default=1, ge=0, le=60)
    return_after_days: int = Field(default=2, ge=0, le=60)
    sla_every_seconds: int = Field(default=60, gt=0)
    notice_every_seconds: int = Field(default=5, gt=0)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str | None = None
    smtp_recipients: list[str] = []
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None

    @model_validator(mode="after")
    def _escalation_before_return(self) -> Self:
        if self.escalate_after_days > self.return_after_days:
            raise ValueError(
                "DIALER_LEADS_ESCALATE_AFTER_DAYS must not exceed DIALER_LEADS_RETURN_AFTER_DAYS: "
                "the branch manager is told before the lead goes back to the centre"
            )
        return self

    def sla_policy(self) -> SlaPolicy:
        return SlaPolicy(
            first_contact_days=self.first_contact_days,
            escalate_after_days=self.escalate_after_days,
            return_after_days=self.return_after_days,
        )

    def notifier(self, session: aiohttp.ClientSession) -> Notifier:
        webhook = (
            WebhookSettings(url=self.webhook_url, secret=self.webhook_secret)
            if self.webhook_url and self.webhook_secret
            else None
        )
        email = (
            EmailSettings(
                host=self.smtp_host,
                port=self.smtp_port,
                sender=self.smtp_sender,
                recipients=tuple(self.smtp_recipients),
                starttls=self.smtp_starttls,
                username=self.smtp_username,
                password=self.smtp_password,
            )
            if self.smtp_host and self.smtp_sender
            else None
        )
        return Notifier(session=session, webhook=webhook, email=email)


def load_lead_settings() -> LeadSettings:
    """The settings from the environment; raises LeadSettingsInvalid naming each wrong one."""
    try:
        return LeadSettings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            if error["loc"]:
                problems.append(f"DIALER_LEADS_{str(error['loc'][0]).upper()}: {error['msg']}")
            else:
                problems.append(str(error["msg"]).removeprefix("Value error, "))
        raise LeadSettingsInvalid("invalid configuration: " + "; ".join(problems)) from None


def configured_sla_policy() -> SlaPolicy:
    """The follow-up SLA the environment configures (the defaults when it says nothing)."""
    return load_lead_settings().sla_policy()
