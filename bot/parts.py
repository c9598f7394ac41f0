"""The pieces every builder of the app shares, made once by `build_app`."""

from dataclasses import dataclass

import aiohttp
from aiogram import Bot
from redis.asyncio import Redis

from bot.settings import Settings
from core.metrics import Metrics
from payments.acquirers import Acquirer
from payments.billing import Billing
from payments.outbox import OutboxWorker
from payments.service import PaymentService
from storage.db import SessionFactory
from storage.payments import Payments
from storage.reminders import Reminders
from storage.users import Users
from ui.i18n import L10n
from ui.seal import ButtonSeal


@dataclass(frozen=True, slots=True)
class Parts:
    settings: Settings
    sessions: SessionFactory
    http: aiohttp.ClientSession
    l10n: L10n
    redis: Redis | None
    metrics: Metrics
    users: Users
    billing: Billing
    acquirer: Acquirer
    outbox: OutboxWorker
    payment_records: Payments
    payments: PaymentService
    reminders: Reminders
    bot: Bot
    seal: ButtonSeal
