from dataclasses import dataclass
from datetime import datetime

from core.money import Money
from core.privacy import mask_name
from core.services import Service
from core.statuses import PaymentStatus
from storage.models import Payment, Receipt


def verify_path(public_id: str) -> str:
    """Where a receipt's verification page lives on the bot's web server."""
    return f"/r/{public_id}"


@dataclass(frozen=True, slots=True)
class ReceiptView:
    """The online receipt's fields, ready to be worded in any language."""

    number: str
    issued_at: datetime  # UTC
    payer: str
    service: Service
    payment_code: str
    amount: Money
    card_mask: str
    transaction_id: str
    status: PaymentStatus
    public_id: str

    @classmethod
    def of(
        cls, payment: Payment, receipt: Receipt, *, mask: bool = False, stranger: bool = False
    ) -> "ReceiptView":
        """`stranger`: for someone other than the payer, who typed the paid code: the card and
        the acquirer's transaction are the payer's own business."""
        return cls(
            number=receipt.number,
            issued_at=receipt.issued_at,
            payer=mask_name(payment.payer_name) if mask else payment.payer_name,
            service=Service(payment.service),
            payment_code=payment.payment_code,
            amount=payment.money,
            card_mask=(None if stranger else payment.card_mask) or "—",
            transaction_id=(None if stranger else payment.acquirer_transaction_id) or "—",
            status=PaymentStatus(payment.status),
            public_id=receipt.public_id,
        )
