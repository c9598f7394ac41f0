"""The running bot: what starts (migrations, web server, webhook, workers) and stops, in order."""

import asyncio
from dataclasses import dataclass, field

import aiohttp
import structlog
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.middlewares import UpdatesInFlight
from bot.settings import BotMode, Settings
from core.metrics import Metrics
from delivery.pdf_warmup import warm_up_pdf_worker
from payments.acquirers import Acquirer
from payments.billing import Billing
from payments.billing.http import HttpBilling
from payments.outbox import OutboxWorker
from payments.reconcile import Reconciler
from payments.reminders import ReminderJob
from payments.service import PaymentService
from storage.db import SessionFactory, migrate
from storage.payments import Payments
from storage.users import Users
from ui import official_texts
from ui.i18n import LANGUAGES, L10n
from web.routes import WEBHOOK_PATH
from web.server import AcceptErrorThrottle, BoundedSite, runner_options

log = structlog.get_logger(__name__)

COMMANDS = (
    "start",
    "pay",
    "history",
    "language",
    "help",
    "cancel",
    "documents",
    "privacy",
    "terms",
    "mydata",
    "forget",
    "support",
)
# What is under way gets this long to finish at a stop, at each of its three steps (the web
# server's requests, long polling's updates, the deliveries): 9 s at the very most, inside
# the 10 s docker stop waits before it kills.
STOP_GRACE_SECONDS = 3.0


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    l10n: L10n
    users: Users
    billing: Billing
    acquirer: Acquirer
    payments: PaymentService
    payment_records: Payments
    bot: Bot
    dispatcher: Dispatcher
    outbox: OutboxWorker
    http: aiohttp.ClientSession
    web: web.Application
    metrics: Metrics
    redis: Redis | None
    reconciler: Reconciler
    in_flight: UpdatesInFlight
    reminders: ReminderJob
    _runner: web.AppRunner | None = field(default=None, init=False)
    _pdf_warm_up: asyncio.Task[None] | None = field(default=None, init=False)
    _accept_errors: AcceptErrorThrottle = field(default_factory=AcceptErrorThrottle, init=False)

    async def start(self, *, serve_http: bool = True, set_commands: bool = True) -> None:
        """Migrate, start the web server (before Telegram is told to send updates to it), then
        the outbox; updates are fed by the caller."""
        await migrate(self.engine)
        official_texts.read_all()
        if serve_http:
            self._runner = web.AppRunner(
                self.web,
                access_log=None,
                shutdown_timeout=STOP_GRACE_SECONDS,
                **runner_options(self.settings.http_header_timeout_seconds),
            )
            await self._runner.setup()
            self._accept_errors.install(asyncio.get_running_loop())
            site = BoundedSite(
                self._runner,
                self.settings.http_host,
                self.settings.http_port,
                max_connections=self.settings.http_max_connections,
            )
            await site.start()
            log.info("http.started", host=self.settings.http_host, port=self.http_port)
        if set_commands:
            await self.set_commands()
            await self.set_descriptions()
        if self.settings.bot_mode is BotMode.WEBHOOK:
            await self.bot.set_webhook(
                f"{self.settings.public_base}{WEBHOOK_PATH}",
                secret_token=self.settings.webhook_secret.get_secret_value(),
                allowed_updates=self.dispatcher.resolve_used_update_types(),
            )
        self.outbox.start()
        self.reconciler.start()
        self._pdf_warm_up = asyncio.create_task(warm_up_pdf_worker())
        self.reminders.start()

    @property
    def http_port(self) -> int | None:
        """The port the web server listens on (useful when HTTP_PORT=0 picks a free one)."""
        if self._runner is None:
            return None
        for address in self._runner.addresses:
            return address[1]
        return None

    async def set_commands(self) -> None:
        """The commands menu: a convenience, so a Telegram refusing it now does not stop the
        start (the next start sets it)."""
        try:
            for language in (*LANGUAGES, None):
                t = self.l10n[language or "en"]
                commands = [
                    BotCommand(command=c, description=t.plain(f"command-{c}")) for c in COMMANDS
                ]
                await self.bot.set_my_commands(commands, BotCommandScopeDefault(), language)
        except TelegramAPIError as error:
            log.warning("telegram.commands_not_set", error=type(error).__name__)

    async def set_descriptions(self) -> None:
        """What an empty chat with the bot and its profile say about it, whose bot it is first.
        Like the commands menu: a refusal is logged and the start goes on."""
        try:
            for language in (*LANGUAGES, None):
                t = self.l10n[language or "en"]
                await self.bot.set_my_description(t.plain("bot-description"), language)
                await self.bot.set_my_short_description(t.plain("bot-short-description"), language)
        except TelegramAPIError as error:
            log.warning("telegram.description_not_set", error=type(error).__name__)

    async def stop(self) -> None:
        """Take nothing new, let what is under way finish (within the grace a container's
        stop gives), then close: the bot's session and the database last."""
        if self._runner is not None:
            await self._runner.cleanup()  # answers the webhook requests and callbacks in flight
            self._runner = None
            self._accept_errors.uninstall(asyncio.get_running_loop())
        await self.in_flight.drained(STOP_GRACE_SECONDS)  # long polling's updates
        await self.reconciler.stop()
        await self.reminders.stop()
        await self.outbox.stop()
        if self._pdf_warm_up is not None:
            self._pdf_warm_up.cancel()
            await asyncio.gather(self._pdf_warm_up, return_exceptions=True)
        await self.dispatcher.storage.close()
        await self.dispatcher.fsm.events_isolation.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.http.close()
        if isinstance(self.billing, HttpBilling):
            await self.billing.close()
        await self.bot.session.close()
        await self.engine.dispose()
