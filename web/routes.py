"""The bot's own web server: acquirer callbacks, the Telegram webhook, health and metrics."""

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from core.metrics import Metrics
from payments.acquirers import Acquirer, CallbackAnswer, CallbackRejected
from payments.acquirers.sandbox import SandboxAcquirer
from payments.service import PaymentService
from storage.db import DatabaseError, SessionFactory
from storage.gauges import read_gauges
from storage.health import probe_database
from storage.payments import Payments
from ui.i18n import L10n
from web.limits import MAX_CALLBACK_BYTES, read_body, within_body_timeout
from web.pages import html_page
from web.sandbox import SandboxPage
from web.verify import VerifyPage

log = structlog.get_logger(__name__)

PROBE_TIMEOUT_SECONDS = 2.0  # a load balancer asks often and waits little
MAX_ORDER_ID = 40  # characters: the payments table's column; a longer one names no payment
WEBHOOK_PATH = "/telegram/webhook"

Probe = Callable[[], Awaitable[object]]


class AcquirerCallbacks:
    def __init__(
        self,
        payments: PaymentService,
        acquirer: Acquirer,
        metrics: Metrics,
        on_rejected: Callable[[str, str | None], Awaitable[None]],
    ) -> None:
        self._payments = payments
        self._acquirer = acquirer
        self._metrics = metrics
        self._on_rejected = on_rejected

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["acquirer"] != self._acquirer.name:
            raise web.HTTPNotFound()
        body = await read_body(request, MAX_CALLBACK_BYTES)
        notice = None
        try:
            notice = self._acquirer.parse_callback(body, request.headers)
            answer = (await self._payments.handle_callback(notice)).answer
        except CallbackRejected as rejected:
            log.warning("callback.rejected", reason=rejected.reason, acquirer=self._acquirer.name)
            answer = CallbackAnswer.REJECTED
            await self._on_rejected(rejected.reason, rejected.order_id)
        except (DatabaseError, OSError) as error:
            # Not recorded: say so, and the acquirer retries later.
            order_id = notice.order_id if notice else None
            log.error("callback.not_recorded", reason=type(error).__name__, order_id=order_id)
            answer = CallbackAnswer.RETRY
        self._metrics.callbacks.labels(acquirer=self._acquirer.name, answer=answer.value).inc()
        reply = self._acquirer.answer(answer, notice)
        return web.Response(status=reply.status, text=reply.body, content_type=reply.content_type)


class ReturnPage:
    """Where the acquirer's page sends the payer afterwards: back to Telegram, in their language."""

    def __init__(self, payments: Payments, l10n: L10n, acquirer: str) -> None:
        self._payments = payments
        self._l10n = l10n
        self._acquirer = acquirer

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["acquirer"] != self._acquirer:
            raise web.HTTPNotFound()
        form = await within_body_timeout(request.post) if request.method == "POST" else {}
        order_id = str(request.query.get("pg_order_id") or form.get("pg_order_id") or "")
        known = 0 < len(order_id) <= MAX_ORDER_ID
        payment = await self._payments.by_order(order_id) if known else None
        t = self._l10n[payment.language if payment else "ru"]
        return html_page(t, "return-title", f"<p>{t('return-text')}</p>")


class Health:
    """/healthz: the process answers. /readyz: its database (and Redis) answer too."""

    def __init__(self, sessions: SessionFactory, metrics: Metrics, probes: dict[str, Probe]):
        self._sessions = sessions
        self._metrics = metrics
        self._probes = probes

    async def healthz(self, _: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(self, _: web.Request) -> web.Response:
        failed = []
        for name, probe in {"database": self._database, **self._probes}.items():
            try:
                async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                    await probe()
            except Exception:  # any failure of a dependency, or no answer, means "not ready"
                failed.append(name)
        if failed:
            return web.json_response({"ready": False, "failed": failed}, status=503)
        return web.json_response({"ready": True})

    async def _database(self) -> None:
        await probe_database(self._sessions)

    async def metrics(self, _: web.Request) -> web.Response:
        body = self._metrics.render(await read_gauges(self._sessions))
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def build_web_app(
    sessions: SessionFactory,
    payments: PaymentService,
    payment_records: Payments,
    acquirer: Acquirer,
    l10n: L10n,
    http: aiohttp.ClientSession,
    metrics: Metrics,
    probes: dict[str, Probe],
    on_rejected: Callable[[str, str | None], Awaitable[None]],
) -> web.Application:
    # Forms (the return and sandbox pages) are bounded by client_max_size; the callback and
    # webhook routes read with their own limits.
    app = web.Application(client_max_size=MAX_CALLBACK_BYTES)
    callbacks = AcquirerCallbacks(payments, acquirer, metrics, on_rejected)
    app.router.add_post("/acquirer/{acquirer}/callback", callbacks.handle)
    returns = ReturnPage(payment_records, l10n, acquirer.name)
    app.router.add_route("GET", "/acquirer/{acquirer}/return", returns.handle)
    app.router.add_route("POST", "/acquirer/{acquirer}/return", returns.handle)
    health = Health(sessions, metrics, probes)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    app.router.add_get("/metrics", health.metrics)
    app.router.add_routes(VerifyPage(payment_records, l10n).routes())
    if isinstance(acquirer, SandboxAcquirer):
        app.router.add_routes(SandboxPage(payment_records, acquirer, l10n, http).routes())
    return app
