"""The payments as stored: their pages, receipts and history, and the transactions that
change them (see `storage.payments_turn`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from functools import cache

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql

from core.clock import utcnow
from core.statuses import PaymentStatus
from storage.db import SessionFactory, reading, transaction
from storage.direct import Query, execute, read
from storage.models import Payment, Receipt
from storage.payments_results import (
    HistoryPage,
    NewPayment,
    OverduePage,
    PageOpening,
    PaidPayment,
)
from storage.payments_turn import PAYMENTS, PaymentTurn

PAYMENT_OF_ORDER = (
    select(Payment).where(Payment.order_id == bindparam("order_id")).with_for_update()
)


def _in_the_way(
    code: ColumnElement[str], now: ColumnElement[datetime], linkless_before: ColumnElement[datetime]
) -> ColumnElement[bool]:
    """What keeps a new page from opening for the code: its payment made here, or its page
    past its lifetime, or left without a link, that nothing has settled yet (one at most: one
    live page a code)."""
    return and_(
        PAYMENTS.c.payment_code == code,
        or_(
            PAYMENTS.c.status == PaymentStatus.PAID.value,
            and_(
                PAYMENTS.c.status == PaymentStatus.CREATED.value,
                or_(
                    PAYMENTS.c.expires_at <= now,
                    and_(PAYMENTS.c.payment_url == "", PAYMENTS.c.created_at <= linkless_before),
                ),
            ),
        ),
    )


IN_THE_WAY = Query(
    select(PAYMENTS.c.id, PAYMENTS.c.order_id, PAYMENTS.c.acquirer, PAYMENTS.c.status).where(
        _in_the_way(bindparam("code"), bindparam("now"), bindparam("linkless_before"))
    )
)


@cache
def _opened_unless_in_the_way(columns: tuple[str, ...]) -> Query:
    """The new payment's row inserted in one statement, unless the code is paid here or an
    overdue page is in the way; nothing inserted either when the code has a live page (the
    partial unique index; the same ON CONFLICT DO NOTHING in SQLite and PostgreSQL)."""
    row = select(*(bindparam(name, type_=PAYMENTS.c[name].type) for name in columns))
    clear = ~exists().where(
        _in_the_way(
            bindparam("payment_code"), bindparam("created_at"), bindparam("linkless_before")
        )
    )
    inserted = postgresql.insert(PAYMENTS).from_select(columns, row.where(clear))
    return Query(inserted.on_conflict_do_nothing().returning(PAYMENTS.c.id))


PAID_HERE = Query(
    select(PAYMENTS.c.id)
    .where(
        PAYMENTS.c.payment_code == bindparam("code"),
        PAYMENTS.c.status == PaymentStatus.PAID.value,
    )
    .limit(1)
)
_THE_PAYMENT = update(PAYMENTS).where(PAYMENTS.c.id == bindparam("payment_id"))
SET_LINK = Query(_THE_PAYMENT.values(payment_url=bindparam("url"), updated_at=bindparam("now")))
CLOSE_UNOPENED = Query(
    _THE_PAYMENT.values(
        status=PaymentStatus.EXPIRED.value, decline_reason="checkout", updated_at=bindparam("now")
    )
)
# An overdue page out of the way, once the acquirer has been asked about it.
EXPIRE_UNSETTLED = Query(
    _THE_PAYMENT.where(PAYMENTS.c.status == PaymentStatus.CREATED.value).values(
        status=PaymentStatus.EXPIRED.value, updated_at=bindparam("now")
    )
)
# Pending payments of one acquirer not asked about lately, the least recently asked first;
# instances share them (SKIP LOCKED).
DUE_FOR_CHECK = (
    select(Payment)
    .where(
        Payment.status == PaymentStatus.CREATED,
        Payment.acquirer == bindparam("acquirer"),
        Payment.created_at <= bindparam("opened_before"),
        or_(Payment.reconcile_at.is_(None), Payment.reconcile_at <= bindparam("now")),
    )
    .order_by(Payment.reconcile_at.asc().nulls_first(), Payment.id)
    .limit(bindparam("batch"))
    .with_for_update(skip_locked=True)
)


RECEIPTS = Receipt.__table__


def _newest_receipt(condition: ColumnElement[bool]) -> Query:
    """A payment's columns, then its newest receipt's."""
    return Query(
        select(*PAYMENTS.c, *RECEIPTS.c)
        .join_from(PAYMENTS, RECEIPTS, RECEIPTS.c.payment_id == PAYMENTS.c.id)
        .where(condition)
        .order_by(RECEIPTS.c.id.desc())
        .limit(1)
    )


RECEIPT_FOR_CODE = _newest_receipt(PAYMENTS.c.payment_code == bindparam("key"))
RECEIPT_FOR_PAYMENT = _newest_receipt(PAYMENTS.c.id == bindparam("key"))
RECEIPT_BY_PUBLIC_ID = _newest_receipt(RECEIPTS.c.public_id == bindparam("key"))


class Payments:
    """Payments, their receipts and the acquirers' callbacks, as stored."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def paid_here(self, code: str) -> bool:
        """Whether we have taken the money for the code (the billing may not know yet)."""
        found = await read(self._sessions, lambda c: c.scalar(PAID_HERE, {"code": code}))
        return found is not None

    async def open_page(self, new: NewPayment, *, linkless_before: datetime) -> PageOpening:
        """The new payment, inserted in one statement unless something is in the way; only
        then is what was in the way read: the code paid here, an overdue page, or a live one
        (one a code)."""
        values = new.row()
        inserted = await execute(
            self._sessions,
            _opened_unless_in_the_way(tuple(values)),
            values | {"linkless_before": linkless_before},
        )
        if inserted:
            return PageOpening(Payment(id=inserted[0].id, **values))
        of_code = {
            "code": new.payment_code,
            "now": new.created_at,
            "linkless_before": linkless_before,
        }
        in_the_way = await read(self._sessions, lambda c: c.all(IN_THE_WAY, of_code))
        if any(page.status == PaymentStatus.PAID for page in in_the_way):
            return PageOpening(paid_here=True)
        if in_the_way:
            page = in_the_way[0]
            return PageOpening(overdue=OverduePage(page.id, page.order_id, page.acquirer))
        return PageOpening()  # the code has a live page

    async def expire_unsettled(self, payment_id: int) -> None:
        """An overdue page out of the way, unless something settled it meanwhile."""
        await execute(self._sessions, EXPIRE_UNSETTLED, {"payment_id": payment_id, "now": utcnow()})

    async def set_link(self, payment_id: int, url: str) -> None:
        await execute(
            self._sessions, SET_LINK, {"payment_id": payment_id, "url": url, "now": utcnow()}
        )

    async def close_unopened(self, payment_id: int) -> None:
        """The acquirer would not open the page: nobody can pay on it."""
        await execute(self._sessions, CLOSE_UNOPENED, {"payment_id": payment_id, "now": utcnow()})

    @asynccontextmanager
    async def locked_by_order(self, order_id: str) -> AsyncIterator[PaymentTurn]:
        """A transaction with the order's payment locked until it commits."""
        async with transaction(self._sessions) as session:
            payment = await session.scalar(PAYMENT_OF_ORDER, {"order_id": order_id})
            yield PaymentTurn(session, payment)

    @asynccontextmanager
    async def locked(self, payment_id: int) -> AsyncIterator[PaymentTurn]:
        """A transaction with the payment locked until it commits."""
        async with transaction(self._sessions) as session:
            payment = await session.get(Payment, payment_id, with_for_update=True)
            yield PaymentTurn(session, payment)

    @asynccontextmanager
    async def changing(self) -> AsyncIterator[PaymentTurn]:
        """A transaction for changes that must commit together."""
        async with transaction(self._sessions) as session:
            yield PaymentTurn(session)

    async def claim_due(
        self, acquirer: str, *, batch: int, now: datetime, opened_before: datetime, then: datetime
    ) -> list[Payment]:
        """Up to `batch` pending payments due a check with the acquirer, opened before
        `opened_before`; not due again until `then` (unless asked again sooner)."""
        due = {"acquirer": acquirer, "batch": batch, "now": now, "opened_before": opened_before}
        async with transaction(self._sessions) as session:
            payments = list(await session.scalars(DUE_FOR_CHECK, due))
            for payment in payments:
                payment.reconcile_at = then
        return payments

    async def live_page(self, code: str) -> Payment | None:
        async with reading(self._sessions) as session:
            return await session.scalar(
                select(Payment).where(
                    Payment.payment_code == code, Payment.status == PaymentStatus.CREATED
                )
            )

    async def by_order(self, order_id: str) -> Payment | None:
        async with reading(self._sessions) as session:
            return await session.scalar(select(Payment).where(Payment.order_id == order_id))

    async def get(self, payment_id: int) -> Payment | None:
        async with reading(self._sessions) as session:
            return await session.get(Payment, payment_id)

    async def settled_or_open(self, code: str, user_id: int) -> Payment | None:
        """The code's newest payment that is paid, or whose page this user opened and is
        still open."""
        now = utcnow()
        opened_here = (
            (Payment.status == PaymentStatus.CREATED)
            & (Payment.user_id == user_id)
            & (Payment.expires_at > now)
        )
        async with reading(self._sessions) as session:
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
        async with reading(self._sessions) as session:
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

    async def receipt_for_code(self, code: str) -> PaidPayment | None:
        return await self._receipt(RECEIPT_FOR_CODE, code)

    async def receipt_for_payment(self, payment_id: int) -> PaidPayment | None:
        return await self._receipt(RECEIPT_FOR_PAYMENT, payment_id)

    async def receipt_by_public_id(self, public_id: str) -> PaidPayment | None:
        return await self._receipt(RECEIPT_BY_PUBLIC_ID, public_id)

    async def _receipt(self, query: Query, key: object) -> PaidPayment | None:
        rows = await read(self._sessions, lambda c: c.all(query, {"key": key}))
        if not rows:
            return None
        paid, issued = rows[0][: len(PAYMENTS.c)], rows[0][len(PAYMENTS.c) :]
        return PaidPayment(
            Payment(**dict(zip(PAYMENTS.c.keys(), paid, strict=True))),
            Receipt(**dict(zip(RECEIPTS.c.keys(), issued, strict=True))),
        )

    async def history(self, user_id: int, *, offset: int, limit: int) -> HistoryPage:
        """The user's payments, newest first, a page of them, and how many there are."""
        async with reading(self._sessions) as session:
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
            return HistoryPage(list(page), total or 0)

    async def open_page_until(self, user_id: int) -> datetime | None:
        """Until when the last to close of this user's open payment pages stays open, if any."""
        now = utcnow()
        async with reading(self._sessions) as session:
            return await session.scalar(
                select(func.max(Payment.expires_at)).where(
                    Payment.user_id == user_id,
                    Payment.status == PaymentStatus.CREATED,
                    Payment.expires_at > now,
                )
            )
