from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from core.money import Money
from core.statuses import PaymentStatus


class AcquirerError(Exception):
    """The acquirer could not be asked, or did not answer: nothing is known from it."""


class UnknownOrder(AcquirerError):
    """The acquirer says, in a verified answer, that it has no payment for the order."""


class CallbackRejected(Exception):
    """A callback that failed verification: it changes nothing."""

    def __init__(self, reason: str, order_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.order_id = order_id


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    order_id: str
    amount: Money
    description: str
    language: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Checkout:
    url: str


@dataclass(frozen=True, slots=True)
class CallbackNotice:
    """A verified statement of the acquirer about one order."""

    order_id: str
    status: PaymentStatus
    amount: Money
    transaction_id: str
    dedupe_key: str
    card_mask: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class OrderStatus:
    """The acquirer's answer when asked about an order.

    ``outcome``: its final word (paid or declined), as a callback would state it. Without one,
    ``in_progress`` says the payer is still paying (3-D Secure, a bank's pending answer), so the
    money may yet be taken; otherwise nothing is under way (the page was not used, or its
    lifetime ran out).
    """

    outcome: CallbackNotice | None = None
    in_progress: bool = False


class CallbackAnswer(StrEnum):
    ACCEPTED = "accepted"  # recorded (or already recorded): the acquirer stops retrying
    REJECTED = "rejected"  # will never be accepted: the acquirer should not retry
    RETRY = "retry"  # could not be recorded now: the acquirer should retry


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: str
    content_type: str


class Acquirer(Protocol):
    name: str

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        """Register the order with the acquirer; the URL opens its hosted payment page."""

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> CallbackNotice:
        """Verify and read a callback, or raise CallbackRejected."""

    def answer(self, answer: CallbackAnswer, notice: CallbackNotice | None) -> HttpAnswer:
        """What to reply to the acquirer, in its own protocol."""

    async def get_status(self, order_id: str) -> OrderStatus:
        """What became of an order; UnknownOrder if the acquirer has none, AcquirerError if it
        could not be asked."""
