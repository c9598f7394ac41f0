"""Telegram's webhook, answered once the update is handled: if the process dies mid-way,
Telegram gets no answer and delivers the update again (aiogram's default answers at once
and handles in the background, which a crash would lose). The answer carries the pressed
button's answer, if the update gave one (ui.webhook_answer)."""

import json
import secrets
from typing import Any

import structlog
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from storage.redis_lock import UPDATE_ID
from ui.reply import send_button_answer
from ui.webhook_answer import WEBHOOK_ANSWER, WebhookAnswer
from web.limits import MAX_UPDATE_BYTES, read_body

log = structlog.get_logger(__name__)

RETRY_AFTER_SECONDS = 5


class UpdateInProgress(Exception):
    """This update is being handled right now (a retry, or the other instance has it): the
    webhook asks Telegram to deliver it again later rather than answering for it."""


class TelegramWebhook(SimpleRequestHandler):
    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret_token: str) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret_token)

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        body = await read_body(request, MAX_UPDATE_BYTES)
        try:
            update = Update.model_validate(json.loads(body), context={"bot": bot})
        except (ValueError, ValidationError) as error:  # not UTF-8, not JSON, not an update
            # Telegram would deliver it again, forever: take it, say so, and drop it.
            log.error("webhook.malformed_update", size=len(body), reason=type(error).__name__)
            return web.json_response({})
        handling = UPDATE_ID.set(update.update_id)  # claimed with the user's lock (Redis)
        answer = WebhookAnswer()
        answering = WEBHOOK_ANSWER.set(answer)
        try:
            result = await self.dispatcher.feed_webhook_update(bot, update, **self.data)
            carried = answer.close()
            if result is None and carried is not None:
                # As JSON: aiogram's multipart form, made for files, costs several times more.
                params = carried.model_dump(exclude_none=True)
                return web.json_response({"method": carried.__api_method__, **params})
            if carried is not None:  # the handler's own method takes the answer's one place
                await send_button_answer(carried)
            return web.Response(body=self._build_response_writer(bot=bot, result=result))
        except UpdateInProgress:  # Telegram tries again later; by then it is handled or free
            return web.Response(status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        finally:
            answer.close()
            WEBHOOK_ANSWER.reset(answering)
            UPDATE_ID.reset(handling)

    def register(self, app: web.Application, /, path: str, **kwargs: Any) -> None:
        """The route only. aiogram would also close the bot's session when the server begins
        to shut down, under the updates still being handled; the App closes it last."""
        app.router.add_route("POST", path, self.handle, **kwargs)

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        # As bytes: a header with other than ASCII in it is a wrong secret, not an error 500.
        return secrets.compare_digest(
            telegram_secret_token.encode(errors="replace"), str(self.secret_token).encode()
        )
