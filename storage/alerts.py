"""Alerts for the support chat, as outbox rows (kind "alert"): one per dedupe key, queued in
the transaction of the event it reports and sent after the commit."""

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import AlertKind, OutboxKind
from storage.db import SessionFactory, transaction
from storage.models import OutboxMessage, Payment

log = structlog.get_logger(__name__)


def alert_dedupe_key(kind: AlertKind, key: str) -> str:
    return f"alert:{kind}:{key}"[:80]


async def queue_alert(
    session: AsyncSession, kind: AlertKind, key: str, **fields: str | int | None
) -> None:
    """Queue an alert for the support chat in the caller's transaction, once per (kind, key)."""
    dedupe_key = alert_dedupe_key(kind, key)
    exists = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    if exists is not None:
        log.info("support.alert_duplicate", alert=kind)
        return
    payment_id = fields.get("payment_id")
    message = OutboxMessage(
        kind=OutboxKind.ALERT,
        dedupe_key=dedupe_key,
        payment_id=payment_id if type(payment_id) is int else None,
        chat_id=None,
        payload={"alert": kind, **fields},
    )
    try:
        # A concurrent transaction may queue the same key between the check and the insert:
        # the savepoint keeps the caller's transaction alive when the unique key says so.
        async with session.begin_nested():
            session.add(message)
    except IntegrityError:
        log.info("support.alert_duplicate", alert=kind)


class Alerts:
    """Alerts queued in a transaction of their own, for callers outside one."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def raise_alert(self, kind: AlertKind, key: str, **fields: str | int | None) -> None:
        async with transaction(self._sessions) as session:
            await queue_alert(session, kind, key, **fields)

    async def raise_for_payment(
        self, kind: AlertKind, key: str, payment_id: int | None, **fields: str | int | None
    ) -> None:
        """An alert naming the payment's order, read in the transaction that queues it."""
        async with transaction(self._sessions) as session:
            order_id = await session.scalar(
                select(Payment.order_id).where(Payment.id == payment_id)
            )
            await queue_alert(
                session, kind, key, order_id=order_id, payment_id=payment_id, **fields
            )
