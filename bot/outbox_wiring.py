"""The outbox worker and its handlers: what the bot sends on its own, outside an update."""

from bot.lifecycle import STOP_GRACE_SECONDS
from bot.parts import Parts
from bot.settings import Settings
from core.statuses import OutboxKind
from delivery.alerts import SupportAlerts
from delivery.pacing import Pacer
from delivery.receipts import ReceiptDelivery
from delivery.reminders import ReminderDelivery
from delivery.support_relay import SupportRelay
from payments.alerts import undelivered_alerts
from payments.outbox import OutboxWorker
from storage.db import SessionFactory
from storage.users import Users


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


def register_deliveries(parts: Parts) -> None:
    """The outbox's handlers: receipts, support alerts, the support relay and reminders,
    sharing one pace of sends to Telegram."""
    settings, bot, l10n, users, outbox = (
        parts.settings,
        parts.bot,
        parts.l10n,
        parts.users,
        parts.outbox,
    )
    pacer = Pacer(per_second=settings.telegram_messages_per_second)
    delivery = ReceiptDelivery(
        bot,
        parts.payment_records,
        users,
        parts.billing,
        l10n,
        parts.metrics,
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
            parts.sessions,
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
            parts.payments,
            parts.payment_records,
            users,
            l10n,
            delivery.send,
            parts.seal,
            parts.reminders,
        ).handlers()
    )
