"""The payment flow as plain Python: look up a code, open a payment page, take callbacks."""

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import structlog

from core.clock import utcnow
from core.statuses import BillStatus
from payments.acquirers.base import (
    Acquirer,
    AcquirerError,
    CallbackNotice,
    CheckoutRequest,
    OrderStatus,
    UnknownOrder,
)
from payments.billing.base import Bill, Billing
from payments.callbacks import Callbacks
from payments.outcomes import (
    CallbackResult,
    NotPayable,
    PaymentInProgressElsewhere,
    PaymentStart,
    PaymentStillProcessing,
)
from storage.models import Payment
from storage.payments import Payments
from storage.payments_results import NewPayment, OverduePage

log = structlog.get_logger(__name__)

# A page being opened has its link within seconds (the acquirer's request times out first):
# one with none after this long was left by a process that died while the acquirer answered.
LINKLESS_AFTER = timedelta(seconds=30)


def new_order_id() -> str:
    return f"TG{secrets.token_hex(10).upper()}"


class PaymentService:
    """Look-ups and payment pages for payment codes, over the payments as stored; what only
    reads them takes `storage.payments.Payments` itself."""

    def __init__(
        self,
        records: Payments,
        billing: Billing,
        acquirer: Acquirer,
        *,
        lifetime: timedelta,
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self._records = records
        self.billing = billing
        self.acquirer = acquirer
        self.lifetime = lifetime
        self._callbacks = Callbacks(self._records, acquirer.name, on_outbox)

    async def lookup(self, code: str) -> Bill | None:
        """The bill, paid if we have taken the money for it even when the billing does not
        know yet (it learns through the outbox, a moment after the callback)."""
        bill = await self.billing.lookup(code)
        if bill is None or bill.status is not BillStatus.UNPAID:
            return bill
        if not self.billing.sees_our_payments and await self._records.paid_here(bill.code):
            return replace(bill, status=BillStatus.PAID)
        return bill

    async def start_payment(
        self, *, code: str, user_id: int, chat_id: int, language: str, description: str
    ) -> PaymentStart:
        """One live payment page per code: pressing "Pay" again gives the same link. A page
        past its lifetime, or left without a link, is replaced only once the acquirer has
        settled what was paid on it."""
        bill = await self.billing.lookup(code)
        while True:
            if bill is None or bill.status is not BillStatus.UNPAID:
                raise NotPayable(bill)
            code = bill.code  # the billing's own spelling of the code is the one kept
            now = utcnow()
            new = NewPayment(
                order_id=new_order_id(),
                payment_code=code,
                user_id=user_id,
                chat_id=chat_id,
                language=language,
                service=bill.service.value,
                payer_name=bill.payer_name,
                amount=bill.amount,
                acquirer=self.acquirer.name,
                expires_at=now + self.lifetime,
                created_at=now,
            )
            opening = await self._records.open_page(new, linkless_before=now - LINKLESS_AFTER)
            if opening.paid_here:
                raise NotPayable(replace(bill, status=BillStatus.PAID))
            if opening.overdue is None:
                break
            await self._settle_overdue(opening.overdue)  # then it is no longer in the way
        if opening.payment is None:
            return await self._live_payment(code, user_id)
        payment = await self._open_checkout(opening.payment, bill, description)
        return PaymentStart(payment, reused=False)

    async def _settle_overdue(self, overdue: OverduePage) -> None:
        """Ask the acquirer about a page past its lifetime before it is replaced, so that a
        payment still being made on it is neither lost (nothing would ask about it again) nor
        paid twice; then take it out of the way. AcquirerError: ask again later."""
        if overdue.acquirer == self.acquirer.name:
            try:
                status = await self.acquirer.get_status(overdue.order_id)
            except UnknownOrder:  # the page was never opened: nothing to settle
                status = OrderStatus()
            if status.in_progress:
                raise PaymentStillProcessing(overdue.order_id)
            if status.outcome is not None:
                await self.handle_callback(status.outcome)
        await self._records.expire_unsettled(overdue.id)

    async def _open_checkout(self, payment: Payment, bill: Bill, description: str) -> Payment:
        request = CheckoutRequest(
            order_id=payment.order_id,
            amount=bill.amount,
            description=description,
            language=payment.language,
            expires_at=payment.expires_at,
        )
        try:
            checkout = await self.acquirer.create_checkout(request)
        except AcquirerError:
            await self._records.close_unopened(payment.id)
            log.warning("payment.checkout_failed", payment_id=payment.id, order_id=payment.order_id)
            raise
        await self._records.set_link(payment.id, checkout.url)
        payment.payment_url = checkout.url
        log.info(
            "payment.created",
            payment_id=payment.id,
            order_id=payment.order_id,
            service=payment.service,
            amount_minor=payment.amount_minor,
        )
        return payment

    async def _live_payment(self, code: str, user_id: int) -> PaymentStart:
        # Another press of "Pay" is opening the page right now: wait for its link.
        for _ in range(50):
            payment = await self._records.live_page(code)
            if payment is not None and payment.user_id != user_id:
                raise PaymentInProgressElsewhere(payment)
            if payment is not None and payment.payment_url:
                log.info("payment.reused", payment_id=payment.id, order_id=payment.order_id)
                return PaymentStart(payment, reused=True)
            await asyncio.sleep(0.1)
        raise AcquirerError("the payment page is still being opened")

    async def handle_callback(self, notice: CallbackNotice) -> CallbackResult:
        """Verify against our records, record once, move forward only, queue the receipt."""
        return await self._callbacks.handle(notice)

    async def expire(self, payment_id: int) -> bool:
        """A link past its lifetime that the acquirer did not complete: tell the user."""
        return await self._callbacks.expire(payment_id)
