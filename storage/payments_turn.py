"""Changes to payments that must commit together: a callback's record, its receipt and the
messages it queues, an expiry, a reconciliation's next check (see `Payments.locked`)."""

import secrets
from datetime import datetime

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import BISHKEK
from core.statuses import OutboxKind, PaymentStatus
from storage.models import AcquirerCallback, Payment, Receipt
from storage.outbox import queue_for_payment

# Plain Core inserts: the ORM's unit of work costs more than the statements themselves.
PAYMENTS = Payment.__table__
RECEIPTS = Receipt.__table__
CALLBACKS = AcquirerCallback.__table__
SEEN_CALLBACK = select(CALLBACKS.c.outcome).where(
    CALLBACKS.c.acquirer == bindparam("acquirer"),
    CALLBACKS.c.dedupe_key == bindparam("dedupe_key"),
)
PAID_ON_ANOTHER_ORDER = select(PAYMENTS.c.order_id).where(
    PAYMENTS.c.payment_code == bindparam("code"),
    PAYMENTS.c.status == PaymentStatus.PAID.value,
    PAYMENTS.c.id != bindparam("payment_id"),
)
# Paid changes of one code take turns (until commit): one lock per code, not per table.
CODE_TURN = text("SELECT pg_advisory_xact_lock(hashtext(:code))")
NEXT_CHECK = (
    update(PAYMENTS)
    .where(PAYMENTS.c.id == bindparam("payment_id"))
    .values(reconcile_at=bindparam("next_check"))
)


class PaymentTurn:
    """One transaction's changes. `payment`: the payment its opener locked (None if there is
    no such payment); changes made to it are written at commit. `session`: the transaction,
    for what is queued in it from elsewhere (an alert to support)."""

    def __init__(self, session: AsyncSession, payment: Payment | None = None) -> None:
        self.session = session
        self.payment = payment

    async def callback_outcome(self, acquirer: str, dedupe_key: str) -> str | None:
        """What a callback with this key came to, if it was recorded before."""
        return await self.session.scalar(
            SEEN_CALLBACK, {"acquirer": acquirer, "dedupe_key": dedupe_key}
        )

    async def record_callback(
        self, *, acquirer: str, dedupe_key: str, order_id: str, status: str, outcome: str
    ) -> None:
        await self.session.execute(
            insert(CALLBACKS),
            {
                "acquirer": acquirer,
                "dedupe_key": dedupe_key,
                "order_id": order_id,
                "status": status,
                "outcome": outcome,
            },
        )

    async def paid_on_another_order(self, payment: Payment) -> str | None:
        """Another order of the payment's code already paid. Two links of one code paid at
        once take turns on PostgreSQL, so the second to commit sees the first."""
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(CODE_TURN, {"code": payment.payment_code})
        return await self.session.scalar(
            PAID_ON_ANOTHER_ORDER, {"code": payment.payment_code, "payment_id": payment.id}
        )

    async def issue_receipt(self, payment: Payment, now: datetime) -> None:
        """The payment's receipt, numbered by its day in Bishkek and its id."""
        await self.session.execute(
            insert(RECEIPTS),
            {
                "number": f"{now.astimezone(BISHKEK):%Y%m%d}-{payment.id:07d}",
                "public_id": secrets.token_hex(16),
                "payment_id": payment.id,
                "issued_at": now,
            },
        )

    async def queue(self, payment: Payment, *kinds: OutboxKind) -> None:
        """Messages about the payment, delivered after commit (see `queue_for_payment`)."""
        await queue_for_payment(self.session, payment, kinds)

    async def ask_again_at(self, payment_id: int, when: datetime) -> None:
        """When reconciliation may next ask the acquirer about the payment."""
        await self.session.execute(NEXT_CHECK, {"payment_id": payment_id, "next_check": when})
