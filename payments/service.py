"""The payment flow as plain Python: look up a code, open a payment page, take callbacks."""

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import structlog
from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import BISHKEK, utcnow
from core.money import Money
from core.statuses import BillStatus, OutboxKind, PaymentStatus, can_move
from payments.acquirers.base import (
    Acquirer,
    AcquirerError,
    CallbackAnswer,
    CallbackNotice,
    CheckoutRequest,
    OrderStatus,
    UnknownOrder,
)
from payments.billing.base import Bill, Billing
from payments.outbox import OUTBOX
from payments.support import queue_alert
from storage.db import SessionFactory, reading, transaction
from storage.models import AcquirerCallback, Payment, Receipt

log = structlog.get_logger(__name__)


class NotPayable(Exception):
    """The code cannot be paid now; `bill` says why (None: unknown code)."""

    def __init__(self, bill: Bill | None) -> None:
        super().__init__(bill.status if bill else "unknown")
        self.bill = bill


class PaymentStillProcessing(Exception):
    """The code's last page is past its lifetime, but the acquirer is still taking the payment
    made on it (3-D Secure, a bank's pending answer): no second page until it is settled."""


class PaymentInProgressElsewhere(Exception):
    def __init__(self, payment: Payment) -> None:
        super().__init__(payment.order_id)
        self.payment = payment


@dataclass(frozen=True, slots=True)
class PaymentStart:
    payment: Payment
    reused: bool


@dataclass(frozen=True, slots=True)
class CallbackResult:
    answer: CallbackAnswer
    outcome: str
    payment_id: int | None = None


# The callback's inserts are plain Core: the ORM's unit of work cost more than the statements.
PAYMENTS = Payment.__table__
RECEIPTS = Receipt.__table__
CALLBACKS = AcquirerCallback.__table__
PAYMENT_OF_ORDER = (
    select(Payment).where(Payment.order_id == bindparam("order_id")).with_for_update()
)
SEEN_CALLBACK = select(CALLBACKS.c.outcome).where(
    CALLBACKS.c.acquirer == bindparam("acquirer"),
    CALLBACKS.c.dedupe_key == bindparam("dedupe_key"),
)
PAID_ON_ANOTHER_ORDER = select(PAYMENTS.c.order_id).where(
    PAYMENTS.c.payment_code == bindparam("code"),
    PAYMENTS.c.status == PaymentStatus.PAID.value,
    PAYMENTS.c.id != bindparam("payment_id"),
)
# A page being opened has its link within seconds (the acquirer's request times out first):
# one with none after this long was left by a process that died while the acquirer answered.
LINKLESS_AFTER = timedelta(seconds=30)
# The code's page past its lifetime, or left without a link, that nothing has settled yet (one
# at most: one live page a code), and its replacement's way out of the way once the acquirer
# has been asked.
OVERDUE_PAGE = select(PAYMENTS.c.id, PAYMENTS.c.order_id, PAYMENTS.c.acquirer).where(
    PAYMENTS.c.payment_code == bindparam("code"),
    PAYMENTS.c.status == PaymentStatus.CREATED.value,
    or_(
        PAYMENTS.c.expires_at <= bindparam("now"),
        and_(PAYMENTS.c.payment_url == "", PAYMENTS.c.created_at <= bindparam("linkless_before")),
    ),
)
EXPIRE_UNSETTLED = (
    update(PAYMENTS)
    .where(
        PAYMENTS.c.id == bindparam("payment_id"),
        PAYMENTS.c.status == PaymentStatus.CREATED.value,
    )
    .values(status=PaymentStatus.EXPIRED.value, updated_at=bindparam("now"))
)
PAID_HERE = (
    select(Payment.id)
    .where(Payment.payment_code == bindparam("code"), Payment.status == PaymentStatus.PAID)
    .limit(1)
)


def _newest_receipt(condition: ColumnElement[bool]) -> Select[tuple[Payment, Receipt]]:
    return (
        select(Payment, Receipt)
        .join(Receipt, Receipt.payment_id == Payment.id)
        .where(condition)
        .order_by(Receipt.id.desc())
        .limit(1)
    )


# Paid changes of one code take turns (until commit): one lock per code, not per table.
CODE_TURN = text("SELECT pg_advisory_xact_lock(hashtext(:code))")
RECEIPT_FOR_CODE = _newest_receipt(Payment.payment_code == bindparam("key"))
RECEIPT_FOR_PAYMENT = _newest_receipt(Payment.id == bindparam("key"))
RECEIPT_BY_PUBLIC_ID = _newest_receipt(Receipt.public_id == bindparam("key"))


def new_order_id() -> str:
    return f"TG{secrets.token_hex(10).upper()}"


class PaymentService:
    def __init__(
        self,
        sessions: SessionFactory,
        billing: Billing,
        acquirer: Acquirer,
        *,
        lifetime: timedelta,
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self.sessions = sessions
        self.billing = billing
        self.acquirer = acquirer
        self.lifetime = lifetime
        self._on_outbox = on_outbox

    async def lookup(self, code: str) -> Bill | None:
        """The bill, paid if we have taken the money for it even when the billing does not
        know yet (it learns through the outbox, a moment after the callback)."""
        bill = await self.billing.lookup(code)
        if bill is not None and bill.status is BillStatus.UNPAID:
            async with reading(self.sessions) as session:
                bill = await self._as_known_here(session, bill)
        return bill

    @staticmethod
    async def _as_known_here(session: AsyncSession, bill: Bill | None) -> Bill | None:
        if bill is None or bill.status is not BillStatus.UNPAID:
            return bill
        paid = await session.scalar(PAID_HERE, {"code": bill.code})
        return bill if paid is None else replace(bill, status=BillStatus.PAID)

    async def start_payment(
        self, *, code: str, user_id: int, chat_id: int, language: str, description: str
    ) -> PaymentStart:
        """One live payment page per code: pressing "Pay" again gives the same link. A page
        past its lifetime, or left without a link, is replaced only once the acquirer has
        settled what was paid on it."""
        bill = await self.billing.lookup(code)
        while True:
            now = utcnow()
            async with transaction(self.sessions) as session:
                bill = await self._as_known_here(session, bill)
                if bill is None or bill.status is not BillStatus.UNPAID:
                    raise NotPayable(bill)
                code = bill.code  # the billing's own spelling of the code is the one kept
                overdue = (
                    await session.execute(
                        OVERDUE_PAGE,
                        {"code": code, "now": now, "linkless_before": now - LINKLESS_AFTER},
                    )
                ).first()
                if overdue is None:
                    payment = await self._insert(
                        session, bill, code, user_id, chat_id, language, now
                    )
                    break
            await self._settle_overdue(overdue)  # then it is no longer in the way
        if payment is None:
            return await self._live_payment(code, user_id)
        return PaymentStart(await self._open_checkout(payment, bill, description), reused=False)

    async def _insert(
        self,
        session: AsyncSession,
        bill: Bill,
        code: str,
        user_id: int,
        chat_id: int,
        language: str,
        now: datetime,
    ) -> Payment | None:
        """The code's new payment, or None if it has a live page already."""
        values = {
            "order_id": new_order_id(),
            "payment_code": code,
            "user_id": user_id,
            "chat_id": chat_id,
            "language": language,
            "service": bill.service.value,
            "payer_name": bill.payer_name,
            "amount_minor": bill.amount.minor,
            "currency": bill.amount.currency,
            "status": PaymentStatus.CREATED,
            "acquirer": self.acquirer.name,
            "payment_url": "",
            "expires_at": now + self.lifetime,
            "created_at": now,
            "updated_at": now,
        }
        # Core statements: the ORM's unit of work cost a third of a ms here.
        try:
            async with session.begin_nested():  # a live page exists: only this undone
                inserted = insert(PAYMENTS).values(values).returning(PAYMENTS.c.id)
                return Payment(id=await session.scalar(inserted), **values)
        except IntegrityError:
            return None

    async def _settle_overdue(self, overdue: Row[tuple[int, str, str]]) -> None:
        """Ask the acquirer about a page past its lifetime before it is replaced, so that a
        payment still being made on it is neither lost (nothing would ask about it again) nor
        paid twice; then take it out of the way. AcquirerError: ask again later."""
        payment_id, order_id, acquirer = overdue
        if acquirer == self.acquirer.name:
            try:
                status = await self.acquirer.get_status(order_id)
            except UnknownOrder:  # the page was never opened: nothing to settle
                status = OrderStatus()
            if status.in_progress:
                raise PaymentStillProcessing(order_id)
            if status.outcome is not None:
                await self.handle_callback(status.outcome)
        async with transaction(self.sessions) as session:
            await session.execute(EXPIRE_UNSETTLED, {"payment_id": payment_id, "now": utcnow()})

    async def _open_checkout(self, payment: Payment, bill: Bill, description: str) -> Payment:
        request = CheckoutRequest(
            order_id=payment.order_id,
            amount=bill.amount,
            description=description,
            language=payment.language,
            expires_at=payment.expires_at,
        )
        try:
            checkout = await self.acquirer.create_checkout(request)
        except AcquirerError:
            await self._set(payment.id, status=PaymentStatus.EXPIRED, decline_reason="checkout")
            log.warning("payment.checkout_failed", payment_id=payment.id, order_id=payment.order_id)
            raise
        await self._set(payment.id, payment_url=checkout.url)
        payment.payment_url = checkout.url
        log.info(
            "payment.created",
            payment_id=payment.id,
            order_id=payment.order_id,
            service=payment.service,
            amount_minor=payment.amount_minor,
        )
        return payment

    async def _live_payment(self, code: str, user_id: int) -> PaymentStart:
        # Another press of "Pay" is opening the page right now: wait for its link.
        for _ in range(50):
            async with reading(self.sessions) as session:
                payment = await session.scalar(
                    select(Payment).where(
                        Payment.payment_code == code, Payment.status == PaymentStatus.CREATED
                    )
                )
            if payment is not None and payment.user_id != user_id:
                raise PaymentInProgressElsewhere(payment)
            if payment is not None and payment.payment_url:
                log.info("payment.reused", payment_id=payment.id, order_id=payment.order_id)
                return PaymentStart(payment, reused=True)
            await asyncio.sleep(0.1)
        raise AcquirerError("the payment page is still being opened")

    async def _set(self, payment_id: int, **values: object) -> None:
        async with transaction(self.sessions) as session:
            await session.execute(
                update(PAYMENTS)
                .where(PAYMENTS.c.id == payment_id)
                .values(updated_at=utcnow(), **values)
            )

    async def handle_callback(self, notice: CallbackNotice) -> CallbackResult:
        """Verify against our records, record once, move forward only, queue the receipt."""
        async with transaction(self.sessions) as session:
            payment = await session.scalar(PAYMENT_OF_ORDER, {"order_id": notice.order_id})
            if payment is None:
                await queue_alert(
                    session,
                    "callback_rejected",
                    f"unknown_order:{notice.order_id[:40]}",
                    reason="unknown_order",
                    order_id=notice.order_id[:40],
                    acquirer=self.acquirer.name,
                )
                return self._rejected("unknown_order", notice)
            expected = Money(payment.amount_minor, payment.currency)
            if notice.amount != expected:
                await queue_alert(
                    session,
                    "amount_mismatch",
                    payment.order_id,
                    order_id=payment.order_id,
                    payment_id=payment.id,
                    expected=expected.display(),
                    got=notice.amount.display(),
                )
                return self._rejected("amount_mismatch", notice, payment)
            seen = await session.scalar(
                SEEN_CALLBACK, {"acquirer": self.acquirer.name, "dedupe_key": notice.dedupe_key}
            )
            if seen is not None:
                log.info("callback.duplicate", payment_id=payment.id, order_id=payment.order_id)
                return CallbackResult(CallbackAnswer.ACCEPTED, "duplicate", payment.id)
            outcome = await self._apply(session, payment, notice)
            await session.execute(
                insert(CALLBACKS),
                {
                    "acquirer": self.acquirer.name,
                    "dedupe_key": notice.dedupe_key,
                    "order_id": notice.order_id,
                    "status": notice.status.value,
                    "outcome": outcome,
                },
            )
        log.info(
            "callback.accepted",
            payment_id=payment.id,
            order_id=payment.order_id,
            status=notice.status.value,
            outcome=outcome,
        )
        if outcome in ("paid", "declined"):
            self._on_outbox()
        return CallbackResult(CallbackAnswer.ACCEPTED, outcome, payment.id)

    def _rejected(
        self, reason: str, notice: CallbackNotice, payment: Payment | None = None
    ) -> CallbackResult:
        log.warning(
            "callback.rejected",
            reason=reason,
            order_id=notice.order_id,
            payment_id=payment.id if payment else None,
        )
        return CallbackResult(CallbackAnswer.REJECTED, reason, payment.id if payment else None)

    async def _apply(self, session: AsyncSession, payment: Payment, notice: CallbackNotice) -> str:
        current = PaymentStatus(payment.status)
        if notice.status not in (PaymentStatus.PAID, PaymentStatus.DECLINED):
            return f"ignored_{notice.status.value}"
        if not can_move(current, notice.status):
            return f"ignored_{current.value}"
        now = utcnow()
        payment.status = notice.status.value
        payment.acquirer_transaction_id = notice.transaction_id
        payment.card_mask = notice.card_mask
        payment.updated_at = now
        if notice.status is PaymentStatus.DECLINED:
            payment.decline_reason = notice.reason
            await self._queue(session, payment, OutboxKind.PAYMENT_DECLINED)
            return "declined"
        payment.paid_at = now
        if session.bind.dialect.name == "postgresql":
            # Two links of one code paid at once: the second to commit must see the first.
            await session.execute(CODE_TURN, {"code": payment.payment_code})
        other = await session.scalar(
            PAID_ON_ANOTHER_ORDER, {"code": payment.payment_code, "payment_id": payment.id}
        )
        if other is not None:  # the acquirer took the money on an older link too
            log.error("payment.paid_twice", payment_id=payment.id, order_id=payment.order_id)
            await queue_alert(
                session,
                "double_payment",
                payment.order_id,
                payment_code=payment.payment_code,
                order_id=payment.order_id,
                payment_id=payment.id,
                other_order_id=other,
            )
        await session.execute(
            insert(RECEIPTS),
            {
                "number": f"{now.astimezone(BISHKEK):%Y%m%d}-{payment.id:07d}",
                "public_id": secrets.token_hex(16),
                "payment_id": payment.id,
                "issued_at": now,
            },
        )
        await self._queue(
            session, payment, OutboxKind.RECEIPT, OutboxKind.RECEIPT_PDF, OutboxKind.BILLING_CONFIRM
        )
        return "paid"

    @staticmethod
    async def _queue(session: AsyncSession, payment: Payment, *kinds: OutboxKind) -> None:
        """Messages for the payer's chat, held while they block the bot and sent in turn after
        the chat's earlier messages; the billing's confirmation is for no chat, so neither."""
        await session.execute(
            insert(OUTBOX),
            [
                {
                    "kind": kind,
                    "dedupe_key": f"{kind}:{payment.id}",
                    "payment_id": payment.id,
                    "chat_id": None if kind is OutboxKind.BILLING_CONFIRM else payment.chat_id,
                }
                for kind in kinds
            ],
        )

    async def expire(self, payment_id: int) -> bool:
        """A link past its lifetime that the acquirer did not complete: tell the user."""
        async with transaction(self.sessions) as session:
            payment = await session.get(Payment, payment_id, with_for_update=True)
            if payment is None or not can_move(
                PaymentStatus(payment.status), PaymentStatus.EXPIRED
            ):
                return False
            payment.status = PaymentStatus.EXPIRED.value
            payment.updated_at = utcnow()
            await self._queue(session, payment, OutboxKind.PAYMENT_EXPIRED)
        log.info("payment.expired", payment_id=payment.id, order_id=payment.order_id)
        self._on_outbox()
        return True

    async def settled_or_open(self, code: str, user_id: int) -> Payment | None:
        """The code's payment that is paid, or whose page this user opened and is still open."""
        opened_here = (
            (Payment.status == PaymentStatus.CREATED)
            & (Payment.user_id == user_id)
            & (Payment.expires_at > utcnow())
        )
        async with reading(self.sessions) as session:
            return await session.scalar(
                select(Payment)
                .where(
                    Payment.payment_code == code,
                    (Payment.status == PaymentStatus.PAID) | opened_here,
                )
                .order_by(Payment.id.desc())
                .limit(1)
            )

    async def opened_by(self, code: str, user_id: int, chat_id: int) -> bool:
        """Whether this user opened a payment page for the code in this chat: what a button
        to open another one ("Try again", "Get a new link") is checked against."""
        async with reading(self.sessions) as session:
            found = await session.scalar(
                select(Payment.id)
                .where(
                    Payment.payment_code == code,
                    Payment.user_id == user_id,
                    Payment.chat_id == chat_id,
                )
                .limit(1)
            )
        return found is not None

    async def payment_by_order(self, order_id: str) -> Payment | None:
        async with reading(self.sessions) as session:
            return await session.scalar(select(Payment).where(Payment.order_id == order_id))

    async def payment(self, payment_id: int) -> Payment | None:
        async with reading(self.sessions) as session:
            return await session.get(Payment, payment_id)

    async def receipt_for_code(self, code: str) -> tuple[Payment, Receipt] | None:
        return await self._receipt(RECEIPT_FOR_CODE, code)

    async def receipt_for_payment(self, payment_id: int) -> tuple[Payment, Receipt] | None:
        return await self._receipt(RECEIPT_FOR_PAYMENT, payment_id)

    async def receipt_by_public_id(self, public_id: str) -> tuple[Payment, Receipt] | None:
        return await self._receipt(RECEIPT_BY_PUBLIC_ID, public_id)

    async def history(self, user_id: int, *, offset: int, limit: int) -> tuple[list[Payment], int]:
        """The user's payments, newest first, a page of them, and how many there are."""
        async with reading(self.sessions) as session:
            total = await session.scalar(
                select(func.count()).select_from(Payment).where(Payment.user_id == user_id)
            )
            page = await session.scalars(
                select(Payment)
                .where(Payment.user_id == user_id)
                .order_by(Payment.id.desc())
                .offset(offset)
                .limit(limit)
            )
            return list(page), total or 0

    async def open_page_until(self, user_id: int) -> datetime | None:
        """Until when the last to close of this user's open payment pages stays open, if any."""
        async with reading(self.sessions) as session:
            return await session.scalar(
                select(func.max(Payment.expires_at)).where(
                    Payment.user_id == user_id,
                    Payment.status == PaymentStatus.CREATED,
                    Payment.expires_at > utcnow(),
                )
            )

    async def _receipt(
        self, statement: Select[tuple[Payment, Receipt]], key: object
    ) -> tuple[Payment, Receipt] | None:
        async with reading(self.sessions) as session:
            row = (await session.execute(statement, {"key": key})).first()
        return (row[0], row[1]) if row else None
