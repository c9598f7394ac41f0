"""Reminders: an open payment page about to close, and, for a payer who asked, an unpaid
code's deadline (the bill's `expires_at`) coming.

A periodic job on every instance finds what is due and queues it through the outbox. A page's
reminder is recorded in `page_reminders` in the transaction that queues it, with the payment
row claimed as reconciliation claims it (SKIP LOCKED): its primary key makes a second reminder
impossible, after a restart or from another instance (a race between two instances fails one
transaction, which the next round finds done). A deadline reminder moves from `waiting` to
`queued` in the same way, or to `cancelled` once its code is paid or past its deadline.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.clock import utcnow
from core.statuses import OutboxKind, PaymentStatus
from payments.background import Periodic
from payments.outbox import OUTBOX
from storage.db import SessionFactory, reading, transaction
from storage.models import DeadlineReminder, PageReminder, Payment

log = structlog.get_logger(__name__)

WAITING, QUEUED, CANCELLED = "waiting", "queued", "cancelled"

PAYMENTS = Payment.__table__
PAGE_REMINDERS = PageReminder.__table__
DEADLINES = DeadlineReminder.__table__


class ReminderJob:
    def __init__(
        self,
        sessions: SessionFactory,
        *,
        page_lead: timedelta,
        interval_seconds: float,
        batch: int = 100,
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self._sessions = sessions
        self._page_lead = page_lead
        self._on_outbox = on_outbox
        self._due_pages = (
            select(PAYMENTS.c.id, PAYMENTS.c.chat_id)
            .where(
                PAYMENTS.c.status == PaymentStatus.CREATED.value,
                PAYMENTS.c.payment_url != "",
                PAYMENTS.c.chat_id.is_not(None),
                PAYMENTS.c.expires_at > bindparam("now"),
                PAYMENTS.c.expires_at <= bindparam("until"),
                ~exists().where(PAGE_REMINDERS.c.payment_id == PAYMENTS.c.id),
            )
            .order_by(PAYMENTS.c.expires_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        self._due_deadlines = (
            select(DeadlineReminder)
            .where(
                DeadlineReminder.status == WAITING, DeadlineReminder.remind_at <= bindparam("now")
            )
            .order_by(DeadlineReminder.remind_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        self._loop = Periodic("reminders", self.run_once, interval_seconds)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def run_once(self, now: datetime | None = None) -> int:
        """Queue every reminder due at `now`; how many were queued."""
        now = now or utcnow()
        queued = 0
        for step in (self._remind_pages, self._remind_deadlines):
            try:
                queued += await step(now)
            except IntegrityError:  # another instance queued the same one first
                log.info("reminders.taken_elsewhere", step=step.__name__)
        if queued:
            self._on_outbox()
        return queued

    async def _remind_pages(self, now: datetime) -> int:
        async with transaction(self._sessions) as session:
            due = (
                await session.execute(self._due_pages, {"now": now, "until": now + self._page_lead})
            ).all()
            if not due:
                return 0
            await session.execute(
                insert(PAGE_REMINDERS), [{"payment_id": id_, "queued_at": now} for id_, _ in due]
            )
            await session.execute(
                insert(OUTBOX),
                [
                    {
                        "kind": OutboxKind.PAGE_REMINDER,
                        "urgent": True,
                        "dedupe_key": f"{OutboxKind.PAGE_REMINDER}:{id_}",
                        "payment_id": id_,
                        "chat_id": chat_id,
                    }
                    for id_, chat_id in due
                ],
            )
        log.info("reminders.pages_queued", payment_ids=[id_ for id_, _ in due])
        return len(due)

    async def _remind_deadlines(self, now: datetime) -> int:
        queued = 0
        async with transaction(self._sessions) as session:
            for reminder in list(await session.scalars(self._due_deadlines, {"now": now})):
                paid = await session.scalar(
                    select(Payment.id)
                    .where(
                        Payment.payment_code == reminder.payment_code,
                        Payment.status == PaymentStatus.PAID,
                    )
                    .limit(1)
                )
                if paid is not None or reminder.deadline <= now:
                    reminder.status = CANCELLED
                    continue
                reminder.status = QUEUED
                await session.execute(
                    insert(OUTBOX).values(
                        kind=OutboxKind.DEADLINE_REMINDER,
                        urgent=True,
                        dedupe_key=f"{OutboxKind.DEADLINE_REMINDER}:{reminder.id}",
                        chat_id=reminder.chat_id,
                        payload={"reminder_id": reminder.id},
                    )
                )
                queued += 1
        if queued:
            log.info("reminders.deadlines_queued", count=queued)
        return queued


async def remember_deadline(
    sessions: SessionFactory,
    *,
    user_id: int,
    chat_id: int,
    code: str,
    language: str,
    deadline: datetime,
    remind_at: datetime,
) -> bool:
    """The payer's request to be reminded; False if they had asked for this deadline already."""
    try:
        async with transaction(sessions) as session:
            await session.execute(
                insert(DEADLINES).values(
                    user_id=user_id,
                    chat_id=chat_id,
                    payment_code=code,
                    language=language,
                    deadline=deadline,
                    remind_at=remind_at,
                    status=WAITING,
                )
            )
    except IntegrityError:
        return False
    log.info("reminders.deadline_requested", code=code)
    return True


async def deadline_reminder(sessions: SessionFactory, reminder_id: int) -> DeadlineReminder | None:
    async with reading(sessions) as session:
        return await session.get(DeadlineReminder, reminder_id)


async def cancel_deadline(sessions: SessionFactory, reminder_id: int) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            update(DEADLINES).where(DEADLINES.c.id == reminder_id).values(status=CANCELLED)
        )
