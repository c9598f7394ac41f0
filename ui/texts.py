"""Texts the bot sends, worded in the user's language from domain objects."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from core.money import Money
from payments.billing import Bill
from payments.exchange import approximately
from payments.receipts import ReceiptView, verify_path
from storage.models import Payment
from ui import formats
from ui.i18n import Translator


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    """What the bill says before Pay: the cards the acquirer takes, approximate amounts."""

    cards: str
    rates: Mapping[str, Decimal] = field(default_factory=dict)


def bill_details(t: Translator, bill: Bill, terms: PaymentTerms | None = None) -> str:
    text = t(
        "bill-details",
        payer=bill.payer_name,
        service=t.plain(f"service-{bill.service.value}"),
        code=bill.code,
        status=t.plain(f"bill-status-{bill.status.value}"),
        amount=bill.amount,
    )
    if terms is None:
        return text
    return text + "\n\n" + payment_terms(t, bill.amount, terms)


def payment_terms(t: Translator, amount: Money, terms: PaymentTerms) -> str:
    lines = [t("bill-cards", cards=terms.cards)]
    if shown := approximately(amount, terms.rates):
        amounts = ", ≈ ".join(formats.format_amount(money, t.language) for money in shown)
        lines.append(t("bill-approximately", amounts=amounts))
    return "\n".join(lines)


def receipt(t: Translator, view: ReceiptView) -> str:
    return t(
        "receipt",
        number=view.number,
        issued_at=formats.format_moment(view.issued_at, t.language, seconds=True),
        payer=view.payer,
        service=t.plain(f"service-{view.service.value}"),
        code=view.payment_code,
        amount=view.amount,
        card=view.card_mask,
        transaction=view.transaction_id,
        status=t.plain(f"payment-status-{view.status.value}"),
    )


def receipt_message(t: Translator, view: ReceiptView, public_base: str) -> str:
    """The receipt as the chat shows it: its fields and the link to its verification page."""
    url = public_base + verify_path(view.public_id)
    return receipt(t, view) + "\n\n" + t("receipt-verify-link", url=url)


def payment_amount(payment: Payment) -> Money:
    """The amount, for a translator to word in its language."""
    return payment.money
