"""Texts the bot sends, worded in the user's language from domain objects."""

from bot import formats
from bot.i18n import Translator
from payments.billing import Bill
from payments.money import Money
from payments.receipts import ReceiptView, verify_path
from storage.models import Payment


def bill_details(t: Translator, bill: Bill) -> str:
    return t(
        "bill-details",
        payer=bill.payer_name,
        service=t.plain(f"service-{bill.service.value}"),
        code=bill.code,
        status=t.plain(f"bill-status-{bill.status.value}"),
        amount=bill.amount,
    )


def receipt(t: Translator, view: ReceiptView) -> str:
    return t(
        "receipt",
        number=view.number,
        issued_at=formats.format_moment(view.issued_utc, t.language, seconds=True),
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
    return Money(payment.amount_minor, payment.currency)
