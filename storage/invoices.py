"""The local billing's invoices: written by the operator's import (and the demo codes), read
and marked paid by `payments.billing.local.LocalBilling`."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.money import Money
from core.services import Service
from core.statuses import BillStatus
from storage.db import SessionFactory, reading, transaction
from storage.models import Invoice

# Rows a statement of `save` carries at most (9 values a row: within both databases' bound
# limits).
UPSERT_ROWS = 1000

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


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    code: str
    payer_name: str
    service: Service
    amount: Money
    status: BillStatus
    expires_at: datetime | None


class Invoices:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def save(self, rows: list[InvoiceRow], *, only_new: bool = False) -> int:
        """Insert or update all rows in one transaction (`only_new`: leave known codes alone);
        their codes must differ."""
        async with transaction(self._sessions) as session:
            for start in range(0, len(rows), UPSERT_ROWS):
                await _upsert(session, rows[start : start + UPSERT_ROWS], only_new)
        return len(rows)

    async def get(self, code: str) -> InvoiceRow | None:
        """The invoice as stored (its status not aged by its expiry)."""
        async with reading(self._sessions) as session:
            invoice = (await session.execute(INVOICE, {"code": code})).first()
        if invoice is None:
            return None
        return InvoiceRow(
            code=invoice.code,
            payer_name=invoice.payer_name,
            service=Service(invoice.service),
            amount=Money(invoice.amount_minor, invoice.currency),
            status=BillStatus(invoice.status),
            expires_at=invoice.expires_at,
        )

    async def mark_paid(self, code: str) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(INVOICES)
                .where(INVOICES.c.code == code)
                .values(status=BillStatus.PAID.value, updated_at=utcnow())
            )

    async def codes(self) -> list[str]:
        async with reading(self._sessions) as session:
            return list(await session.scalars(select(Invoice.code).order_by(Invoice.code)))


async def _upsert(session: AsyncSession, rows: list[InvoiceRow], only_new: bool) -> None:
    """One statement for many rows."""
    now = utcnow()
    values = [
        {
            "code": row.code,
            "payer_name": row.payer_name,
            "service": row.service.value,
            "amount_minor": row.amount.minor,
            "currency": row.amount.currency,
            "status": row.status.value,
            "expires_at": row.expires_at,
            "created_at": now,
            "updated_at": now,
        }
        for row in rows
    ]
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Invoice).values(values)
    if only_new:
        await session.execute(statement.on_conflict_do_nothing(index_elements=["code"]))
        return
    changed = {
        key: statement.excluded[key] for key in values[0] if key not in ("code", "created_at")
    }
    await session.execute(statement.on_conflict_do_update(index_elements=["code"], set_=changed))
