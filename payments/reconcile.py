"""Reconciliation: ask the acquirer about payments whose callback has not come.

An acquirer retries a callback for a couple of hours at most; a lost one would leave the user
without a receipt and the billing without a confirmation. Every payment still pending a few
minutes after it was opened is asked about, and the answer goes through the same forward-only
state machine as a callback. Claims use SKIP LOCKED and a next-check time, so instances share
the work and no payment is asked about twice at once. The least recently asked come first, and
a payment the acquirer cannot settle yet is asked less and less often, so that no number of
them holds back the others.

A payment is expired once its lifetime is over and the acquirer has no outcome for it and
nothing in progress, or, the reconciliation delay later, says it has no such payment (the
process stopped before the payment page was opened). One in progress (3-D Secure, a bank's
pending answer), or that the acquirer cannot be asked about, is never expired: support is
alerted once it is overdue. A paid callback after expiry still moves it to paid.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog

from core.clock import utcnow
from core.statuses import AlertKind
from payments.acquirers import Acquirer, AcquirerError, UnknownOrder
from payments.background import Periodic
from payments.service import PaymentService
from storage.alerts import queue_alert
from storage.models import Payment
from storage.payments import Payments

log = structlog.get_logger(__name__)

# A payment the acquirer cannot settle yet is asked again after a quarter of its age, at least
# the interval apart and at most this.
MAX_BACKOFF = timedelta(hours=1)
BACKOFF_SHARE_OF_AGE = 4


class Reconciler:
    def __init__(
        self,
        payments: PaymentService,
        records: Payments,
        acquirer: Acquirer,
        *,
        after: timedelta,
        interval_seconds: float,
        batch: int = 50,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._payments = payments
        self._records = records
        self._acquirer = acquirer
        self._after = after
        self._interval = timedelta(seconds=interval_seconds)
        self._clock = clock
        self._batch = batch
        self._loop = Periodic("reconcile", self.run_once, interval_seconds)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def run_once(self) -> int:
        """Ask about every due pending payment; the number of payments settled or expired."""
        settled = 0
        for payment in await self._claim():
            if await self._settle(payment):
                settled += 1
        return settled

    async def _claim(self) -> list[Payment]:
        now = self._clock()
        return await self._records.claim_due(
            self._acquirer.name,
            batch=self._batch,
            now=now,
            opened_before=now - self._after,
            then=now + self._interval,
        )

    async def _settle(self, payment: Payment) -> bool:
        ids = {"payment_id": payment.id, "order_id": payment.order_id}
        try:
            status = await self._acquirer.get_status(payment.order_id)
        except UnknownOrder:
            return await self._unknown_order(payment, ids)
        except AcquirerError as error:
            log.warning("reconcile.status_failed", reason=str(error), **ids)
            await self._keep_asking(payment)
            return False
        if status.outcome is not None:
            result = await self._payments.handle_callback(status.outcome)
            log.info("reconcile.settled", outcome=result.outcome, **ids)
            return True
        if status.in_progress:
            log.info("reconcile.in_progress", **ids)
            await self._keep_asking(payment)
            return False
        if payment.expires_at <= self._clock():
            return await self._payments.expire(payment.id)
        return False

    async def _unknown_order(self, payment: Payment, ids: dict[str, Any]) -> bool:
        """The acquirer has no such payment: the page was never opened, or the acquirer has not
        recorded it yet. Once the payment is overdue nobody can pay it any more."""
        log.info("reconcile.unknown_order", **ids)
        if self._overdue(payment):
            return await self._payments.expire(payment.id)
        await self._keep_asking(payment)
        return False

    async def _keep_asking(self, payment: Payment) -> None:
        """Ask again later, the later the older the payment; support hears of it if overdue."""
        now = self._clock()
        age = now - payment.created_at
        backoff = max(self._interval, min(age / BACKOFF_SHARE_OF_AGE, MAX_BACKOFF))
        async with self._records.changing() as turn:
            await turn.ask_again_at(payment.id, now + backoff)
            if self._overdue(payment):
                await queue_alert(
                    turn.session,
                    AlertKind.PAYMENT_STUCK,
                    payment.order_id,
                    order_id=payment.order_id,
                    payment_id=payment.id,
                    minutes=int(age.total_seconds() // 60),
                )

    def _overdue(self, payment: Payment) -> bool:
        """Past its lifetime by the reconciliation delay: the acquirer should have settled it."""
        return self._clock() >= payment.expires_at + self._after
