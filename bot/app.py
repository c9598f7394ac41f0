"""Wiring: one place that builds the bot, its storage, the payment service and the web server."""

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

import aiohttp
import structlog
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.event_isolation import ShortEventIsolation
from bot.middlewares import (
    CardNumberGuard,
    DeduplicateUpdatesMiddleware,
    LogContextMiddleware,
    MemorySeenUpdates,
    PrivateChatsOnly,
    RedisSeenUpdates,
    ReplyMiddleware,
    SeenUpdates,
    UpdatesInFlight,
)
from bot.settings import AcquirerKind, BillingKind, BotMode, Settings
from bot.telegram_session import TelegramSession
from core.metrics import Metrics
from core.statuses import OutboxKind
from delivery.alerts import SupportAlerts
from delivery.flood_control import FloodControl, UndeliveredReplies
from delivery.pacing import Pacer
from delivery.pdf_warmup import warm_up_pdf_worker
from delivery.receipts import Delivery
from delivery.reminders import ReminderDelivery
from delivery.support_relay import SupportRelay
from handlers import admin, get_routers, reminders, support_chat
from payments.acquirers import Acquirer
from payments.acquirers.freedompay import FreedomPayAcquirer
from payments.acquirers.sandbox import SandboxAcquirer
from payments.billing import Billing
from payments.billing.http import HttpBilling
from payments.billing.local import LocalBilling
from payments.limits import LookupLimiter, MemoryWindows, RedisWindows, Windows
from payments.outbox import OutboxWorker
from payments.reconcile import Reconciler
from payments.reminders import ReminderJob
from payments.service import PaymentService
from payments.support import (
    SupportQueries,
    rejected_callback_alerts,
    undelivered_alerts,
)
from payments.support_relay import SupportLimiter
from storage.db import SessionFactory, create_engine, create_session_factory, migrate
from storage.fsm import SqlStorage
from storage.users import Users
from ui.i18n import LANGUAGES, L10n
from ui.seal import ButtonSeal
from ui.texts import PaymentTerms
from web.routes import WEBHOOK_PATH, build_web_app
from web.server import AcceptErrorThrottle, BoundedSite, runner_options
from web.webhook import TelegramWebhook

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
FSM_TTL = timedelta(days=1)  # a conversation left for a day starts again from /start
REDIS_TIMEOUT_SECONDS = 2.0
# What is under way gets this long to finish at a stop, at each of its three steps (the web
# server's requests, long polling's updates, the deliveries): 9 s at the very most, inside
# the 10 s docker stop waits before it kills.
STOP_GRACE_SECONDS = 3.0
REMEMBERED_USERS = 100_000  # profiles and FSM states kept in memory by a single instance


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


def build_app(
    settings: Settings,
    *,
    session: BaseSession | None = None,
    acquirer: Acquirer | None = None,
) -> App:
    """Everything the bot is made of, wired once; nothing starts until `App.start`."""
    engine = create_engine(settings.database_url, settings.database_pool_size)
    sessions = create_session_factory(engine)
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
    l10n = L10n()
    # A Redis that accepts connections and never answers must fail an update, not hang it.
    redis = (
        Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            health_check_interval=30,
        )
        if settings.redis_url
        else None
    )
    # One instance keeps recent users in memory; several (with Redis) read them every time.
    users = Users(sessions, remembered=0 if redis else REMEMBERED_USERS)
    metrics = Metrics()
    billing = _billing(settings, sessions)
    acquirer = acquirer or _acquirer(settings, http)
    outbox = OutboxWorker(
        sessions,
        poll_seconds=settings.outbox_poll_seconds,
        lease_seconds=settings.outbox_lease_seconds,
        until_delivered={OutboxKind.BILLING_CONFIRM},  # the money was taken: the billing must know
        on_failed=undelivered_alerts(sessions),
        is_reachable=users.is_reachable,
        stop_grace_seconds=STOP_GRACE_SECONDS,
    )
    payments = PaymentService(
        sessions,
        billing,
        acquirer,
        lifetime=timedelta(minutes=settings.payment_lifetime_minutes),
        on_outbox=outbox.wake,
    )
    bot = Bot(
        token=settings.bot_token.get_secret_value() or "1:embedded-default",
        session=session or TelegramSession(str(settings.bot_api_url)),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    bot.session.middleware(FloodControl())
    in_flight = UpdatesInFlight()
    seal = ButtonSeal.from_bot_token(bot.token)
    dispatcher = _dispatcher(
        settings, redis, bot, payments, users, l10n, metrics, outbox, in_flight, seal
    )
    pacer = Pacer(per_second=settings.telegram_messages_per_second)
    delivery = Delivery(
        bot, payments, users, billing, l10n, metrics, pacer, public_base=settings.public_base
    )
    outbox.register(delivery.handlers())
    support_t = l10n[settings.support_language]
    alerts = SupportAlerts(bot, settings.support_chat_id, support_t, pacer=pacer)
    outbox.register(alerts.handlers())
    outbox.register(
        SupportRelay(
            bot,
            sessions,
            users,
            l10n,
            support_chat_id=settings.support_chat_id,
            support_t=support_t,
            pacer=pacer,
            send_to_user=delivery.send,
        ).handlers()
    )
    outbox.register(ReminderDelivery(payments, users, l10n, delivery.send, seal).handlers())
    reminder_job = ReminderJob(
        sessions,
        page_lead=timedelta(minutes=settings.page_reminder_minutes),
        interval_seconds=settings.reminder_interval_seconds,
        on_outbox=outbox.wake,
    )
    reconciler = Reconciler(
        payments,
        acquirer,
        after=timedelta(minutes=settings.reconcile_after_minutes),
        interval_seconds=settings.reconcile_interval_seconds,
    )
    probes = {"redis": redis.ping} if redis else {}
    web_app = build_web_app(
        payments,
        acquirer,
        l10n,
        http,
        metrics,
        probes,
        rejected_callback_alerts(sessions, acquirer.name),
    )
    if settings.bot_mode is BotMode.WEBHOOK:
        TelegramWebhook(
            dispatcher, bot, secret_token=settings.webhook_secret.get_secret_value()
        ).register(web_app, path=WEBHOOK_PATH)
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
        web=web_app,
        metrics=metrics,
        redis=redis,
        reconciler=reconciler,
        in_flight=in_flight,
        reminders=reminder_job,
    )


def _dispatcher(
    settings: Settings,
    redis: Redis | None,
    bot: Bot,
    payments: PaymentService,
    users: Users,
    l10n: L10n,
    metrics: Metrics,
    outbox: OutboxWorker,
    in_flight: UpdatesInFlight,
    seal: ButtonSeal,
) -> Dispatcher:
    """FSM and event isolation in Redis when there is one (several instances), else embedded."""
    if redis is not None:
        storage: BaseStorage = RedisStorage(redis, state_ttl=FSM_TTL, data_ttl=FSM_TTL)
        isolation: BaseEventIsolation = ShortEventIsolation(redis)
        seen: SeenUpdates = RedisSeenUpdates(redis, bot.id)
    else:
        storage = SqlStorage(payments.sessions, remembered=REMEMBERED_USERS)
        isolation = SimpleEventIsolation()
        seen = MemorySeenUpdates()
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=isolation,
        payments=payments,
        users=users,
        l10n=l10n,
        outbox=outbox,
        support=SupportQueries(payments.sessions),
        sessions=payments.sessions,
        seal=seal,
        mask_names=settings.mask_payer_name,
        public_base=settings.public_base,
        terms=PaymentTerms(settings.accepted_cards, settings.approximate_rates),
    )
    dispatcher.update.outer_middleware(in_flight)
    dispatcher.update.outer_middleware(DeduplicateUpdatesMiddleware(seen, metrics))
    dispatcher.update.outer_middleware(LogContextMiddleware())
    dispatcher.update.outer_middleware(PrivateChatsOnly(l10n, settings.support_chat_id))
    windows: Windows = RedisWindows(redis) if redis is not None else MemoryWindows()
    dispatcher["limiter"] = LookupLimiter(windows)
    dispatcher.update.outer_middleware(ReplyMiddleware(l10n, outbox.release_held, users))
    dispatcher.update.outer_middleware(UndeliveredReplies())
    dispatcher.message.outer_middleware(CardNumberGuard())
    dispatcher.edited_message.outer_middleware(CardNumberGuard())
    dispatcher.include_routers(
        support_chat.build_router(
            settings.support_chat_id, SupportLimiter(windows), settings.support_language
        ),
        reminders.build_router(timedelta(hours=settings.deadline_reminder_hours)),
        admin.build_router(settings.admin_ids),
        *get_routers(),
    )
    return dispatcher


def _acquirer(settings: Settings, http: aiohttp.ClientSession) -> Acquirer:
    if settings.acquirer is AcquirerKind.FREEDOMPAY:
        return FreedomPayAcquirer(
            settings.freedompay_merchant_id,
            settings.freedompay_secret_key.get_secret_value(),
            public_base=settings.public_base,
            session=http,
            api_url=str(settings.freedompay_api_url),
            testing_mode=settings.freedompay_testing_mode,
        )
    return SandboxAcquirer(settings.public_base, settings.sandbox_secret.get_secret_value())


def _billing(settings: Settings, sessions: SessionFactory) -> Billing:
    if settings.billing is BillingKind.LOCAL:
        return LocalBilling(sessions)
    return HttpBilling(
        str(settings.billing_api_url),
        settings.billing_api_token.get_secret_value(),
        timeout=settings.billing_timeout_seconds,
        retries=settings.billing_retries,
    )
