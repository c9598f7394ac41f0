"""What support reads: a failure's traceback in its JSON line, and never a secret in any line."""

import io
import json
import logging

import pytest
import structlog
from aiogram.types import Update, User

from bot.logs import setup_logging
from bot.middlewares import LogContextMiddleware
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


async def test_the_lines_of_an_update_name_it_and_the_next_update_starts_clean():
    stream = io.StringIO()
    setup_logging("INFO", "json", stream=stream)
    update = Update(update_id=41, message=None)
    sender = User(id=7, is_bot=False, first_name="Name Never Logged")

    async def handler(event, data):
        structlog.get_logger("bot").info("code.looked_up")
        raise RuntimeError("the handler failed")

    try:
        with pytest.raises(RuntimeError):
            await LogContextMiddleware()(handler, update, {"event_from_user": sender})
        structlog.get_logger("bot").info("outbox.tick")
    finally:
        logging.getLogger().handlers.clear()
    during, after = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (during["update_id"], during["user_id"]) == (41, 7)
    assert "update_id" not in after and "user_id" not in after
    assert "Name Never Logged" not in stream.getvalue()
    assert structlog.contextvars.get_contextvars() == {}


def test_an_event_below_the_level_is_dropped_before_anything_is_added_to_it(monkeypatch):
    stamped: list[str] = []

    def stamp(self, logger, name, event):
        stamped.append(event["event"])
        return event

    monkeypatch.setattr(structlog.processors.TimeStamper, "__call__", stamp)
    stream = io.StringIO()
    setup_logging("WARNING", "json", stream=stream)
    try:
        log = structlog.get_logger("payments.service")
        log.info("payment.created", payment_id=1)
        log.warning("payment.checkout_failed", payment_id=1)
    finally:
        logging.getLogger().handlers.clear()
    assert stamped == ["payment.checkout_failed"]
    assert [json.loads(line)["event"] for line in stream.getvalue().splitlines()] == [
        "payment.checkout_failed"
    ]
