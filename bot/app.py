"""Wiring: one place that builds the bot, its storage, the payment service and the web server."""

import contextlib
from dataclasses import dataclass, field
from datetime import timedelta

import aiohttp
import structlog
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery import Delivery
from bot.i18n import LANGUAGES, L10n
from bot.middlewares import ConversationMiddleware, LogContextMiddleware
from bot.settings import BillingKind, Settings
from bot.web import build_web_app
from handlers import get_routers
from payments.acquirers import Acquirer
from payments.acquirers.sandbox import SandboxAcquirer
from payments.billing import Billing
from payments.billing.http import HttpBilling
from payments.billing.local import LocalBilling
from payments.outbox import OutboxWorker
from payments.service import PaymentService
from storage.db import SessionFactory, create_engine, create_session_factory, migrate
from storage.fsm import SqlStorage
from storage.users import Users

log = structlog.get_logger(__name__)

COMMANDS = ("start", "pay", "language", "help", "cancel")


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
    bot: Bot
    dispatcher: Dispatcher
    outbox: OutboxWorker
    http: aiohttp.ClientSession
    web: web.Application
    _runner: web.AppRunner | None = field(default=None, init=False)

    async def start(self, *, serve_http: bool = True, set_commands: bool = True) -> None:
        """Migrate, start the web server and the outbox; updates are fed by the caller."""
        await migrate(self.engine)
        if set_commands:
            await self.set_commands()
        if serve_http:
            self._runner = web.AppRunner(self.web, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
            await site.start()
            log.info("http.started", host=self.settings.http_host, port=self.http_port)
        self.outbox.start()

    @property
    def http_port(self) -> int | None:
        """The port the web server listens on (useful when HTTP_PORT=0 picks a free one)."""
        if self._runner is None:
            return None
        for address in self._runner.addresses:
            return address[1]
        return None

    async def set_commands(self) -> None:
        for language in (*LANGUAGES, None):
            t = self.l10n[language or "en"]
            commands = [
                BotCommand(command=c, description=t.plain(f"command-{c}")) for c in COMMANDS
            ]
            await self.bot.set_my_commands(commands, BotCommandScopeDefault(), language)

    async def stop(self) -> None:
        await self.outbox.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        with contextlib.suppress(Exception):
            await self.dispatcher.storage.close()
        await self.http.close()
        if isinstance(self.billing, HttpBilling):
            await self.billing.close()
        await self.bot.session.close()
        await self.engine.dispose()


def build_app(
    settings: Settings,
    *,
    session: BaseSession | None = None,
    fsm_storage: BaseStorage | None = None,
) -> App:
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    l10n = L10n()
    users = Users(sessions)
    billing = _billing(settings, sessions)
    acquirer = SandboxAcquirer(settings.public_base, settings.sandbox_secret.get_secret_value())
    outbox_handlers: dict = {}
    outbox = OutboxWorker(sessions, outbox_handlers, poll_seconds=settings.outbox_poll_seconds)
    payments = PaymentService(
        sessions,
        billing,
        acquirer,
        lifetime=timedelta(minutes=settings.payment_lifetime_minutes),
        on_outbox=outbox.wake,
    )
    bot = Bot(
        token=settings.bot_token.get_secret_value() or "1:embedded-default",
        session=session
        or AiohttpSession(api=TelegramAPIServer.from_base(str(settings.bot_api_url).rstrip("/"))),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    outbox_handlers.update(Delivery(bot, payments, users, billing, l10n).handlers())
    dispatcher = Dispatcher(
        storage=fsm_storage or SqlStorage(sessions), payments=payments, users=users, l10n=l10n
    )
    dispatcher.update.outer_middleware(LogContextMiddleware())
    dispatcher.update.outer_middleware(ConversationMiddleware(users, l10n, payments))
    dispatcher.include_routers(*get_routers())
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
    return App(
        settings=settings,
        engine=engine,
        sessions=sessions,
        l10n=l10n,
        users=users,
        billing=billing,
        acquirer=acquirer,
        payments=payments,
        bot=bot,
        dispatcher=dispatcher,
        outbox=outbox,
        http=http,
        web=build_web_app(payments, acquirer, l10n, http),
    )


def _billing(settings: Settings, sessions: SessionFactory) -> Billing:
    if settings.billing is BillingKind.LOCAL:
        return LocalBilling(sessions)
    if settings.billing_api_url is None:
        raise ValueError("BILLING=http needs BILLING_API_URL")
    return HttpBilling(
        str(settings.billing_api_url),
        settings.billing_api_token.get_secret_value(),
        timeout=settings.billing_timeout_seconds,
        retries=settings.billing_retries,
    )
