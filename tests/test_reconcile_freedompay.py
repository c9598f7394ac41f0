"""Reconciliation with the Freedom Pay acquirer against the fake Freedom Pay server: ghost
payments (never registered), payments in 3-D Secure, error answers."""

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from core.statuses import PaymentStatus
from payments.acquirers import CheckoutRequest
from payments.acquirers.freedompay import FreedomPayAcquirer
from tests.fakes.freedompay import FakeFreedomPay
from tests.test_reconcile import (
    AFTER,
    AMOUNT,
    Clock,
    World,
    opened,
    outbox,
    payment,
    stuck_alerts,
    world_of,
)

MERCHANT, SECRET = "552233", "reconcile-secret"
OVERDUE = {"age": timedelta(minutes=45), "expires_in": -AFTER - timedelta(minutes=10)}


@pytest.fixture
async def fake() -> AsyncIterator[FakeFreedomPay]:
    async with FakeFreedomPay(MERCHANT, SECRET) as fake:
        yield fake


@pytest.fixture
async def world(database_url, fake) -> AsyncIterator[World]:
    clock = Clock()
    async with aiohttp.ClientSession() as http:
        acquirer = FreedomPayAcquirer(
            MERCHANT,
            SECRET,
            public_base="http://127.0.0.1:9",
            session=http,
            api_url=fake.base_url,
            clock=clock,
        )
        async with world_of(database_url, acquirer, clock) as world:
            yield world


async def registered(world: World, order_id: str, **times: timedelta) -> int:
    """A payment whose page Freedom Pay opened (init_payment.php reached it)."""
    request = CheckoutRequest(
        order_id=order_id,
        amount=AMOUNT,
        description="Оплата",
        language="ru",
        expires_at=world.clock.now + timedelta(minutes=30),
    )
    await world.acquirer.create_checkout(request)
    return await opened(world, order_id, **times)


async def test_a_ghost_payment_is_expired_once_overdue(world, fake):
    # Committed here, but the process died before init_payment.php reached Freedom Pay.
    await opened(world, "TG-GHOST", **OVERDUE)
    assert await world.reconciler().run_once() == 1
    assert (await payment(world, "TG-GHOST")).status == PaymentStatus.EXPIRED
    script, fields = fake.requests[-1]
    assert (script, fields["pg_order_id"]) == ("get_status3.php", "TG-GHOST")


async def test_an_error_answer_expires_nothing(world, fake):
    await registered(world, "TG-ASKED", **OVERDUE)
    fake.fail_status_next = "Платеж не найден"
    assert await world.reconciler().run_once() == 0
    stuck = await payment(world, "TG-ASKED")
    assert stuck.status == PaymentStatus.CREATED
    assert stuck_alerts(await outbox(world)) == [stuck.id]


@pytest.mark.parametrize("provider_status", ["pending", "process", "waiting", "partial"])
async def test_a_payment_in_progress_is_never_expired(world, fake, provider_status):
    payment_id = await registered(world, "TG-3DS", **OVERDUE)
    fake.status_override = provider_status
    assert await world.reconciler().run_once() == 0
    in_3ds = await payment(world, "TG-3DS")
    assert in_3ds.status == PaymentStatus.CREATED
    assert ("payment_expired", payment_id) not in [(k, p) for k, p, _ in await outbox(world)]
    assert stuck_alerts(await outbox(world)) == [payment_id]

    # The bank answered after all: the next check finds the payment paid.
    fake.status_override = None
    fake.payment_for_order("TG-3DS").status = "success"
    world.clock.advance(in_3ds.reconcile_at - world.clock.now)
    assert await world.reconciler().run_once() == 1
    assert (await payment(world, "TG-3DS")).status == PaymentStatus.PAID


async def test_a_payment_nobody_started_is_expired_at_its_deadline(world, fake):
    await registered(world, "TG-NEW", age=timedelta(minutes=30), expires_in=timedelta(0))
    assert fake.payment_for_order("TG-NEW").status == "new"
    assert await world.reconciler().run_once() == 1
    assert (await payment(world, "TG-NEW")).status == PaymentStatus.EXPIRED
