"""Reconciliation: ask the acquirer about payments whose callback has not come.

An acquirer retries a callback for a couple of hours at most; a lost one would leave the user
without a receipt and the billing without a confirmation. Every payment still pending a few
minutes after it was opened is asked about, and the answer goes through the same forward-only
state machine as a callback. Claims use SKIP LOCKED and a next-check time, so instances share
the work and no payment is asked about twice at once.
"""

import asyncio
from datetime import timedelta

import structlog
from sqlalchemy import or_, select

from payments.acquirers import Acquirer, AcquirerError
from payments.background import BackgroundTask
from payments.clock import utcnow
from payments.service import PaymentService
from payments.states import PaymentStatus
from payments.support import raise_alert
from storage.db import transaction
from storage.models import Payment

log = structlog.get_logger(__name__)


class Reconciler:
    def __init__(
        self,
        payments: PaymentService,
        acquirer: Acquirer,
        *,
        after: timedelta,
        interval_seconds: float,
        batch: int = 50,
    ) -> None:
        self._payments = payments
        self._acquirer = acquirer
        self._after = after
        self._interval = interval_seconds
        self._batch = batch
        self._loop = BackgroundTask("reconciler", self._run)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("reconcile.loop_failed")
            await asyncio.sleep(self._interval)

    async def run_once(self) -> int:
        """Ask about every due pending payment; the number of payments settled or expired."""
        settled = 0
        for payment in await self._claim():
            if await self._settle(payment):
                settled += 1
        return settled

    async def _claim(self) -> list[Payment]:
        now = utcnow()
        async with transaction(self._payments.sessions) as session:
            payments = list(
                await session.scalars(
                    select(Payment)
                    .where(
                        Payment.status == PaymentStatus.CREATED,
                        Payment.acquirer == self._acquirer.name,
                        Payment.created_at <= now - self._after,
                        or_(Payment.reconcile_at.is_(None), Payment.reconcile_at <= now),
                    )
                    .order_by(Payment.id)
                    .limit(self._batch)
                    .with_for_update(skip_locked=True)
                )
            )
            for payment in payments:
                payment.reconcile_at = now + timedelta(seconds=self._interval)
        return payments

    async def _settle(self, payment: Payment) -> bool:
        ids = {"payment_id": payment.id, "order_id": payment.order_id}
        try:
            notice = await self._acquirer.get_status(payment.order_id)
        except AcquirerError as error:
            log.warning("reconcile.status_failed", reason=str(error), **ids)
            age = utcnow() - payment.created_at
            if payment.expires_at <= utcnow() and age >= 3 * self._after:
                await raise_alert(
                    self._payments.sessions,
                    "payment_stuck",
                    payment.order_id,
                    order_id=payment.order_id,
                    payment_id=payment.id,
                    minutes=int(age.total_seconds() // 60),
                )
            return False
        if notice is not None:
            result = await self._payments.handle_callback(notice)
            log.info("reconcile.settled", outcome=result.outcome, **ids)
            return True
        if payment.expires_at <= utcnow():
            return await self._payments.expire(payment.id)
        return False
