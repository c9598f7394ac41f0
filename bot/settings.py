from enum import StrEnum
from pathlib import Path

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"


class AcquirerKind(StrEnum):
    SANDBOX = "sandbox"


class BillingKind(StrEnum):
    LOCAL = "local"
    HTTP = "http"


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class Settings(BaseSettings):
    """Every setting is read from the environment or `.env`; `.env.example` lists them all."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr = SecretStr("")
    bot_api_url: AnyHttpUrl = AnyHttpUrl("https://api.telegram.org")
    database_url: str = f"sqlite+aiosqlite:///{DATA_DIR / 'bot.sqlite3'}"

    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=0, le=65535)
    public_base_url: AnyHttpUrl = AnyHttpUrl("http://localhost:8080")

    acquirer: AcquirerKind = AcquirerKind.SANDBOX
    sandbox_secret: SecretStr = SecretStr("sandbox-development-secret")
    payment_lifetime_minutes: int = Field(30, ge=5, le=24 * 60)

    billing: BillingKind = BillingKind.LOCAL
    billing_api_url: AnyHttpUrl | None = None
    billing_api_token: SecretStr = SecretStr("")
    billing_timeout_seconds: float = Field(5.0, gt=0)
    billing_retries: int = Field(2, ge=0, le=5)

    outbox_poll_seconds: float = Field(1.0, gt=0)
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.JSON

    @property
    def public_base(self) -> str:
        return str(self.public_base_url).rstrip("/")
