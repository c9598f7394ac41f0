"""The outbox handler for kind "alert": tells the support chat what went wrong.

Without a support chat (SUPPORT_CHAT_ID unset) an alert is only logged as `support.alert`,
with the alert's own fields: never a payer's name, a card number or a token.
"""

import contextlib
from collections.abc import Iterator

import structlog
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from core.statuses import OutboxKind
from delivery.pacing import Pacer
from payments.alerts import ALERT_FIELDS, alert_fields
from payments.outbox import GiveUp, Handler, RetryLater
from storage.models import OutboxMessage
from ui.i18n import Translator

log = structlog.get_logger(__name__)

MAX_VALUE_LENGTH = 200


@contextlib.contextmanager
def to_support_chat() -> Iterator[None]:
    """A send to the support chat, its failures as the outbox reads them: Telegram busy or
    away is tried again; a chat the bot may not write to is given up (nobody to hold it for)."""
    try:
        yield
    except TelegramRetryAfter as error:
        raise RetryLater("telegram_429", delay=error.retry_after) from error
    except (TelegramServerError, TelegramNetworkError) as error:
        raise RetryLater(type(error).__name__) from error
    except (TelegramForbiddenError, TelegramBadRequest) as error:
        raise GiveUp(f"{type(error).__name__}: {error.message}") from error


NONE = "—"


def _shown(value: object) -> str:
    text = NONE if value is None or value == "" else str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"


class SupportAlerts:
    def __init__(
        self, bot: Bot, chat_id: int | None, t: Translator, *, pacer: Pacer | None = None
    ) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._t = t
        self._pacer = pacer  # share the receipts' one: Telegram's pace is per bot

    def handlers(self) -> dict[str, Handler]:
        return {OutboxKind.ALERT: self.deliver}

    def text(self, payload: dict) -> str:
        """The alert in the support chat's language, HTML with every value escaped."""
        kind = str(payload.get("alert") or "unknown")
        fields = {name: _shown(value) for name, value in alert_fields(kind, payload).items()}
        if kind in ALERT_FIELDS:
            return self._t(f"alert-{kind}", **fields)
        return self._t("alert-other", kind=_shown(kind), **fields)

    async def deliver(self, message: OutboxMessage) -> None:
        payload = message.payload or {}
        kind = str(payload.get("alert") or "unknown")
        if self._chat_id is None:
            log.warning(
                "support.alert", alert=kind, outbox_id=message.id, **alert_fields(kind, payload)
            )
            return
        if self._pacer is not None:
            await self._pacer.wait(self._chat_id)
        with to_support_chat():
            await self._bot.send_message(self._chat_id, self.text(payload))
        log.info("support.alert_sent", alert=kind, outbox_id=message.id)
