"""Acquirer callbacks over HTTP: verified, recorded once, forward only, one receipt."""

import asyncio
import json

import aiohttp
import pytest
from sqlalchemy import func, select

from core.clock import utcnow
from core.money import Money
from payments.acquirers.sandbox import APPROVE_CARD, SIGNATURE_HEADER, CardForm
from storage.models import AcquirerCallback, OutboxMessage, Payment, Receipt
from storage.payments_turn import PaymentTurn
from tests.test_flow import CODE, l10n, payment_url, walk_to_bill


async def open_payment(harness, user_id: int) -> Payment:
    client = harness.client(user_id=user_id)
    await walk_to_bill(client, "ru")
    await client.click(l10n["ru"].plain("button-pay"))
    order_id = payment_url(client.last_text()).rsplit("/", 1)[1]
    return await harness.app.payment_records.by_order(order_id)


def signed_body(harness, payment: Payment, amount: Money | None = None) -> bytes:
    card, _ = CardForm.parse(
        {"card_number": APPROVE_CARD, "expiry": "12/30", "cvc": "123", "holder": "A B"},
        utcnow().date(),
    )
    amount = amount or payment.money
    return harness.app.acquirer.callback_body(payment.order_id, amount, card)


async def post_callback(harness, body: bytes, signature: str | None = None) -> int:
    url = f"http://127.0.0.1:{harness.port}/acquirer/sandbox/callback"
    headers = {SIGNATURE_HEADER: signature or harness.app.acquirer.sign(body)}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status


async def counts(harness) -> dict[str, int]:
    async with harness.app.sessions() as session:
        return {
            "receipts": await session.scalar(select(func.count()).select_from(Receipt)),
            "callbacks": await session.scalar(select(func.count()).select_from(AcquirerCallback)),
            "outbox": await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind != "alert")
            ),
            "paid": await session.scalar(
                select(func.count()).select_from(Payment).where(Payment.status == "paid")
            ),
        }


def receipts_sent(harness, user_id: int) -> int:
    return sum("SBX-" in (c.text or "") for c in harness.telegram.sent_messages(user_id))


async def test_duplicate_callbacks_give_one_receipt(harness):
    payment = await open_payment(harness, 8001)
    body = signed_body(harness, payment)
    assert [await post_callback(harness, body) for _ in range(3)] == [200, 200, 200]
    await harness.client(8001).wait_for(lambda text: "SBX-" in text)
    await asyncio.sleep(0.5)  # room for a second receipt, were one queued
    assert receipts_sent(harness, 8001) == 1
    assert await counts(harness) == {"receipts": 1, "callbacks": 1, "outbox": 3, "paid": 1}


async def test_concurrent_callbacks_give_one_receipt(harness):
    payment = await open_payment(harness, 8002)
    body = signed_body(harness, payment)
    statuses = await asyncio.gather(*(post_callback(harness, body) for _ in range(10)))
    assert set(statuses) == {200}
    await harness.client(8002).wait_for(lambda text: "SBX-" in text)
    await asyncio.sleep(0.5)
    assert receipts_sent(harness, 8002) == 1
    assert (await counts(harness))["receipts"] == 1


@pytest.mark.parametrize("attack", ["forged_signature", "wrong_amount", "unknown_order"])
async def test_unverified_callbacks_change_nothing(harness, attack):
    payment = await open_payment(harness, 8003)
    if attack == "forged_signature":
        body, signature = signed_body(harness, payment), "0" * 64
    elif attack == "wrong_amount":
        body = signed_body(harness, payment, Money(100, "KGS"))
        signature = None
    else:
        body = json.dumps(json.loads(signed_body(harness, payment)) | {"order_id": "TGX"}).encode()
        signature = None
    assert await post_callback(harness, body, signature) == 400
    await asyncio.sleep(0.3)
    assert await counts(harness) == {"receipts": 0, "callbacks": 0, "outbox": 0, "paid": 0}
    refreshed = await harness.app.payment_records.by_order(payment.order_id)
    assert refreshed.status == "created"
    assert receipts_sent(harness, 8003) == 0


async def test_a_declined_callback_after_paid_does_not_undo_it(harness):
    payment = await open_payment(harness, 8004)
    assert await post_callback(harness, signed_body(harness, payment)) == 200
    declined = json.loads(signed_body(harness, payment)) | {
        "status": "declined",
        "transaction_id": "SBX-LATE",
        "reason": "other",
    }
    assert await post_callback(harness, json.dumps(declined).encode()) == 200
    refreshed = await harness.app.payment_records.by_order(payment.order_id)
    assert refreshed.status == "paid"
    assert refreshed.payment_code == CODE


async def test_two_links_of_one_code_paid_at_once_raise_one_double_payment_alert(
    harness, monkeypatch
):
    """An expired link's late payment and the new link's, confirmed in the same instant:
    whichever commits second must see the first, so support can arrange the refund."""
    from datetime import timedelta

    from sqlalchemy import update

    first = await open_payment(harness, 8101)
    async with harness.app.sessions() as session, session.begin():
        await session.execute(update(Payment).values(expires_at=utcnow() - timedelta(minutes=1)))
    client = harness.client(user_id=8101)
    await client.click(l10n["ru"].plain("button-pay"))  # a new link for the same code
    order_id = payment_url(client.last_text()).rsplit("/", 1)[1]
    second = await harness.app.payment_records.by_order(order_id)
    assert second.order_id != first.order_id

    payments = harness.app.payments
    queue, paused, go_on = PaymentTurn.queue, asyncio.Event(), asyncio.Event()

    async def first_waits_before_commit(turn, payment, *kinds):
        if payment.id == first.id and "receipt" in kinds:
            paused.set()
            await go_on.wait()
        await queue(turn, payment, *kinds)

    monkeypatch.setattr(PaymentTurn, "queue", first_waits_before_commit)

    def notice(payment):
        body = signed_body(harness, payment)
        return harness.app.acquirer.parse_callback(
            body, {SIGNATURE_HEADER: harness.app.acquirer.sign(body)}
        )

    one = asyncio.create_task(payments.handle_callback(notice(first)))
    await paused.wait()
    other = asyncio.create_task(payments.handle_callback(notice(second)))
    await asyncio.sleep(0.5)  # the second goes as far as it may while the first is open
    go_on.set()
    await asyncio.gather(one, other)
    async with harness.app.sessions() as session:
        alerts = [
            payload
            for (payload,) in await session.execute(
                select(OutboxMessage.payload).where(OutboxMessage.kind == "alert")
            )
            if payload.get("alert") == "double_payment"
        ]
    assert len(alerts) == 1
