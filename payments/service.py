"""The payment flow as plain Python: look up a code, open a payment page, take callbacks."""

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

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
from storage.payments_results import HistoryPage, NewPayment, OverduePage, PaidPayment

log = structlog.get_logger(__name__)

# A page being opened has its link within seconds (the acquirer's request times out first):
# one with none after this long was left by a process that died while the acquirer answered.
LINKLESS_AFTER = timedelta(seconds=30)


def new_order_id() -> str:
    return f"TG{secrets.token_hex(10).upper()}"


class PaymentService:
    """Look-ups and payment pages for payment codes; `records` are the payments as stored."""

    def __init__(
        self,
        records: Payments,
        billing: Billing,
        acquirer: Acquirer,
        *,
        lifetime: timedelta,
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self.records = records
        self.billing = billing
        self.acquirer = acquirer
        self.lifetime = lifetime
        self._callbacks = Callbacks(self.records, acquirer.name, on_outbox)

    async def lookup(self, code: str) -> Bill | None:
        """The bill, paid if we have taken the money for it even when the billing does not
        know yet (it learns through the outbox, a moment after the callback)."""
        bill = await self.billing.lookup(code)
        if bill is None or bill.status is not BillStatus.UNPAID:
            return bill
        if await self.records.paid_here(bill.code):
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
            opening = await self.records.open_page(new, linkless_before=now - LINKLESS_AFTER)
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
        await self.records.expire_unsettled(overdue.id)

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
            await self.records.close_unopened(payment.id)
            log.warning("payment.checkout_failed", payment_id=payment.id, order_id=payment.order_id)
            raise
        await self.records.set_link(payment.id, checkout.url)
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
            payment = await self.records.live_page(code)
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

    async def settled_or_open(self, code: str, user_id: int) -> Payment | None:
        """The code's payment that is paid, or whose page this user opened and is still open."""
        return await self.records.settled_or_open(code, user_id, utcnow())

    async def opened_by(self, code: str, user_id: int, chat_id: int) -> bool:
        """Whether this user opened a payment page for the code in this chat: what a button
        to open another one ("Try again", "Get a new link") is checked against."""
        return await self.records.opened_by(code, user_id, chat_id)

    async def payment_by_order(self, order_id: str) -> Payment | None:
        return await self.records.by_order(order_id)

    async def payment(self, payment_id: int) -> Payment | None:
        return await self.records.get(payment_id)

    async def receipt_for_code(self, code: str) -> PaidPayment | None:
        return await self.records.receipt_for_code(code)

    async def receipt_for_payment(self, payment_id: int) -> PaidPayment | None:
        return await self.records.receipt_for_payment(payment_id)

    async def receipt_by_public_id(self, public_id: str) -> PaidPayment | None:
        return await self.records.receipt_by_public_id(public_id)

    async def history(self, user_id: int, *, offset: int, limit: int) -> HistoryPage:
        """The user's payments, newest first, a page of them, and how many there are."""
        return await self.records.history(user_id, offset=offset, limit=limit)

    async def open_page_until(self, user_id: int) -> datetime | None:
        """Until when the last to close of this user's open payment pages stays open, if any."""
        return await self.records.open_page_until(user_id, utcnow())
