"""The reminders' tables: `page_reminders` (one row per payment page reminded of) and
`deadline_reminders` (a payer's request, `waiting` → `queued` or `cancelled`).

Due reminders are claimed as reconciliation claims payments (FOR UPDATE SKIP LOCKED) and
queued through the outbox in the same transaction; a second instance racing for the same
reminder fails its transaction on a unique key (`TakenElsewhere`)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.statuses import OutboxKind, PaymentStatus, ReminderStatus
from storage.db import SessionFactory, reading, transaction
from storage.models import DeadlineReminder, OutboxMessage, PageReminder, Payment

PAYMENTS = Payment.__table__
PAGE_REMINDERS = PageReminder.__table__
DEADLINES = DeadlineReminder.__table__
OUTBOX = OutboxMessage.__table__


class TakenElsewhere(Exception):
    """Another instance queued the same reminder first; the next round finds it done."""


@dataclass(frozen=True, slots=True)
class Deadline:
    """A payer's request to be reminded of an unpaid code's deadline."""

    id: int
    user_id: int
    chat_id: int
    payment_code: str
    language: str
    deadline: datetime
    remind_at: datetime
    status: str


class Reminders:
    def __init__(self, sessions: SessionFactory, *, batch: int = 100) -> None:
        self._sessions = sessions
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
                DeadlineReminder.status == ReminderStatus.WAITING,
                DeadlineReminder.remind_at <= bindparam("now"),
            )
            .order_by(DeadlineReminder.remind_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )

    async def queue_due_pages(self, now: datetime, until: datetime) -> list[int]:
        """Queue a reminder for each open page closing in (now, until] and not reminded of
        yet; the payments' ids. TakenElsewhere if another instance queued one first."""
        try:
            async with transaction(self._sessions) as session:
                due = (await session.execute(self._due_pages, {"now": now, "until": until})).all()
                if not due:
                    return []
                await session.execute(
                    insert(PAGE_REMINDERS),
                    [{"payment_id": id_, "queued_at": now} for id_, _ in due],
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
        except IntegrityError as error:
            raise TakenElsewhere from error
        return [id_ for id_, _ in due]

    async def queue_due_deadlines(self, now: datetime) -> int:
        """Queue each deadline reminder due at `now`, or cancel it once its code is paid or
        past its deadline; how many were queued. TakenElsewhere as for pages."""
        queued = 0
        try:
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
                        reminder.status = ReminderStatus.CANCELLED
                        continue
                    reminder.status = ReminderStatus.QUEUED
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
        except IntegrityError as error:
            raise TakenElsewhere from error
        return queued

    async def remember_deadline(
        self,
        *,
        user_id: int,
        chat_id: int,
        code: str,
        language: str,
        deadline: datetime,
        remind_at: datetime,
    ) -> bool:
        """Record the payer's request; False if they had asked for this deadline already."""
        try:
            async with transaction(self._sessions) as session:
                await session.execute(
                    insert(DEADLINES).values(
                        user_id=user_id,
                        chat_id=chat_id,
                        payment_code=code,
                        language=language,
                        deadline=deadline,
                        remind_at=remind_at,
                        status=ReminderStatus.WAITING,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def deadline(self, reminder_id: int) -> Deadline | None:
        async with reading(self._sessions) as session:
            row = await session.get(DeadlineReminder, reminder_id)
        if row is None:
            return None
        return Deadline(
            id=row.id,
            user_id=row.user_id,
            chat_id=row.chat_id,
            payment_code=row.payment_code,
            language=row.language,
            deadline=row.deadline,
            remind_at=row.remind_at,
            status=row.status,
        )

    async def cancel_deadline(self, reminder_id: int) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(DEADLINES)
                .where(DEADLINES.c.id == reminder_id)
                .values(status=ReminderStatus.CANCELLED)
            )
