"""Service settings, read from the environment and an optional `.env` file.

A wrong value is refused at start-up with a message naming the variable
(see `load_settings`), never discovered later in the middle of a campaign.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, TypeVar

import phonenumbers
from pydantic import AliasChoices, BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from compliance.recording_retention import RetentionInvalid, check_retention
from compliance.rules import DEFAULT_POLICY, DEFAULT_RULE_BOOK, FirmPolicy, GateRules, RuleBook

# Pinned: a new major of the SDK changes the Device API that console/audio.js uses.
TWILIO_VOICE_SDK_URL = "https://cdn.jsdelivr.net/npm/@twilio/voice-sdk@2.17.0/dist/twilio.min.js"


_Model = TypeVar("_Model", bound=BaseModel)


class SettingsError(Exception):
    """The service's configuration is wrong; the message names the variable to fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DIALER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "DIALER_DATABASE_URL")
    )
    data_dir: Path = Path(".dialer")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_base_url: str = "http://127.0.0.1:8080"
    apply_migrations: bool = True
    # a worker's campaign lease: not renewed for this long, another worker takes the
    # campaign over (renewed every reconcile round)
    worker_lease_seconds: float = Field(default=3.0, gt=0.5, le=60)
    worker_reconcile_seconds: float = Field(default=1.0, gt=0.05, le=10)
    # where signed callbacks wait while PostgreSQL is unreachable (default: data_dir/spool)
    # and how much they may take before the webhook answers 503 (the carrier retries)
    spool_dir: Path | None = None
    spool_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    # how long an idle web process waits for more callbacks before it commits one alone
    # (callbacks arriving while a batch commits go in the next batch anyway)
    callback_gather_ms: float = Field(default=2.0, ge=0, le=50)
    # rehearsals and tests only: every process's clock runs this many seconds ahead of the
    # machine's (the same for all of them), to dial inside the callees' hours at any hour
    clock_offset_seconds: float = 0.0
    # processes a web process runs list imports in (reading and validation are CPU-bound)
    import_processes: int = Field(default=1, ge=1, le=16)
    # what one list import may use in its child process: memory beyond the process's own
    # size, and CPU seconds; past either the import fails, changing nothing
    import_max_memory_mb: int = Field(default=1024, ge=64)
    import_max_seconds: int = Field(default=600, ge=1)
    # the largest list file an upload may carry (streamed to disk; larger: 413)
    upload_max_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)

    twilio_account_sid: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TWILIO_ACCOUNT_SID", "DIALER_TWILIO_ACCOUNT_SID"),
    )
    twilio_auth_token: str | None = Field(
        default=None, validation_alias=AliasChoices("TWILIO_AUTH_TOKEN", "DIALER_TWILIO_AUTH_TOKEN")
    )
    twilio_caller_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)
    twilio_calls_per_second: float = Field(default=1.0, gt=0)
    # the account's concurrent-calls limit (the pacer never launches beyond it); unset:
    # no limit but calls per second
    twilio_max_concurrent_calls: int | None = Field(default=None, gt=0)
    # another Twilio-compatible REST endpoint, e.g. a standalone `dialer sim-carrier`
    twilio_api_base_url: str | None = None
    # the browser audio leg: an API key to mint Voice SDK access tokens, the TwiML app
    # whose Voice URL is <public base>/twilio/voice/rep-room, and where the SDK is loaded
    twilio_api_key_sid: str | None = None
    twilio_api_key_secret: str | None = None
    twilio_twiml_app_sid: str | None = None
    twilio_voice_sdk_url: str = TWILIO_VOICE_SDK_URL
    # the carrier, by its name in dialer/telephony/providers.py
    telephony_provider: str = "twilio"
    # an answered call still live this long after its dial is looked up at the carrier by
    # the engine's live sweep (its `completed` callback may have been lost)
    engine_live_call_ceiling_seconds: float = Field(default=7200.0, gt=0)
    # an answered call with no callback for this long is looked up at the carrier
    engine_silent_call_seconds: float = Field(default=60.0, gt=0)
    # an unanswered call unreported this long past its ring time is looked up, and an
    # ended attempt whose number still says dialing is settled
    engine_sweep_grace_seconds: float = Field(default=120.0, gt=0)

    # the built-in carrier simulator (used when no Twilio credentials are set)
    sim_scenario: Path | None = None
    sim_speed: float = Field(default=1.0, gt=0)
    sim_seed: int = 1

    # days a call recording is kept, by "JURISDICTION" or "JURISDICTION/purpose" (JSON);
    # unset keys: compliance.recording_retention's defaults (CN 20 years)
    recording_retention_days: dict[str, int] = Field(default_factory=dict)
    recording_purge_every_seconds: float = Field(default=3600.0, gt=0)
    # the SMS satisfaction survey after a contact: the sender and how often it is sent
    sms_survey_from: str | None = None
    sms_survey_every_seconds: float = Field(default=30.0, gt=0)

    firm_name: str = "Example Securities"
    firm_callback_number: str = "+862195500000"
    default_region: str = "CN"
    log_format: Literal["json", "console"] = "json"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # serve and worker run on uvloop's event loop (dialer/loops.py); false: asyncio's own
    uvloop: bool = True
    session_max_age_hours: int = Field(default=12, gt=0)
    # sign-ins verifying a password at once in one web process (argon2 on 2 threads):
    # one more answers 503 with Retry-After, untouched, instead of queueing past its timeout
    login_verify_concurrency: int = Field(default=4, ge=1, le=256)
    login_busy_retry_seconds: int = Field(default=1, ge=1, le=60)
    # how long a new API token lives, and how many live ones a user may hold
    api_token_days: int = Field(default=90, ge=1, le=3650)
    api_tokens_per_user: int = Field(default=10, ge=1, le=1000)
    # a rep whose consoles are all closed this long, while ready or on a call, is
    # wrapped up with DISCONNECTED and paused (dialer/console/disconnects.py)
    console_disconnect_grace_seconds: float = Field(default=30.0, gt=0, le=3600)
    cookie_secure: bool = False
    # the compliance gate's configuration: JSON files of compliance.rules.RuleBook and
    # FirmPolicy, the same files `dialer compliance explain --rule-book/--policy` reads;
    # unset: the shipped rule book and no firm restrictions
    compliance_rule_book: Path | None = None
    firm_policy: Path | None = None

    @field_validator("twilio_caller_ids", mode="before")
    @classmethod
    def _split_caller_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("twilio_caller_ids")
    @classmethod
    def _caller_ids_are_e164(cls, value: list[str]) -> list[str]:
        for number in value:
            require_e164(number)
        return value

    @field_validator("sms_survey_from")
    @classmethod
    def _sms_sender_is_e164(cls, value: str | None) -> str | None:
        return None if value is None else require_e164(value)

    @field_validator("firm_callback_number")
    @classmethod
    def _callback_is_e164(cls, value: str) -> str:
        return require_e164(value)

    @field_validator("default_region")
    @classmethod
    def _region_is_known(cls, value: str) -> str:
        region = value.upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region code phonenumbers knows (e.g. CN, US, GB)")
        return region

    @field_validator("database_url")
    @classmethod
    def _database_url_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgres://", "postgresql://")):
            raise ValueError("must start with postgresql:// (e.g. postgresql://user:pw@host/db)")
        return value or None

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL that Twilio can reach")
        return value.rstrip("/")

    @field_validator("twilio_voice_sdk_url")
    @classmethod
    def _sdk_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://", "/")):
            raise ValueError("must be an https:// URL (or a path on this service) of twilio.min.js")
        return value

    @field_validator("recording_retention_days")
    @classmethod
    def _retention_is_usable(cls, value: dict[str, int]) -> dict[str, int]:
        try:
            return check_retention(value)
        except RetentionInvalid as exc:
            raise ValueError(f"DIALER_RECORDING_RETENTION_DAYS: {exc}") from exc

    @field_validator("compliance_rule_book")
    @classmethod
    def _rule_book_loads(cls, value: Path | None) -> Path | None:
        if value is not None:
            _read_rule_book(value)
        return value

    @field_validator("firm_policy")
    @classmethod
    def _policy_loads(cls, value: Path | None) -> Path | None:
        if value is not None:
            _read_json_model(value, FirmPolicy, "firm policy")
        return value

    @property
    def browser_audio_configured(self) -> bool:
        """Voice SDK tokens can be minted: account, API key and TwiML app are set."""
        return bool(
            self.twilio_account_sid
            and self.twilio_api_key_sid
            and self.twilio_api_key_secret
            and self.twilio_twiml_app_sid
        )

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)


def require_e164(number: str) -> str:
    """A phone number in E.164 (+<country><number>), normalised; ValueError otherwise."""
    if not number.startswith("+"):
        raise ValueError(f"{number!r} is not an E.164 number (+<country><number>)")
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{number!r} is not an E.164 number (+<country><number>)") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"{number!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _read_json_model(path: Path, model: type[_Model], what: str) -> _Model:
    """Parse a JSON configuration file, or say in one line what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read the {what} {str(path)!r}: {exc.strerror}") from exc
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors()[:3]
        )
        more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
        raise ValueError(f"{str(path)!r} is not a valid {what}: {problems}{more}") from None


def _read_rule_book(path: Path) -> RuleBook:
    book = _read_json_model(path, RuleBook, "rule book")
    missing = book.missing_jurisdictions()
    if missing:
        # a number or address can bring any jurisdiction into a decision
        raise ValueError(
            f"{str(path)!r} has no rule set for {', '.join(missing)}: every jurisdiction "
            "needs at least one version (start from `dialer compliance explain --print-rule-book`)"
        )
    return book


def load_gate_rules(settings: Settings) -> GateRules:
    """The rule book and firm policy the service decides with, read once at start-up."""
    try:
        rule_book = (
            _read_rule_book(settings.compliance_rule_book)
            if settings.compliance_rule_book
            else DEFAULT_RULE_BOOK
        )
    except ValueError as exc:
        raise SettingsError(f"invalid configuration: DIALER_COMPLIANCE_RULE_BOOK: {exc}") from None
    try:
        policy = (
            _read_json_model(settings.firm_policy, FirmPolicy, "firm policy")
            if settings.firm_policy
            else DEFAULT_POLICY
        )
    except ValueError as exc:
        raise SettingsError(f"invalid configuration: DIALER_FIRM_POLICY: {exc}") from None
    return GateRules(rule_book=rule_book, policy=policy)


_ENV_NAMES = {
    "database_url": "DATABASE_URL",
    "twilio_account_sid": "TWILIO_ACCOUNT_SID",
    "twilio_auth_token": "TWILIO_AUTH_TOKEN",
}


def load_settings(**overrides: object) -> Settings:
    """Read settings; turn a validation failure into one line per wrong variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            if field in _ENV_NAMES.values():
                env = field
            else:
                env = _ENV_NAMES.get(field, f"DIALER_{field.upper()}")
            problems.append(f"{env}: {error['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
