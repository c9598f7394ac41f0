"""What support reads: a failure's traceback in its JSON line, and never a secret in any line."""

import io
import json
import logging

import structlog

from bot.logs import setup_logging
from bot.settings import Settings

TOKEN = "123456789:AAHsecretpartofthetoken"
DATABASE = "postgresql+asyncpg://bot:db-password-9@db:5432/bot"


def logged(fmt: str, secrets: list[str]) -> str:
    stream = io.StringIO()
    setup_logging("INFO", fmt, stream=stream, secrets=secrets)
    try:
        try:
            raise RuntimeError(f"https://api.telegram.org/bot{TOKEN}/getMe; {DATABASE}")
        except RuntimeError:
            structlog.get_logger("bot").exception("outbox.delivery_failed", outbox_id=7)
            logging.getLogger("aiogram.dispatcher").error("polling failed", exc_info=True)
    finally:
        logging.getLogger().handlers.clear()
    return stream.getvalue()


def test_a_failure_is_logged_with_its_traceback_on_one_json_line():
    lines = logged("json", []).splitlines()
    assert len(lines) == 2
    for line in lines:
        event = json.loads(line)
        assert "Traceback (most recent call last)" in event["exception"]
        assert "RuntimeError" in event["exception"]


def test_the_settings_secrets_never_reach_a_line_whatever_text_holds_them():
    settings = Settings(
        _env_file=None, bot_token=TOKEN, webhook_secret="hook_secret_value", database_url=DATABASE
    )
    for fmt in ("json", "console"):
        text = logged(fmt, settings.secret_values())
        assert "RuntimeError" in text
        assert TOKEN not in text and TOKEN.split(":")[1] not in text
        assert "db-password-9" not in text
        assert "[redacted]" in text
