from sqlalchemy import bindparam, select, update

from core.clock import utcnow
from core.money import Money
from core.services import Service
from core.statuses import BillStatus
from payments.billing.base import Bill, PaidConfirmation
from storage.db import SessionFactory, reading, transaction
from storage.models import Invoice

INVOICES = Invoice.__table__  # Core: an ORM-enabled UPDATE works out its cache key every time
INVOICE = select(
    Invoice.code,
    Invoice.payer_name,
    Invoice.service,
    Invoice.amount_minor,
    Invoice.currency,
    Invoice.status,
    Invoice.expires_at,
).where(Invoice.code == bindparam("code"))


class LocalBilling:
    """Invoices kept in the bot's own database, filled by `payment-bot invoices import`."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def lookup(self, code: str) -> Bill | None:
        async with reading(self._sessions) as session:
            invoice = (await session.execute(INVOICE, {"code": code})).first()
        if invoice is None:
            return None
        status = BillStatus(invoice.status)
        expired = invoice.expires_at is not None and invoice.expires_at <= utcnow()
        if status is BillStatus.UNPAID and expired:
            status = BillStatus.EXPIRED
        return Bill(
            code=invoice.code,
            payer_name=invoice.payer_name,
            service=Service(invoice.service),
            amount=Money(invoice.amount_minor, invoice.currency),
            status=status,
            expires_at=invoice.expires_at,
        )

    async def confirm_paid(self, confirmation: PaidConfirmation) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(INVOICES)
                .where(INVOICES.c.code == confirmation.code)
                .values(status=BillStatus.PAID.value, updated_at=utcnow())
            )

    async def codes(self) -> list[str]:
        async with reading(self._sessions) as session:
            return list(await session.scalars(select(Invoice.code).order_by(Invoice.code)))
