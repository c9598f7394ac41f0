from core.clock import utcnow
from core.statuses import BillStatus
from payments.billing.base import Bill, PaidConfirmation
from storage.db import SessionFactory
from storage.invoices import Invoices


class LocalBilling:
    """Invoices kept in the bot's own database, filled by `payment-bot invoices import`."""

    sees_our_payments = True

    def __init__(self, sessions: SessionFactory) -> None:
        self._invoices = Invoices(sessions)

    async def lookup(self, code: str) -> Bill | None:
        """The bill, PAID as soon as a payment of ours took its money (`PaymentService.lookup`
        then has nothing more to ask)."""
        invoice = await self._invoices.get_as_paid_here(code)
        if invoice is None:
            return None
        status = invoice.status
        expired = invoice.expires_at is not None and invoice.expires_at <= utcnow()
        if status is BillStatus.UNPAID and expired:
            status = BillStatus.EXPIRED
        return Bill(
            code=invoice.code,
            payer_name=invoice.payer_name,
            service=invoice.service,
            amount=invoice.amount,
            status=status,
            expires_at=invoice.expires_at,
        )

    async def confirm_paid(self, confirmation: PaidConfirmation) -> None:
        await self._invoices.mark_paid(confirmation.code)

    async def codes(self) -> list[str]:
        return await self._invoices.codes()
