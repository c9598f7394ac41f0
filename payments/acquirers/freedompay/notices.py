"""What Freedom Pay states about a payment, in a result callback or a status answer, read
into notices: outcome, amount, payment id, masked card, reason."""

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.money import Money
from core.statuses import PaymentStatus
from payments.acquirers.base import CallbackNotice, UnknownOrder

STATUS_SCRIPT = "get_status3.php"

# Column sizes of the payments table this module's notices end up in.
MAX_TRANSACTION_ID = 64
MAX_CARD_MASK = 24
MAX_REASON = 200

# The get_status3.php pg_payment_status values (and the older pg_transaction_status values of
# get_status2.php) that are outcomes.
PAYMENT_OUTCOMES: dict[str, PaymentStatus] = {
    "success": PaymentStatus.PAID,
    "ok": PaymentStatus.PAID,
    "error": PaymentStatus.DECLINED,
    "failed": PaymentStatus.DECLINED,
    "incomplete": PaymentStatus.EXPIRED,  # its lifetime ran out unpaid
}
NOT_STARTED = frozenset({"new"})  # created; nobody has started to pay
# Anything else - pending, process, waiting, partial, a refund or revocation, a value not seen
# before - is in progress: the money may be, or have been, taken, so it is never expired on it.

# The fields of a result callback. ``pg_sig`` signs the values only, in the order of their
# names: a captured callback with its fields renamed keeps a valid signature, so the names are
# checked too. We send no fields of our own, so nothing else may come.
CALLBACK_REQUIRED = frozenset(
    {"pg_order_id", "pg_payment_id", "pg_amount", "pg_currency", "pg_result", "pg_salt", "pg_sig"}
)
CALLBACK_OPTIONAL = frozenset(
    {
        "pg_merchant_id",
        "pg_net_amount",
        "pg_ps_amount",
        "pg_ps_full_amount",
        "pg_ps_currency",
        "pg_description",
        "pg_payment_date",
        "pg_can_reject",
        "pg_user_phone",
        "pg_user_contact_email",
        "pg_testing_mode",
        "pg_captured",
        "pg_card_id",
        "pg_card_token",
        "pg_card_pan",
        "pg_card_exp",
        "pg_card_owner",
        "pg_card_brand",
        "pg_payment_method",
        "pg_discount_percent",
        "pg_discount_amount",
        "pg_auth_code",
        "pg_failure_code",
        "pg_failure_description",
    }
)

_UNMASKED_PAN = re.compile(r"[\d -]{12,23}")


@dataclass(frozen=True, slots=True)
class FreedomPayNotice(CallbackNotice):
    """A CallbackNotice that remembers whether Freedom Pay lets us refuse the payment."""

    can_reject: bool = False


@dataclass(frozen=True, slots=True)
class StatusAnswer:
    """What get_status3.php said of an order; ``status`` None: no outcome yet, and then
    ``in_progress`` unless nobody has started to pay."""

    order_id: str
    status: PaymentStatus | None
    amount: Money | None
    transaction_id: str | None
    card_mask: str | None = None
    reason: str | None = None
    provider_status: str | None = None
    in_progress: bool = False

    def as_notice(self) -> CallbackNotice:
        """The same statement as a callback would make, for a missed callback."""
        if self.status is None or self.amount is None or not self.transaction_id:
            raise ValueError(f"status {self.provider_status!r} is not a final outcome")
        return CallbackNotice(
            order_id=self.order_id,
            status=self.status,
            amount=self.amount,
            transaction_id=self.transaction_id,
            dedupe_key=_dedupe_key(self.transaction_id, self.status.value),
            card_mask=self.card_mask,
            reason=self.reason,
        )


def callback_notice(params: Mapping[str, Any]) -> FreedomPayNotice:
    """The outcome a verified result callback states; ValueError (or MoneyError) when it
    states none that can be read."""
    payment_id = required_field(params, "pg_payment_id")
    if len(payment_id) > MAX_TRANSACTION_ID:
        raise ValueError("pg_payment_id too long")
    result = required_field(params, "pg_result")
    statuses = {"1": PaymentStatus.PAID, "0": PaymentStatus.DECLINED}
    if result not in statuses:
        raise ValueError(f"pg_result {result!r} is not an outcome")
    status = statuses[result]
    return FreedomPayNotice(
        order_id=required_field(params, "pg_order_id"),
        status=status,
        amount=Money.parse(
            required_field(params, "pg_amount"), required_field(params, "pg_currency")
        ),
        transaction_id=payment_id,
        dedupe_key=_dedupe_key(payment_id, result),
        card_mask=_card_mask(field_text(params, "pg_card_pan")),
        reason=_reason(params) if status is PaymentStatus.DECLINED else None,
        can_reject=field_text(params, "pg_can_reject") == "1",
    )


def status_answer(order_id: str, answer: Mapping[str, Any]) -> StatusAnswer:
    """What get_status3.php said of ``order_id``; UnknownOrder for its documented "no such
    payment", ValueError (or MoneyError) for an answer that cannot be read."""
    answered_order = field_text(answer, "pg_order_id")
    if answered_order is not None and answered_order != order_id:
        raise ValueError(f"answer is about order {answered_order!r}")
    if field_text(answer, "pg_payment_id") == "0":  # the documented "no such payment"
        raise UnknownOrder(f"{STATUS_SCRIPT}: no such payment")
    raw = field_text(answer, "pg_payment_status") or field_text(answer, "pg_transaction_status")
    reported = raw.lower() if raw else ""
    status = PAYMENT_OUTCOMES.get(reported)
    amount_text, currency = field_text(answer, "pg_amount"), field_text(answer, "pg_currency")
    amount = Money.parse(amount_text, currency) if amount_text and currency else None
    declined = status in (PaymentStatus.DECLINED, PaymentStatus.EXPIRED)
    return StatusAnswer(
        order_id=order_id,
        status=status,
        amount=amount,
        transaction_id=field_text(answer, "pg_payment_id"),
        card_mask=_card_mask(field_text(answer, "pg_card_pan")),
        reason=(_reason(answer) or raw) if declined else None,
        provider_status=raw,
        in_progress=status is None and reported not in NOT_STARTED,
    )


def _dedupe_key(payment_id: str, outcome: str) -> str:
    return hashlib.sha256(f"{payment_id}:{outcome}".encode()).hexdigest()


def field_text(params: Mapping[str, Any], key: str) -> str | None:
    """A field's text, stripped; None when it is missing, blank or not text."""
    value = params.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def required_field(params: Mapping[str, Any], key: str) -> str:
    value = field_text(params, key)
    if value is None:
        raise ValueError(f"{key} is missing")
    return value


def _card_mask(pan: str | None) -> str | None:
    """Freedom Pay masks the card number; should a full one ever arrive, mask it here."""
    if pan is None:
        return None
    if _UNMASKED_PAN.fullmatch(pan):
        digits = re.sub(r"\D", "", pan)
        pan = f"{digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"
    return pan[:MAX_CARD_MASK]


def _reason(params: Mapping[str, Any]) -> str | None:
    reason = field_text(params, "pg_failure_description") or field_text(params, "pg_failure_code")
    return reason[:MAX_REASON] if reason else None
