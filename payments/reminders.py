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

from core.clock import utcnow
from payments.background import Periodic
from storage.reminders import Reminders, TakenElsewhere

log = structlog.get_logger(__name__)


class ReminderJob:
    def __init__(
        self,
        reminders: Reminders,
        *,
        page_lead: timedelta,
        interval_seconds: float,
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self._reminders = reminders
        self._page_lead = page_lead
        self._on_outbox = on_outbox
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
            except TakenElsewhere:
                log.info("reminders.taken_elsewhere", step=step.__name__)
        if queued:
            self._on_outbox()
        return queued

    async def _remind_pages(self, now: datetime) -> int:
        payment_ids = await self._reminders.queue_due_pages(now, now + self._page_lead)
        if payment_ids:
            log.info("reminders.pages_queued", payment_ids=payment_ids)
        return len(payment_ids)

    async def _remind_deadlines(self, now: datetime) -> int:
        queued = await self._reminders.queue_due_deadlines(now)
        if queued:
            log.info("reminders.deadlines_queued", count=queued)
        return queued
