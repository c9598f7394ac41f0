"""An acquirer's word on a payment: verified against our records, recorded once, moving the
payment forward only, with its receipt and notices queued in the same transaction."""

from collections.abc import Callable

import structlog

from core.clock import utcnow
from core.statuses import AlertKind, OutboxKind, PaymentStatus, can_move
from payments.acquirers.base import CallbackAnswer, CallbackNotice
from payments.outcomes import CallbackResult
from storage.alerts import queue_alert
from storage.models import Payment
from storage.payments import Payments
from storage.payments_turn import PaymentTurn

log = structlog.get_logger(__name__)


class Callbacks:
    """Callbacks (and the reconciler's answers, which take the same way) and expiries."""

    def __init__(self, records: Payments, acquirer: str, on_outbox: Callable[[], None]) -> None:
        self._records = records
        self._acquirer = acquirer
        self._on_outbox = on_outbox

    async def handle(self, notice: CallbackNotice) -> CallbackResult:
        """Verify against our records, record once, move forward only, queue the receipt."""
        async with self._records.locked_by_order(notice.order_id) as turn:
            payment = turn.payment
            if payment is None:
                await queue_alert(
                    turn.session,
                    AlertKind.CALLBACK_REJECTED,
                    f"unknown_order:{notice.order_id[:40]}",
                    reason="unknown_order",
                    order_id=notice.order_id[:40],
                    acquirer=self._acquirer,
                )
                return self._rejected("unknown_order", notice)
            expected = payment.money
            if notice.amount != expected:
                await queue_alert(
                    turn.session,
                    AlertKind.AMOUNT_MISMATCH,
                    payment.order_id,
                    order_id=payment.order_id,
                    payment_id=payment.id,
                    expected=expected.display(),
                    got=notice.amount.display(),
                )
                return self._rejected(AlertKind.AMOUNT_MISMATCH, notice, payment)
            if await turn.callback_outcome(self._acquirer, notice.dedupe_key) is not None:
                log.info("callback.duplicate", payment_id=payment.id, order_id=payment.order_id)
                return CallbackResult(CallbackAnswer.ACCEPTED, "duplicate", payment.id)
            outcome = await self._apply(turn, payment, notice)
            await turn.record_callback(
                acquirer=self._acquirer,
                dedupe_key=notice.dedupe_key,
                order_id=notice.order_id,
                status=notice.status.value,
                outcome=outcome,
            )
        log.info(
            "callback.accepted",
            payment_id=payment.id,
            order_id=payment.order_id,
            status=notice.status.value,
            outcome=outcome,
        )
        if outcome in ("paid", "declined"):
            self._on_outbox()
        return CallbackResult(CallbackAnswer.ACCEPTED, outcome, payment.id)

    def _rejected(
        self, reason: str, notice: CallbackNotice, payment: Payment | None = None
    ) -> CallbackResult:
        log.warning(
            "callback.rejected",
            reason=reason,
            order_id=notice.order_id,
            payment_id=payment.id if payment else None,
        )
        return CallbackResult(CallbackAnswer.REJECTED, reason, payment.id if payment else None)

    async def _apply(self, turn: PaymentTurn, payment: Payment, notice: CallbackNotice) -> str:
        current = PaymentStatus(payment.status)
        if notice.status not in (PaymentStatus.PAID, PaymentStatus.DECLINED):
            return f"ignored_{notice.status.value}"
        if not can_move(current, notice.status):
            return f"ignored_{current.value}"
        now = utcnow()
        payment.status = notice.status.value
        payment.acquirer_transaction_id = notice.transaction_id
        payment.card_mask = notice.card_mask
        payment.updated_at = now
        if notice.status is PaymentStatus.DECLINED:
            payment.decline_reason = notice.reason
            await turn.queue(payment, OutboxKind.PAYMENT_DECLINED)
            return "declined"
        payment.paid_at = now
        other = await turn.paid_on_another_order(payment)
        if other is not None:  # the acquirer took the money on an older link too
            log.error("payment.paid_twice", payment_id=payment.id, order_id=payment.order_id)
            await queue_alert(
                turn.session,
                AlertKind.DOUBLE_PAYMENT,
                payment.order_id,
                payment_code=payment.payment_code,
                order_id=payment.order_id,
                payment_id=payment.id,
                other_order_id=other,
            )
        await turn.issue_receipt(payment, now)
        await turn.queue(
            payment, OutboxKind.RECEIPT, OutboxKind.RECEIPT_PDF, OutboxKind.BILLING_CONFIRM
        )
        return "paid"

    async def expire(self, payment_id: int) -> bool:
        """A link past its lifetime that the acquirer did not complete: tell the user."""
        async with self._records.locked(payment_id) as turn:
            payment = turn.payment
            if payment is None or not can_move(
                PaymentStatus(payment.status), PaymentStatus.EXPIRED
            ):
                return False
            payment.status = PaymentStatus.EXPIRED.value
            payment.updated_at = utcnow()
            await turn.queue(payment, OutboxKind.PAYMENT_EXPIRED)
        log.info("payment.expired", payment_id=payment.id, order_id=payment.order_id)
        self._on_outbox()
        return True
