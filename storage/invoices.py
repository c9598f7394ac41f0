"""The local billing's invoices: written by the operator's import (and the demo codes), read
and marked paid by `payments.billing.local.LocalBilling`."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.money import Money
from core.services import Service
from core.statuses import BillStatus, PaymentStatus
from storage.db import SessionFactory, reading, transaction
from storage.direct import Query, read
from storage.models import Invoice, Payment

# Rows a statement of `save` carries at most (9 values a row: within both databases' bound
# limits).
UPSERT_ROWS = 1000

INVOICES = Invoice.__table__  # Core: an ORM-enabled UPDATE works out its cache key every time
COLUMNS = (
    INVOICES.c.code,
    INVOICES.c.payer_name,
    INVOICES.c.service,
    INVOICES.c.amount_minor,
    INVOICES.c.currency,
    INVOICES.c.status,
    INVOICES.c.expires_at,
)
INVOICE = Query(select(*COLUMNS).where(INVOICES.c.code == bindparam("code")))
PAYMENTS = Payment.__table__.c
# The invoice and, in the same statement, whether a payment of ours took its money.
INVOICE_AND_PAID_HERE = Query(
    select(
        *COLUMNS,
        exists()
        .where(
            PAYMENTS.payment_code == INVOICES.c.code,
            PAYMENTS.status == PaymentStatus.PAID.value,
        )
        .label("paid_here"),
    ).where(INVOICES.c.code == bindparam("code"))
)


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
        invoice = await read(self._sessions, lambda c: c.first(INVOICE, {"code": code}))
        return None if invoice is None else _row(invoice)

    async def get_as_paid_here(self, code: str) -> InvoiceRow | None:
        """The invoice, PAID if a payment of ours took its money though the invoice does not
        say so yet (the outbox marks it a moment after the callback): one read."""
        invoice = await read(
            self._sessions, lambda c: c.first(INVOICE_AND_PAID_HERE, {"code": code})
        )
        if invoice is None:
            return None
        row = _row(invoice)
        if invoice.paid_here and row.status is BillStatus.UNPAID:
            return replace(row, status=BillStatus.PAID)
        return row

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


def _row(invoice: Row[Any]) -> InvoiceRow:
    return InvoiceRow(
        code=invoice.code,
        payer_name=invoice.payer_name,
        service=Service(invoice.service),
        amount=Money(invoice.amount_minor, invoice.currency),
        status=BillStatus(invoice.status),
        expires_at=invoice.expires_at,
    )


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
