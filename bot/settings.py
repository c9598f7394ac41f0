import ipaddress
import logging
import re
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.money import AMOUNT, MINOR_UNITS

# What the bot writes (the embedded database, the shell's log) goes where it is run from,
# never into an installed package's folder.
DATA_DIR = Path("data").resolve()
SANDBOX_DEVELOPMENT_SECRET = "sandbox-development-secret"  # noqa: S105 (published on purpose)
# What Telegram allows in a webhook's secret_token.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{1,28}[Bb][Oo][Tt]")
_CURRENCY = re.compile(r"[A-Z]{3}")


def _is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or localhost: reachable from this machine only."""
    name = (host or "").strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class AcquirerKind(StrEnum):
    SANDBOX = "sandbox"
    FREEDOMPAY = "freedompay"


class BotMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class BillingKind(StrEnum):
    LOCAL = "local"
    HTTP = "http"


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class Settings(BaseSettings):
    """Every setting is read from the environment or `.env`; `.env.example` lists them all."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    bot_token: SecretStr = SecretStr("")
    bot_api_url: AnyHttpUrl = AnyHttpUrl("https://api.telegram.org")
    bot_mode: BotMode = BotMode.POLLING
    webhook_secret: SecretStr = SecretStr("")
    redis_url: str | None = None
    database_url: str = f"sqlite+aiosqlite:///{DATA_DIR / 'bot.sqlite3'}"
    database_pool_size: int = Field(10, ge=1, le=100)

    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=0, le=65535)
    public_base_url: AnyHttpUrl = AnyHttpUrl("http://localhost:8080")
    http_max_connections: int = Field(512, ge=1, le=100_000)
    http_header_timeout_seconds: float = Field(15.0, gt=0, le=3600)

    acquirer: AcquirerKind = AcquirerKind.SANDBOX
    sandbox_secret: SecretStr = SecretStr(SANDBOX_DEVELOPMENT_SECRET)
    freedompay_merchant_id: str = ""
    freedompay_secret_key: SecretStr = SecretStr("")
    freedompay_api_url: AnyHttpUrl = AnyHttpUrl("https://api.freedompay.kg")
    freedompay_testing_mode: bool = False
    payment_lifetime_minutes: int = Field(30, ge=5, le=24 * 60)
    reconcile_after_minutes: float = Field(5, gt=0)
    reconcile_interval_seconds: float = Field(60, gt=0)

    billing: BillingKind = BillingKind.LOCAL
    billing_api_url: AnyHttpUrl | None = None
    billing_api_token: SecretStr = SecretStr("")
    billing_timeout_seconds: float = Field(5.0, gt=0)
    billing_retries: int = Field(2, ge=0, le=5)

    outbox_poll_seconds: float = Field(1.0, gt=0)
    outbox_lease_seconds: float = Field(60.0, gt=0)
    telegram_messages_per_second: float = Field(29, gt=0)  # Telegram: ~30

    mask_payer_name: bool = True

    support_chat_id: int | None = None
    support_language: str = "ru"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.JSON

    bot_username: str = ""  # for the deep links `payment-bot link` prints; no @
    accepted_cards: str = "Visa, Mastercard, Elcard"
    # KGS for one unit of each currency an approximate amount is shown in (`USD=87.45,RUB=1.03`);
    # empty: the bill shows the amount in KGS only.
    approximate_rates: Annotated[dict[str, Decimal], NoDecode] = {}
    # Reminders: an open payment page this long before it closes, an unpaid code's deadline
    # (for those who asked) this long before it; looked for every interval.
    page_reminder_minutes: int = Field(10, ge=1, le=24 * 60)
    deadline_reminder_hours: float = Field(24, gt=0, le=30 * 24)
    reminder_interval_seconds: float = Field(60, gt=0)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        if value.upper() not in logging.getLevelNamesMapping():
            raise ValueError("one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value.upper()

    @field_validator("bot_username", mode="before")
    @classmethod
    def _bot_username(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().removeprefix("@")
            if value and not _BOT_USERNAME.fullmatch(value):
                raise ValueError("a bot's username: 5-32 of A-Z a-z 0-9 _, ending in 'bot'")
        return value

    @field_validator("approximate_rates", mode="before")
    @classmethod
    def _rates_table(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        rates = {}
        for part in value.replace(" ", "").split(","):
            if not part:
                continue
            currency, _, rate = part.partition("=")
            known = _CURRENCY.fullmatch(currency) and currency in MINOR_UNITS
            if not known or not AMOUNT.fullmatch(rate) or not Decimal(rate):
                raise ValueError(
                    f"CUR=RATE pairs of {', '.join(MINOR_UNITS)}: KGS for one USD=87.45"
                )
            rates[currency] = Decimal(rate)
        return rates

    @model_validator(mode="after")
    def _webhook_needs_secret_and_https(self) -> "Settings":
        if self.bot_mode is BotMode.WEBHOOK:
            if not self.webhook_secret.get_secret_value():
                raise ValueError("BOT_MODE=webhook needs WEBHOOK_SECRET")
            if not _WEBHOOK_SECRET.fullmatch(self.webhook_secret.get_secret_value()):
                raise ValueError("WEBHOOK_SECRET: 1-256 characters A-Z, a-z, 0-9, _ and -")
            if self.public_base_url.scheme != "https":
                raise ValueError("BOT_MODE=webhook needs an https PUBLIC_BASE_URL")
        return self

    @model_validator(mode="after")
    def _services_are_configured(self) -> "Settings":
        if self.billing is BillingKind.HTTP and self.billing_api_url is None:
            raise ValueError("BILLING=http needs BILLING_API_URL")
        if self.acquirer is AcquirerKind.FREEDOMPAY and not (
            self.freedompay_merchant_id and self.freedompay_secret_key.get_secret_value()
        ):
            raise ValueError("ACQUIRER=freedompay needs FREEDOMPAY_MERCHANT_ID and _SECRET_KEY")
        return self

    @model_validator(mode="after")
    def _sandbox_stays_off_public_addresses(self) -> "Settings":
        """The sandbox takes no money and its default secret is published: reachable from
        elsewhere, anyone could "pay" a real bill with its test card or forge its callbacks."""
        if self.acquirer is not AcquirerKind.SANDBOX:
            return self
        billing_host = self.billing_api_url.host if self.billing_api_url else None
        if self.billing is BillingKind.HTTP and not _is_loopback(billing_host):
            raise ValueError(
                "ACQUIRER=sandbox takes no money: it may not confirm a real billing's "
                "(BILLING=http) payments; set ACQUIRER=freedompay"
            )
        own_secret = self.sandbox_secret.get_secret_value() != SANDBOX_DEVELOPMENT_SECRET
        if not own_secret and not (
            _is_loopback(self.http_host) and _is_loopback(self.public_base_url.host)
        ):
            raise ValueError(
                "ACQUIRER=sandbox beyond this machine (HTTP_HOST or PUBLIC_BASE_URL not "
                "loopback) needs a SANDBOX_SECRET of its own"
            )
        return self

    def secret_values(self) -> list[str]:
        """What no log line may ever hold, whatever text it comes in (an exception's, a URL)."""
        token = self.bot_token.get_secret_value()
        values = [
            token,
            token.partition(":")[2],
            self.webhook_secret.get_secret_value(),
            self.freedompay_secret_key.get_secret_value(),
            self.billing_api_token.get_secret_value(),
        ]
        if self.sandbox_secret.get_secret_value() != SANDBOX_DEVELOPMENT_SECRET:
            values.append(self.sandbox_secret.get_secret_value())
        for url in (self.database_url, self.redis_url or ""):  # passwords in their addresses
            values.append(urlsplit(url).password or "")
        return [value for value in values if len(value) >= 4]

    @property
    def public_base(self) -> str:
        return str(self.public_base_url).rstrip("/")
