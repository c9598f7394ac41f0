"""What the payment repository answers, and what it is given to store, by name."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from core.money import Money
from core.statuses import PaymentStatus
from storage.models import Payment, Receipt


class PaidPayment(NamedTuple):
    """A paid payment and its receipt."""

    payment: Payment
    receipt: Receipt


class HistoryPage(NamedTuple):
    """A page of a user's payments, newest first, and how many they have in all."""

    payments: list[Payment]
    total: int


class OverduePage(NamedTuple):
    """A code's page past its lifetime (or left without a link) not settled yet."""

    id: int
    order_id: str
    acquirer: str


@dataclass(frozen=True, slots=True)
class NewPayment:
    """A payment page about to be opened for a code."""

    order_id: str
    payment_code: str
    user_id: int
    chat_id: int
    language: str
    service: str
    payer_name: str
    amount: Money
    acquirer: str
    expires_at: datetime
    created_at: datetime

    def row(self) -> dict[str, Any]:
        """The payment's columns as first stored: no link yet."""
        return {
            "order_id": self.order_id,
            "payment_code": self.payment_code,
            "user_id": self.user_id,
            "chat_id": self.chat_id,
            "language": self.language,
            "service": self.service,
            "payer_name": self.payer_name,
            "amount_minor": self.amount.minor,
            "currency": self.amount.currency,
            "status": PaymentStatus.CREATED,
            "acquirer": self.acquirer,
            "payment_url": "",
            "expires_at": self.expires_at,
            "created_at": self.created_at,
            "updated_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class PageOpening:
    """What opening a code's page found: the code paid here, an overdue page in the way, or
    the new payment (None: the code has a live page already)."""

    payment: Payment | None = None
    overdue: OverduePage | None = None
    paid_here: bool = False
