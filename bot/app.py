"""Wiring: one place that builds the bot, its storage, the payment service and the web server."""

from datetime import timedelta

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiohttp import web
from redis.asyncio import Redis

from bot.lifecycle import App
from bot.middlewares import (
    CardNumberGuard,
    DeduplicateUpdatesMiddleware,
    LogContextMiddleware,
    PrivateChatsOnly,
    ReplyMiddleware,
    UpdatesInFlight,
)
from bot.outbox_wiring import outbox_worker, register_deliveries
from bot.settings import AcquirerKind, BillingKind, BotMode, Settings
from bot.telegram_session import TelegramSession
from core.metrics import Metrics
from delivery.flood_control import FloodControl, UndeliveredReplies
from handlers import admin, get_routers, reminders, support_chat
from handlers.lookup import Checkout
from payments.acquirers import Acquirer
from payments.acquirers.freedompay import FreedomPayAcquirer
from payments.acquirers.sandbox import SandboxAcquirer
from payments.alerts import rejected_callback_alerts
from payments.billing import Billing
from payments.billing.http import HttpBilling
from payments.billing.local import LocalBilling
from payments.limits import LookupLimiter, MemoryWindows, RedisWindows, Windows
from payments.outbox import OutboxWorker
from payments.reconcile import Reconciler
from payments.reminders import ReminderJob
from payments.service import PaymentService
from payments.support_queries import SupportQueries
from payments.support_relay import SupportLimiter
from storage.db import SessionFactory, create_engine, create_session_factory
from storage.fsm import SqlStorage
from storage.payments import Payments
from storage.personal_data import PersonalData
from storage.redis_connection import DeadlineConnection
from storage.redis_fsm import LockedRedisStorage
from storage.redis_lock import ShortEventIsolation
from storage.reminders import Reminders
from storage.seen_updates import MemorySeenUpdates, RedisSeenUpdates, SeenUpdates
from storage.tickets import Tickets
from storage.users import Users
from ui.i18n import L10n
from ui.seal import ButtonSeal
from ui.texts import PaymentTerms
from web.routes import WEBHOOK_PATH, build_web_app
from web.webhook import TelegramWebhook

FSM_TTL = timedelta(days=1)  # a conversation left for a day starts again from /start
REDIS_TIMEOUT_SECONDS = 2.0
REMEMBERED_USERS = 100_000  # profiles and FSM states kept in memory by a single instance


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
    redis = _redis(settings)
    # One instance keeps recent users in memory; several (with Redis) read them every time.
    users = Users(sessions, remembered=0 if redis else REMEMBERED_USERS)
    metrics = Metrics()
    billing = _billing(settings, sessions)
    acquirer = acquirer or _acquirer(settings, http)
    outbox = outbox_worker(settings, sessions, users)
    payment_records = Payments(sessions)
    payments = PaymentService(
        payment_records,
        billing,
        acquirer,
        lifetime=timedelta(minutes=settings.payment_lifetime_minutes),
        on_outbox=outbox.wake,
    )
    bot = _bot(settings, session)
    in_flight = UpdatesInFlight()
    seal = ButtonSeal.from_bot_token(bot.token)
    dispatcher = _dispatcher(
        settings,
        redis,
        bot,
        sessions,
        payments,
        payment_records,
        users,
        l10n,
        metrics,
        outbox,
        in_flight,
        seal,
    )
    reminders = Reminders(sessions)
    dispatcher.workflow_data.update(
        support=SupportQueries(sessions),
        tickets=Tickets(sessions),
        reminders=reminders,
    )
    register_deliveries(
        settings,
        outbox,
        bot,
        sessions,
        payments,
        payment_records,
        users,
        billing,
        l10n,
        metrics,
        seal,
        reminders,
    )
    web_app = _web_app(
        settings,
        dispatcher,
        bot,
        sessions,
        payments,
        payment_records,
        acquirer,
        l10n,
        http,
        metrics,
        redis,
    )
    return App(
        settings=settings,
        engine=engine,
        sessions=sessions,
        l10n=l10n,
        users=users,
        billing=billing,
        acquirer=acquirer,
        payments=payments,
        payment_records=payment_records,
        bot=bot,
        dispatcher=dispatcher,
        outbox=outbox,
        http=http,
        web=web_app,
        metrics=metrics,
        redis=redis,
        reconciler=_reconciler(settings, payments, payment_records, acquirer),
        in_flight=in_flight,
        reminders=_reminder_job(settings, reminders, outbox),
    )


def _redis(settings: Settings) -> Redis | None:
    """Redis when configured (several instances share it), else none: everything is embedded."""
    if not settings.redis_url:
        return None
    # A Redis that accepts connections and never answers must fail an update, not hang it.
    return Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        health_check_interval=30,
        connection_class=DeadlineConnection,
    )


def _bot(settings: Settings, session: BaseSession | None) -> Bot:
    bot = Bot(
        token=settings.bot_token.get_secret_value() or "1:embedded-default",
        session=session or TelegramSession(str(settings.bot_api_url)),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    bot.session.middleware(FloodControl())
    return bot


def _reminder_job(settings: Settings, reminders: Reminders, outbox: OutboxWorker) -> ReminderJob:
    return ReminderJob(
        reminders,
        page_lead=timedelta(minutes=settings.page_reminder_minutes),
        interval_seconds=settings.reminder_interval_seconds,
        on_outbox=outbox.wake,
    )


def _reconciler(
    settings: Settings, payments: PaymentService, records: Payments, acquirer: Acquirer
) -> Reconciler:
    return Reconciler(
        payments,
        records,
        acquirer,
        after=timedelta(minutes=settings.reconcile_after_minutes),
        interval_seconds=settings.reconcile_interval_seconds,
    )


def _web_app(
    settings: Settings,
    dispatcher: Dispatcher,
    bot: Bot,
    sessions: SessionFactory,
    payments: PaymentService,
    payment_records: Payments,
    acquirer: Acquirer,
    l10n: L10n,
    http: aiohttp.ClientSession,
    metrics: Metrics,
    redis: Redis | None,
) -> web.Application:
    """The web site: payment pages, the acquirer's callbacks, health and metrics, and the
    Telegram webhook when updates come that way."""
    probes = {"redis": redis.ping} if redis else {}
    web_app = build_web_app(
        sessions,
        payments,
        payment_records,
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
    return web_app


def _dispatcher(
    settings: Settings,
    redis: Redis | None,
    bot: Bot,
    sessions: SessionFactory,
    payments: PaymentService,
    payment_records: Payments,
    users: Users,
    l10n: L10n,
    metrics: Metrics,
    outbox: OutboxWorker,
    in_flight: UpdatesInFlight,
    seal: ButtonSeal,
) -> Dispatcher:
    """FSM and event isolation in Redis when there is one (several instances), else embedded."""
    if redis is not None:
        fsm = LockedRedisStorage(redis, state_ttl=FSM_TTL, data_ttl=FSM_TTL)
        storage: BaseStorage = fsm
        isolation: BaseEventIsolation = ShortEventIsolation(redis, fsm.record_keys)
        seen: SeenUpdates = RedisSeenUpdates(redis, bot.id)
    else:
        storage = SqlStorage(sessions, remembered=REMEMBERED_USERS)
        isolation = SimpleEventIsolation()
        seen = MemorySeenUpdates()
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=isolation,
        payments=payments,
        payment_records=payment_records,
        users=users,
        l10n=l10n,
        outbox=outbox,
        personal_data=PersonalData(sessions),
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
    limiter = LookupLimiter(windows)
    dispatcher["limiter"] = limiter
    dispatcher["checkout"] = Checkout(
        payments,
        payment_records,
        users,
        limiter,
        seal,
        dispatcher["terms"],
        settings.mask_payer_name,
        settings.public_base,
    )
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
