"""The outbox worker and its handlers: what the bot sends on its own, outside an update."""

from aiogram import Bot

from bot.lifecycle import STOP_GRACE_SECONDS
from bot.settings import Settings
from core.metrics import Metrics
from core.statuses import OutboxKind
from delivery.alerts import SupportAlerts
from delivery.pacing import Pacer
from delivery.receipts import ReceiptDelivery
from delivery.reminders import ReminderDelivery
from delivery.support_relay import SupportRelay
from payments.alerts import undelivered_alerts
from payments.billing import Billing
from payments.outbox import OutboxWorker
from payments.service import PaymentService
from storage.db import SessionFactory
from storage.payments import Payments
from storage.reminders import Reminders
from storage.users import Users
from ui.i18n import L10n
from ui.seal import ButtonSeal


def outbox_worker(settings: Settings, sessions: SessionFactory, users: Users) -> OutboxWorker:
    """The outbox worker: what it keeps trying until delivered, and whom it tells of a failure."""
    return OutboxWorker(
        sessions,
        poll_seconds=settings.outbox_poll_seconds,
        lease_seconds=settings.outbox_lease_seconds,
        until_delivered={OutboxKind.BILLING_CONFIRM},  # the money was taken: the billing must know
        on_failed=undelivered_alerts(sessions),
        is_reachable=users.is_reachable,
        stop_grace_seconds=STOP_GRACE_SECONDS,
    )


def register_deliveries(
    settings: Settings,
    outbox: OutboxWorker,
    bot: Bot,
    sessions: SessionFactory,
    payments: PaymentService,
    payment_records: Payments,
    users: Users,
    billing: Billing,
    l10n: L10n,
    metrics: Metrics,
    seal: ButtonSeal,
    reminders: Reminders,
) -> None:
    """The outbox's handlers: receipts, support alerts, the support relay and reminders,
    sharing one pace of sends to Telegram."""
    pacer = Pacer(per_second=settings.telegram_messages_per_second)
    delivery = ReceiptDelivery(
        bot,
        payment_records,
        users,
        billing,
        l10n,
        metrics,
        pacer,
        public_base=settings.public_base,
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
    outbox.register(
        ReminderDelivery(
            payments, payment_records, users, l10n, delivery.send, seal, reminders
        ).handlers()
    )
