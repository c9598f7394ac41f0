"""Wiring: one place that builds the bot, its storage, the payment service and the web server."""

from datetime import timedelta

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiohttp import web
from redis.asyncio import Redis

from bot.dispatcher import REMEMBERED_USERS, build_dispatcher
from bot.lifecycle import App
from bot.middlewares import (
    UpdatesInFlight,
)
from bot.outbox_wiring import outbox_worker, register_deliveries
from bot.parts import Parts
from bot.settings import AcquirerKind, BillingKind, BotMode, Settings
from bot.telegram_session import TelegramSession
from core.metrics import Metrics
from delivery.flood_control import FloodControl
from payments.acquirers import Acquirer
from payments.acquirers.freedompay import FreedomPayAcquirer
from payments.acquirers.sandbox import SandboxAcquirer
from payments.alerts import rejected_callback_alerts
from payments.billing import Billing
from payments.billing.http import HttpBilling
from payments.billing.local import LocalBilling
from payments.reconcile import Reconciler
from payments.reminders import ReminderJob
from payments.service import PaymentService
from storage.db import SessionFactory, create_engine, create_session_factory
from storage.payments import Payments
from storage.profile_versions import ProfileVersions
from storage.redis_connection import DeadlineConnection
from storage.reminders import Reminders
from storage.users import Users
from ui.i18n import L10n
from ui.seal import ButtonSeal
from web.routes import WEBHOOK_PATH, build_web_app
from web.webhook import TelegramWebhook

REDIS_TIMEOUT_SECONDS = 2.0


def build_app(
    settings: Settings,
    *,
    session: BaseSession | None = None,
    acquirer: Acquirer | None = None,
) -> App:
    """Everything the bot is made of, wired once; nothing starts until `App.start`."""
    engine = create_engine(settings.database_url, settings.database_pool_size)
    parts = _parts(settings, create_session_factory(engine), session, acquirer)
    in_flight = UpdatesInFlight()
    dispatcher = build_dispatcher(parts, in_flight)
    register_deliveries(parts)
    return App(
        settings=settings,
        engine=engine,
        sessions=parts.sessions,
        l10n=parts.l10n,
        users=parts.users,
        billing=parts.billing,
        acquirer=parts.acquirer,
        payments=parts.payments,
        payment_records=parts.payment_records,
        bot=parts.bot,
        dispatcher=dispatcher,
        outbox=parts.outbox,
        http=parts.http,
        web=_web_app(parts, dispatcher),
        metrics=parts.metrics,
        redis=parts.redis,
        reconciler=_reconciler(parts),
        in_flight=in_flight,
        reminders=_reminder_job(parts),
    )


def _parts(
    settings: Settings,
    sessions: SessionFactory,
    session: BaseSession | None,
    acquirer: Acquirer | None,
) -> Parts:
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
    redis = _redis(settings)
    # Recent users kept in memory; by several instances (with Redis) only at their version.
    versions = ProfileVersions(redis) if redis else None
    users = Users(sessions, remembered=REMEMBERED_USERS, versions=versions)
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
    return Parts(
        settings=settings,
        sessions=sessions,
        http=http,
        l10n=L10n(),
        redis=redis,
        metrics=Metrics(),
        users=users,
        billing=billing,
        acquirer=acquirer,
        outbox=outbox,
        payment_records=payment_records,
        payments=payments,
        reminders=Reminders(sessions),
        bot=bot,
        seal=ButtonSeal.from_bot_token(bot.token),
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


def _reminder_job(parts: Parts) -> ReminderJob:
    return ReminderJob(
        parts.reminders,
        page_lead=timedelta(minutes=parts.settings.page_reminder_minutes),
        interval_seconds=parts.settings.reminder_interval_seconds,
        on_outbox=parts.outbox.wake,
    )


def _reconciler(parts: Parts) -> Reconciler:
    return Reconciler(
        parts.payments,
        parts.payment_records,
        parts.acquirer,
        after=timedelta(minutes=parts.settings.reconcile_after_minutes),
        interval_seconds=parts.settings.reconcile_interval_seconds,
    )


def _web_app(parts: Parts, dispatcher: Dispatcher) -> web.Application:
    """The web site: payment pages, the acquirer's callbacks, health and metrics, and the
    Telegram webhook when updates come that way."""
    settings, sessions, acquirer = parts.settings, parts.sessions, parts.acquirer
    probes = {"redis": parts.redis.ping} if parts.redis else {}
    web_app = build_web_app(
        sessions,
        parts.payments,
        parts.payment_records,
        acquirer,
        parts.l10n,
        parts.http,
        parts.metrics,
        probes,
        rejected_callback_alerts(sessions, acquirer.name),
    )
    if settings.bot_mode is BotMode.WEBHOOK:
        TelegramWebhook(
            dispatcher, parts.bot, secret_token=settings.webhook_secret.get_secret_value()
        ).register(web_app, path=WEBHOOK_PATH)
    return web_app


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
