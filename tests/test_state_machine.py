"""A property-based state machine of payments: callbacks (paid, declined, repeated, forged),
status answers, expiry and user actions in any order. Invariants: states move forward only,
at most one receipt per payment, never paid without a verified statement of the acquirer,
amounts always equal to the invoice."""

import asyncio
import json
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select, update

from core.clock import utcnow
from core.money import Money
from core.statuses import PaymentStatus
from payments.acquirers import CallbackRejected
from payments.acquirers.sandbox import (
    APPROVE_CARD,
    DECLINE_CARD,
    SIGNATURE_HEADER,
    CardForm,
    SandboxAcquirer,
)
from payments.billing.local import LocalBilling
from payments.invoices import demo_invoices, save_invoices
from payments.outcomes import NotPayable
from payments.reconcile import Reconciler
from payments.service import PaymentService
from storage.db import create_engine, create_session_factory, migrate
from storage.models import OutboxMessage, Payment, Receipt
from storage.payments import Payments as PaymentRecords

CODES = [row.code for row in demo_invoices()[:3]]
# The test's own statement of "forward only", independent of core.statuses.
P = PaymentStatus
FORWARD = {P.CREATED: {P.PAID, P.DECLINED, P.EXPIRED}, P.DECLINED: {P.PAID}, P.EXPIRED: {P.PAID}}
FORWARD[P.PAID] = set()


def card(number: str) -> CardForm:
    form, _ = CardForm.parse(
        {"card_number": number, "expiry": "12/30", "cvc": "123", "holder": "A B"},
        utcnow().date(),
    )
    return form


class Payments(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = tempfile.TemporaryDirectory()
        self.engine = create_engine(f"sqlite+aiosqlite:///{Path(self.folder.name) / 'm.db'}")
        self.sessions = create_session_factory(self.engine)
        self.acquirer = SandboxAcquirer("http://127.0.0.1:1", "state-machine-secret")
        self.records = PaymentRecords(self.sessions)
        self.payments = PaymentService(
            self.records,
            LocalBilling(self.sessions),
            self.acquirer,
            lifetime=timedelta(hours=1),
        )
        self.reconciler = Reconciler(
            self.payments, self.records, self.acquirer, after=timedelta(0), interval_seconds=0
        )
        self.run(migrate(self.engine))
        self.run(save_invoices(self.sessions, demo_invoices()))
        self.orders: list[str] = []
        self.seen: dict[str, PaymentStatus] = {}  # the last status each payment was seen in
        self.verified: set[str] = set()  # orders the acquirer has made a signed statement on
        self.invoice = {row.code: row.amount for row in demo_invoices()}

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.run(self.engine.dispose())
        self.loop.close()
        self.folder.cleanup()

    @rule(code=st.sampled_from(CODES), user=st.integers(1, 3))
    def press_pay(self, code: str, user: int) -> None:
        try:
            started = self.run(
                self.payments.start_payment(
                    code=code, user_id=user, chat_id=user, language="ru", description=code
                )
            )
        except NotPayable:
            return
        except Exception as error:  # in progress elsewhere: another user holds the page
            assert type(error).__name__ == "PaymentInProgressElsewhere"
            return
        if started.payment.order_id not in self.orders:
            self.orders.append(started.payment.order_id)

    def _callback(self, order_id: str, number: str, amount: Money | None = None) -> bytes:
        payment = self.run(self.records.by_order(order_id))
        return self.acquirer.callback_body(order_id, amount or payment.money, card(number))

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), approve=st.booleans(), times=st.integers(1, 3))
    def signed_callback(self, data, approve: bool, times: int) -> None:
        order_id = data.draw(st.sampled_from(self.orders))
        body = self._callback(order_id, APPROVE_CARD if approve else DECLINE_CARD)
        for _ in range(times):  # the acquirer repeats itself
            notice = self.acquirer.parse_callback(
                body, {SIGNATURE_HEADER: self.acquirer.sign(body)}
            )
            self.run(self.payments.handle_callback(notice))
        self.verified.add(order_id)

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), tamper=st.sampled_from(["signature", "amount"]))
    def forged_callback(self, data, tamper: str) -> None:
        order_id = data.draw(st.sampled_from(self.orders))
        if tamper == "amount":
            body = self._callback(order_id, APPROVE_CARD, Money(1, "KGS"))
            notice = self.acquirer.parse_callback(
                body, {SIGNATURE_HEADER: self.acquirer.sign(body)}
            )
            self.run(self.payments.handle_callback(notice))
            return
        body = json.dumps({"order_id": order_id, "status": "approved"}).encode()
        try:
            self.acquirer.parse_callback(body, {SIGNATURE_HEADER: "0" * 64})
        except CallbackRejected:
            return
        raise AssertionError("a forged callback was accepted")

    @precondition(lambda self: self.orders)
    @rule()
    def reconcile(self) -> None:
        self.run(self.reconciler.run_once())

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def time_passes(self, data) -> None:
        order_id = data.draw(st.sampled_from(self.orders))

        async def expire_link() -> None:
            async with self.sessions() as session, session.begin():
                await session.execute(
                    update(Payment)
                    .where(Payment.order_id == order_id)
                    .values(expires_at=utcnow() - timedelta(seconds=1))
                )

        self.run(expire_link())

    async def _state(self):
        async with self.sessions() as session:
            payments = list(await session.scalars(select(Payment)))
            receipts = dict(
                (
                    await session.execute(
                        select(Receipt.payment_id, func.count()).group_by(Receipt.payment_id)
                    )
                ).all()
            )
            queued = dict(
                (
                    await session.execute(
                        select(OutboxMessage.payment_id, func.count())
                        .where(OutboxMessage.kind == "receipt")
                        .group_by(OutboxMessage.payment_id)
                    )
                ).all()
            )
            alerts = [
                payment_id
                for payment_id, payload in await session.execute(
                    select(OutboxMessage.payment_id, OutboxMessage.payload).where(
                        OutboxMessage.kind == "alert"
                    )
                )
                if payload.get("alert") == "double_payment"
            ]
        return payments, receipts, queued, alerts

    @invariant()
    def payments_keep_their_promises(self) -> None:
        payments, receipts, queued, alerts = self.run(self._state())
        for payment in payments:
            status = PaymentStatus(payment.status)
            before = self.seen.get(payment.order_id, PaymentStatus.CREATED)
            assert status == before or status in FORWARD[before], (before, status)
            self.seen[payment.order_id] = status
            assert payment.money == self.invoice[payment.payment_code]
            assert receipts.get(payment.id, 0) <= 1 and queued.get(payment.id, 0) <= 1
            if status is PaymentStatus.PAID:
                assert payment.order_id in self.verified
                assert receipts.get(payment.id) == 1 and queued.get(payment.id) == 1
        # A code paid twice (the acquirer took money on a declined or expired link after a new
        # one was paid) is recorded as it happened, and support is alerted to refund one.
        by_id = {p.id: p.payment_code for p in payments}
        for code in CODES:
            paid = [
                p for p in payments if p.payment_code == code and p.status == PaymentStatus.PAID
            ]
            alerted = [payment_id for payment_id in alerts if by_id.get(payment_id) == code]
            assert len(alerted) == max(0, len(paid) - 1), (code, len(paid), len(alerted))


Payments.TestCase.settings = settings(
    max_examples=120,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestPayments = Payments.TestCase
