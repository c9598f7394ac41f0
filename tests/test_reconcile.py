"""Reconciliation against a scripted acquirer, on SQLite and PostgreSQL: which payments are
asked about and when, and what each kind of answer does to them (payments/reconcile.py)."""

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from core.clock import utcnow
from core.money import Money
from core.statuses import PaymentStatus
from payments.acquirers import (
    Acquirer,
    AcquirerError,
    CallbackAnswer,
    CallbackNotice,
    OrderStatus,
    UnknownOrder,
)
from payments.billing.local import LocalBilling
from payments.reconcile import Reconciler
from payments.service import PaymentService
from storage.db import SessionFactory, create_engine, create_session_factory, migrate
from storage.models import OutboxMessage, Payment
from storage.payments import Payments
from storage.payments_turn import PAYMENTS

AFTER = timedelta(minutes=5)  # RECONCILE_AFTER_MINUTES
INTERVAL = 60  # RECONCILE_INTERVAL_SECONDS
AMOUNT = Money(125000, "KGS")
IN_PROGRESS = OrderStatus(in_progress=True)
NO_OUTCOME = OrderStatus()


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class ScriptedAcquirer:
    """Answers status requests from `answers` (an OrderStatus, or an exception to raise)."""

    name = "scripted"

    def __init__(self) -> None:
        self.answers: dict[str, OrderStatus | Exception] = {}
        self.asked: list[str] = []

    async def get_status(self, order_id: str) -> OrderStatus:
        self.asked.append(order_id)
        answer = self.answers.get(order_id, NO_OUTCOME)
        if isinstance(answer, Exception):
            raise answer
        return answer


@dataclass
class World:
    sessions: SessionFactory
    clock: Clock
    acquirer: Acquirer
    payments: PaymentService
    records: Payments

    def reconciler(self, batch: int = 50, after: timedelta = AFTER) -> Reconciler:
        return Reconciler(
            self.payments,
            self.records,
            self.acquirer,
            after=after,
            interval_seconds=INTERVAL,
            batch=batch,
            clock=self.clock,
        )


@asynccontextmanager
async def world_of(database_url: str, acquirer: Acquirer, clock: Clock) -> AsyncIterator[World]:
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = create_session_factory(engine)
    records = Payments(sessions)
    payments = PaymentService(
        records, LocalBilling(sessions), acquirer, lifetime=timedelta(minutes=30)
    )
    try:
        yield World(sessions, clock, acquirer, payments, records)
    finally:
        await engine.dispose()


@pytest.fixture
async def world(database_url) -> AsyncIterator[World]:
    async with world_of(database_url, ScriptedAcquirer(), Clock()) as world:
        yield world


_codes = itertools.count(100000000001)


async def opened(
    world: World,
    order_id: str,
    *,
    age: timedelta,
    expires_in: timedelta,
    asked_ago: timedelta | None = None,
    acquirer: str | None = None,
) -> int:
    """A pending payment opened `age` ago; `asked_ago`: last asked about then (else never)."""
    now = world.clock.now
    values = {
        "order_id": order_id,
        "payment_code": str(next(_codes)),
        "user_id": 7001,
        "chat_id": 7001,
        "language": "ru",
        "service": "id_card_2017",
        "payer_name": "ASANOV ASAN",
        "amount_minor": AMOUNT.minor,
        "currency": AMOUNT.currency,
        "status": PaymentStatus.CREATED,
        "acquirer": acquirer or world.acquirer.name,
        "payment_url": f"https://pay.example/{order_id}",
        "expires_at": now + expires_in,
        "created_at": now - age,
        "updated_at": now - age,
        "reconcile_at": None if asked_ago is None else now - asked_ago,
    }
    async with world.sessions() as session, session.begin():
        return await session.scalar(insert(PAYMENTS).values(values).returning(PAYMENTS.c.id))


async def payment(world: World, order_id: str) -> Payment:
    return await world.records.by_order(order_id)


async def outbox(world: World) -> list[tuple[str, int | None, dict]]:
    async with world.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.kind, OutboxMessage.payment_id, OutboxMessage.payload)
        )
        return [(kind, payment_id, payload) for kind, payment_id, payload in rows]


def paid(order_id: str) -> CallbackNotice:
    return CallbackNotice(
        order_id=order_id,
        status=PaymentStatus.PAID,
        amount=AMOUNT,
        transaction_id=f"T-{order_id}",
        dedupe_key=f"paid:{order_id}",
    )


def stuck_alerts(messages) -> list[int | None]:
    return [
        payment_id
        for kind, payment_id, payload in messages
        if kind == "alert" and payload.get("alert") == "payment_stuck"
    ]


# --------------------------------------------------------------------------------------------
# Fair claims and backoff


async def test_payments_the_acquirer_cannot_answer_do_not_starve_newer_ones(world):
    """A batch of payments the acquirer answers with an error for is due again every cycle;
    a newer payment whose callback was lost must still be asked about and settled."""
    reconciler = world.reconciler(batch=2)
    for ghost in ("TG-GHOST-1", "TG-GHOST-2"):
        await opened(world, ghost, age=timedelta(minutes=40), expires_in=timedelta(minutes=-10))
        world.acquirer.answers[ghost] = AcquirerError("get_status3.php: error 400: unreadable")
    await opened(world, "TG-LOST", age=timedelta(minutes=6), expires_in=timedelta(minutes=24))
    world.acquirer.answers["TG-LOST"] = OrderStatus(outcome=paid("TG-LOST"))

    for _ in range(5):
        await reconciler.run_once()
        world.clock.advance(timedelta(seconds=INTERVAL))

    assert "TG-LOST" in world.acquirer.asked
    assert (await payment(world, "TG-LOST")).status == PaymentStatus.PAID


async def test_the_least_recently_asked_are_claimed_first(world):
    reconciler = world.reconciler(batch=2)
    for order_id in ("TG-A", "TG-B"):
        await opened(
            world,
            order_id,
            age=timedelta(minutes=20),
            expires_in=timedelta(minutes=10),
            asked_ago=timedelta(seconds=1),
        )
    await opened(
        world,
        "TG-C",
        age=timedelta(minutes=20),
        expires_in=timedelta(minutes=10),
        asked_ago=timedelta(minutes=2),
    )
    await opened(world, "TG-NEVER", age=timedelta(minutes=6), expires_in=timedelta(minutes=24))
    await reconciler.run_once()
    assert world.acquirer.asked == ["TG-NEVER", "TG-C"]


@pytest.mark.parametrize(
    ("age", "backoff"),
    [
        (timedelta(minutes=2), timedelta(seconds=INTERVAL)),  # never more often than the interval
        (timedelta(minutes=40), timedelta(minutes=10)),  # a quarter of the payment's age
        (timedelta(hours=10), timedelta(hours=1)),  # capped
    ],
)
async def test_a_failed_status_request_backs_off(world, age, backoff):
    reconciler = world.reconciler(after=timedelta(0))
    await opened(world, "TG-DOWN", age=age, expires_in=timedelta(minutes=30) - age)
    world.acquirer.answers["TG-DOWN"] = AcquirerError("get_status3.php: TimeoutError")

    await reconciler.run_once()
    asked_at = world.clock.now
    assert (await payment(world, "TG-DOWN")).reconcile_at == asked_at + backoff

    world.clock.advance(backoff - timedelta(seconds=1))
    await reconciler.run_once()
    assert world.acquirer.asked == ["TG-DOWN"]
    world.clock.advance(timedelta(seconds=1))
    await reconciler.run_once()
    assert world.acquirer.asked == ["TG-DOWN", "TG-DOWN"]


async def test_a_pending_payment_with_no_outcome_is_asked_every_interval(world):
    reconciler = world.reconciler()
    await opened(world, "TG-OPEN", age=timedelta(minutes=20), expires_in=timedelta(minutes=10))
    await reconciler.run_once()
    world.clock.advance(timedelta(seconds=INTERVAL))
    await reconciler.run_once()
    assert world.acquirer.asked == ["TG-OPEN", "TG-OPEN"]


# --------------------------------------------------------------------------------------------
# What each answer does


async def test_an_order_the_acquirer_does_not_know_is_expired_once_overdue(world):
    """The process died between committing the payment and init_payment reaching Freedom Pay:
    nobody can pay it, so once past its expiry and the reconciliation delay it is expired."""
    reconciler = world.reconciler()
    await opened(world, "TG-GONE", age=timedelta(minutes=40), expires_in=-AFTER)
    await opened(world, "TG-LATE", age=timedelta(minutes=31), expires_in=timedelta(minutes=-1))
    await opened(world, "TG-FRESH", age=timedelta(minutes=6), expires_in=timedelta(minutes=24))
    for order_id in ("TG-GONE", "TG-LATE", "TG-FRESH"):
        world.acquirer.answers[order_id] = UnknownOrder("get_status3.php: no such payment")

    assert await reconciler.run_once() == 1
    gone = await payment(world, "TG-GONE")
    assert gone.status == PaymentStatus.EXPIRED
    assert ("payment_expired", gone.id) in [(kind, pid) for kind, pid, _ in await outbox(world)]
    for order_id in ("TG-LATE", "TG-FRESH"):  # Freedom Pay may not have recorded it yet
        waiting = await payment(world, order_id)
        assert waiting.status == PaymentStatus.CREATED
        assert waiting.reconcile_at > world.clock.now + timedelta(seconds=INTERVAL)
    assert stuck_alerts(await outbox(world)) == []

    # core/statuses.py: EXPIRED -> PAID. Should the acquirer take the money after all, its
    # verified callback still yields the receipt.
    result = await world.payments.handle_callback(paid("TG-GONE"))
    assert (result.answer, result.outcome) == (CallbackAnswer.ACCEPTED, "paid")
    assert (await payment(world, "TG-GONE")).status == PaymentStatus.PAID


async def test_errors_never_expire_a_payment_and_support_is_told_once(world):
    reconciler = world.reconciler()
    await opened(world, "TG-ERR", age=timedelta(hours=30), expires_in=timedelta(hours=-29))
    world.acquirer.answers["TG-ERR"] = AcquirerError("get_status3.php: error 9998: unsigned")
    for _ in range(4):
        assert await reconciler.run_once() == 0
        world.clock.advance(timedelta(hours=1))
    assert world.acquirer.asked == ["TG-ERR"] * 4
    stuck = await payment(world, "TG-ERR")
    assert stuck.status == PaymentStatus.CREATED
    assert stuck_alerts(await outbox(world)) == [stuck.id]


async def test_a_payment_in_progress_at_its_deadline_is_not_expired(world):
    """3-D Secure at the deadline: the money may be taken. Keep asking, never expire."""
    reconciler = world.reconciler()
    await opened(world, "TG-3DS", age=timedelta(minutes=31), expires_in=timedelta(minutes=-1))
    world.acquirer.answers["TG-3DS"] = IN_PROGRESS

    assert await reconciler.run_once() == 0
    in_3ds = await payment(world, "TG-3DS")
    assert in_3ds.status == PaymentStatus.CREATED
    assert in_3ds.reconcile_at > world.clock.now + timedelta(seconds=INTERVAL)  # backed off
    assert await outbox(world) == []  # no "expired, get a new link", no alert yet

    world.clock.advance(in_3ds.reconcile_at - world.clock.now)
    world.acquirer.answers["TG-3DS"] = OrderStatus(outcome=paid("TG-3DS"))
    assert await reconciler.run_once() == 1
    assert (await payment(world, "TG-3DS")).status == PaymentStatus.PAID


async def test_support_is_told_of_a_payment_in_progress_long_after_its_expiry(world):
    reconciler = world.reconciler()
    await opened(world, "TG-HUNG", age=timedelta(minutes=50), expires_in=timedelta(minutes=-20))
    world.acquirer.answers["TG-HUNG"] = IN_PROGRESS
    for _ in range(3):
        assert await reconciler.run_once() == 0
        world.clock.advance(timedelta(hours=1))
    hung = await payment(world, "TG-HUNG")
    assert hung.status == PaymentStatus.CREATED
    assert stuck_alerts(await outbox(world)) == [hung.id]
    (alert,) = [payload for kind, _, payload in await outbox(world) if kind == "alert"]
    assert (alert["order_id"], alert["minutes"]) == ("TG-HUNG", 50)


async def test_a_payment_with_no_outcome_is_expired_at_its_deadline(world):
    reconciler = world.reconciler()
    await opened(world, "TG-IDLE", age=timedelta(minutes=30), expires_in=timedelta(0))
    assert await reconciler.run_once() == 1
    assert (await payment(world, "TG-IDLE")).status == PaymentStatus.EXPIRED


async def test_only_the_reconcilers_own_acquirer_is_asked(world):
    reconciler = world.reconciler()
    await opened(
        world,
        "TG-OTHER",
        age=timedelta(minutes=40),
        expires_in=timedelta(minutes=-10),
        acquirer="sandbox",
    )
    assert await reconciler.run_once() == 0
    assert world.acquirer.asked == []
