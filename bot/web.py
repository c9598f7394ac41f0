"""The bot's own web server: acquirer callbacks, the sandbox card page, health."""

import aiohttp
import structlog
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.i18n import L10n
from bot.sandbox_page import SandboxPage
from payments.acquirers import Acquirer, CallbackAnswer, CallbackRejected
from payments.acquirers.sandbox import SandboxAcquirer
from payments.service import PaymentService

log = structlog.get_logger(__name__)

MAX_CALLBACK_BYTES = 64 * 1024


class AcquirerCallbacks:
    def __init__(self, payments: PaymentService, acquirer: Acquirer) -> None:
        self._payments = payments
        self._acquirer = acquirer

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["acquirer"] != self._acquirer.name:
            raise web.HTTPNotFound()
        body = await request.content.read(MAX_CALLBACK_BYTES + 1)
        if len(body) > MAX_CALLBACK_BYTES:
            raise web.HTTPRequestEntityTooLarge(MAX_CALLBACK_BYTES, len(body))
        notice = None
        try:
            notice = self._acquirer.parse_callback(body, request.headers)
            answer = (await self._payments.handle_callback(notice)).answer
        except CallbackRejected as rejected:
            log.warning("callback.rejected", reason=rejected.reason, acquirer=self._acquirer.name)
            answer = CallbackAnswer.REJECTED
        except (SQLAlchemyError, OSError) as error:
            # Not recorded: say so, and the acquirer retries later.
            log.error(
                "callback.not_recorded",
                reason=type(error).__name__,
                order_id=notice and notice.order_id,
            )
            answer = CallbackAnswer.RETRY
        reply = self._acquirer.answer(answer, notice)
        return web.Response(status=reply.status, text=reply.body, content_type=reply.content_type)


async def healthz(_: web.Request) -> web.Response:
    return web.Response(text="ok")


def build_web_app(
    payments: PaymentService, acquirer: Acquirer, l10n: L10n, http: aiohttp.ClientSession
) -> web.Application:
    app = web.Application(client_max_size=MAX_CALLBACK_BYTES)
    app.router.add_post(
        "/acquirer/{acquirer}/callback", AcquirerCallbacks(payments, acquirer).handle
    )
    app.router.add_get("/healthz", healthz)
    if isinstance(acquirer, SandboxAcquirer):
        app.router.add_routes(SandboxPage(payments, acquirer, l10n, http).routes())
    return app
