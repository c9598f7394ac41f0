"""What the payment flow answers: a page opened, a callback taken, or why a code cannot be paid."""

from dataclasses import dataclass

from payments.acquirers.base import CallbackAnswer
from payments.billing.base import Bill
from storage.models import Payment


class NotPayable(Exception):
    """The code cannot be paid now; `bill` says why (None: unknown code)."""

    def __init__(self, bill: Bill | None) -> None:
        super().__init__(bill.status if bill else "unknown")
        self.bill = bill


class PaymentStillProcessing(Exception):
    """The code's last page is past its lifetime, but the acquirer is still taking the payment
    made on it (3-D Secure, a bank's pending answer): no second page until it is settled."""


class PaymentInProgressElsewhere(Exception):
    def __init__(self, payment: Payment) -> None:
        super().__init__(payment.order_id)
        self.payment = payment


@dataclass(frozen=True, slots=True)
class PaymentStart:
    payment: Payment
    reused: bool


@dataclass(frozen=True, slots=True)
class CallbackResult:
    answer: CallbackAnswer
    outcome: str
    payment_id: int | None = None
