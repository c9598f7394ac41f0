from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.money import Money
from core.services import Service
from core.statuses import BillStatus

MAX_PAYER_NAME = 200  # characters: the payments table's column


class BillingUnavailable(Exception):
    """The billing could not answer now; the user is asked to try again later."""


@dataclass(frozen=True, slots=True)
class Bill:
    """What the operator's billing knows of a payment code."""

    code: str
    payer_name: str
    service: Service
    amount: Money
    status: BillStatus
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PaidConfirmation:
    code: str
    order_id: str
    transaction_id: str
    amount: Money
    paid_at: datetime


class Billing(Protocol):
    # True when `lookup` already reports a code paid through this bot as paid (it reads our
    # payments in the same statement), so no second read is needed.
    sees_our_payments: bool

    async def lookup(self, code: str) -> Bill | None:
        """The bill behind a payment code, None if the code is unknown."""

    async def confirm_paid(self, confirmation: PaidConfirmation) -> None:
        """Tell the billing the code is paid; must be safe to repeat."""
