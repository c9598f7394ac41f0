"""A receipt's fields as the PDF and the verification page show them: labelled, in a
language's own number and date formats, a field without a value left out; and the operator
who issues the receipt, with its contacts."""

from collections.abc import Callable, Sequence

from payments.receipts import ReceiptView
from ui.formats import format_amount, format_moment
from ui.i18n import Translator

# The operator's contacts, as its user agreement and privacy policy give them.
SUPPORT_PHONES_ABROAD = ("+996 312 98-61-90", "+996 312 98-61-91")
SUPPORT_PHONE_LOCAL = "119"
SUPPORT_EMAIL = "support@infocom.kg"

_LABELS = {
    "number": "receipt-field-number",
    "issued": "receipt-field-issued",
    "payer": "receipt-field-payer",
    "service": "receipt-field-service",
    "code": "receipt-field-code",
    "amount": "receipt-field-amount",
    "card": "receipt-field-card",
    "transaction": "receipt-field-transaction",
    "status": "receipt-field-status",
}
# Values that are words, said in each language; the others read the same in any of them.
WORDED = frozenset({"service", "status"})
# ReceiptView puts a dash where the acquirer gave nothing or the reader may not see it.
_MISSING = {"", "—"}


def label(t: Translator, field: str) -> str:
    return t.plain(_LABELS[field])


def receipt_fields(
    t: Translator, view: ReceiptView, fields: Sequence[str] = tuple(_LABELS)
) -> list[tuple[str, str]]:
    """(field, plain value) in t's language, in the order asked, without the empty ones."""
    values = {
        "number": view.number,
        "issued": format_moment(view.issued_at, t.language, seconds=True),
        "payer": view.payer,
        "service": t.plain(f"service-{view.service.value}"),
        "code": view.payment_code,
        "amount": format_amount(view.amount, t.language),
        "card": view.card_mask,
        "transaction": view.transaction_id,
        "status": t.plain(f"payment-status-{view.status.value}"),
    }
    return [(field, values[field]) for field in fields if values[field] not in _MISSING]


def support_line(t: Translator, contact: Callable[[str, str], str] | None = None) -> str:
    """The support phones and e-mail; `contact(href, text)` writes each of them (a link on
    the web page), by default as plain text that no line break cuts in two."""
    write = contact or _unbroken
    return t.plain(
        "receipt-operator-support",
        abroad=", ".join(write(f"tel:{_dialled(phone)}", phone) for phone in SUPPORT_PHONES_ABROAD),
        local=write(f"tel:{SUPPORT_PHONE_LOCAL}", SUPPORT_PHONE_LOCAL),
        email=write(f"mailto:{SUPPORT_EMAIL}", SUPPORT_EMAIL),
    )


def _unbroken(href: str, text: str) -> str:
    return text.replace(" ", "\u00a0")


def _dialled(phone: str) -> str:
    return "+" + "".join(ch for ch in phone if ch.isdigit())
