"""Alerts for the support chat, as plain Python: which fields each kind shows, and the hooks
that raise them for the web app and the outbox.

Alerts travel through the outbox (kind "alert"), so one is queued in the same transaction as
the event it reports and is sent after the commit; its dedupe key makes a repeated event (a
forged callback sent a hundred times) raise one alert per key. A use case inside a
transaction queues one with `storage.alerts.queue_alert`; `Alerts.raise_alert` opens a
transaction of its own.

No alert ever carries a payer's name, a card number or a token. The support staff's look-ups
are in `payments.support_queries`.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from core.clock import utcnow
from core.statuses import AlertKind, OutboxKind
from storage.alerts import Alerts
from storage.db import DatabaseError, SessionFactory
from storage.models import OutboxMessage

__all__ = [
    "ALERT_FIELDS",
    "OTHER_ALERT_FIELDS",
    "alert_fields",
    "rejected_callback_alerts",
    "undelivered_alerts",
]

log = structlog.get_logger(__name__)

# The fields each alert kind carries (and the only ones its text and log line show).
# None of them is ever a payer's name, a card number or a token.
ALERT_FIELDS: dict[AlertKind, tuple[str, ...]] = {
    AlertKind.CALLBACK_REJECTED: ("reason", "order_id", "acquirer"),
    AlertKind.AMOUNT_MISMATCH: ("order_id", "payment_id", "expected", "got"),
    AlertKind.PAYMENT_STUCK: ("order_id", "payment_id", "minutes"),
    AlertKind.RECEIPT_UNDELIVERED: ("payment_id", "reason"),
    AlertKind.BILLING_UNCONFIRMED: ("order_id", "payment_id", "reason"),
    AlertKind.DOUBLE_PAYMENT: ("payment_code", "order_id", "payment_id", "other_order_id"),
}
# An alert kind this module does not know yet is still delivered, with these fields only.
OTHER_ALERT_FIELDS = ("order_id", "payment_id")


def alert_fields(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The fields of an alert that may be shown or logged, each present (None when missing)."""
    return {name: payload.get(name) for name in ALERT_FIELDS.get(kind, OTHER_ALERT_FIELDS)}


def rejected_callback_alerts(
    sessions: SessionFactory, acquirer: str
) -> Callable[[str, str | None], Awaitable[None]]:
    """The `on_rejected` hook of the web app: an alert for callbacks that failed verification.

    Such callbacks are unauthenticated (bad signature, malformed), so anybody can send any
    number of them with any order id: one alert per reason per hour, whatever they carry.
    A failure to queue it is logged and never changes the answer to the sender.
    """
    alerts = Alerts(sessions)

    async def on_rejected(reason: str, order_id: str | None) -> None:
        key = f"{reason}:{utcnow():%Y%m%d%H}"
        try:
            await alerts.raise_alert(
                AlertKind.CALLBACK_REJECTED,
                key,
                reason=reason[:100],
                order_id=order_id[:40] if order_id else None,
                acquirer=acquirer,
            )
        except (DatabaseError, OSError) as error:
            log.error(
                "support.alert_not_queued",
                alert=AlertKind.CALLBACK_REJECTED,
                error=type(error).__name__,
            )

    return on_rejected


def undelivered_alerts(
    sessions: SessionFactory,
) -> Callable[[OutboxMessage, str], Awaitable[None]]:
    """The outbox's `on_failed` hook: an alert when a receipt could not be delivered for good,
    and when a billing confirmation was given up or keeps failing (the money was taken and
    the billing not told). The outbox calls it on every failed try of a confirmation past its
    max attempts: the dedupe key makes that one alert per message."""
    alerts = Alerts(sessions)

    async def on_failed(message: OutboxMessage, reason: str) -> None:
        if message.kind == OutboxKind.RECEIPT:
            await alerts.raise_alert(
                AlertKind.RECEIPT_UNDELIVERED,
                str(message.id),
                payment_id=message.payment_id,
                reason=reason[:200],
            )
        elif message.kind == OutboxKind.BILLING_CONFIRM:
            await alerts.raise_for_payment(
                AlertKind.BILLING_UNCONFIRMED,
                str(message.id),
                message.payment_id,
                reason=reason[:200],
            )

    return on_failed
