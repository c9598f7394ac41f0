"""The outbox's claim: receipts ahead of background work, at a cost a backlog does not grow;
a receipt held for a user who came back meanwhile; billing confirmations never dropped."""

import asyncio
import sqlite3
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update

from core.clock import utcnow
from payments.billing import BillingUnavailable, PaidConfirmation
from payments.outbox import OutboxWorker, RetryLater
from storage.db import create_engine, create_session_factory, migrate, transaction
from storage.models import OutboxMessage, User
from storage.outbox import CLAIM, OUTBOX
from tests.test_callbacks import open_payment, post_callback, receipts_sent, signed_body

SUPPORT_CHAT = -100123


async def _outbox_with_a_backlog(database_url: str, background: int):
    """`background` PDFs and billing confirmations due, then one receipt, queued last."""
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = create_session_factory(engine)
    rows = [
        {"kind": "billing_confirm", "dedupe_key": f"billing_confirm:{i}", "chat_id": None}
        for i in range(background)
    ]
    rows.append({"kind": "receipt", "dedupe_key": "receipt:1", "chat_id": 1})
    async with transaction(sessions) as session:
        await session.execute(insert(OUTBOX), rows)
    return engine, OutboxWorker(sessions, batch=20)


async def test_a_receipt_is_claimed_ahead_of_a_background_backlog(database_url):
    engine, worker = await _outbox_with_a_backlog(database_url, background=300)
    urgent = await worker._claim(20, urgent=True)
    background = await worker._claim(20, urgent=False)
    await engine.dispose()
    assert [(m.kind, m.chat_id, m.attempts) for m in urgent] == [("receipt", 1, 1)]
    assert len(background) == 20
    assert {m.kind for m in background} == {"billing_confirm"}
    assert [m.id for m in background] == list(range(1, 21))  # the oldest first


async def test_a_claim_walks_its_lane_by_index_and_stops_at_the_batch(tmp_path):
    """SQLite's plan for the claim: the due index in claim order, no sort of every due row,
    so a claim costs the same behind ten queued rows or ten thousand."""
    path = tmp_path / "outbox.sqlite3"
    engine, worker = await _outbox_with_a_backlog(f"sqlite+aiosqlite:///{path}", background=50)
    params = {"lane_urgent": False, "now": utcnow(), "limit": 20, "leased_until": utcnow()}
    claim = CLAIM.compiled(engine.dialect, params)  # the SQL the worker's claim runs
    assert len(await worker._claim(20, urgent=False)) == 20
    await engine.dispose()
    with sqlite3.connect(path) as connection:
        explained = connection.execute(f"EXPLAIN QUERY PLAN {claim.sql}", claim.arguments(params))
        plan = " / ".join(row[3] for row in explained)
    assert "USING INDEX ix_outbox_due" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


async def eventually(check, timeout: float = 10.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def _outbox_row(sessions, kind: str) -> OutboxMessage:
    async with sessions() as session:
        return await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == kind))


async def test_a_user_back_before_their_receipt_is_held_gets_it(harness, monkeypatch):
    """The user unblocks the bot and writes to it between the receipt's 403 marking them
    unreachable and the outbox recording the hold: the middleware's release finds nothing held
    yet and clears the mark, so nothing else would ever release the receipt."""
    app = harness.app
    payment = await open_payment(harness, 6700)
    client = harness.client(6700)
    mark_unreachable = app.users.mark_unreachable
    between: list[tuple[str, datetime | None]] = []  # the receipt and the user, once back

    async def and_back_at_once(chat_id: int) -> None:
        await mark_unreachable(chat_id)
        await client.send("/help")  # the middleware releases what is held: nothing yet
        async with app.sessions() as session:
            user = await session.get(User, 6700)
        between.append(((await _outbox_row(app.sessions, "receipt")).status, user.unreachable_at))

    monkeypatch.setattr(app.users, "mark_unreachable", and_back_at_once)
    harness.telegram.fail_next("sendMessage", status=403)
    assert await post_callback(harness, signed_body(harness, payment)) == 200
    await client.wait_for(lambda text: "SBX-" in text, timeout=10)
    assert between == [("pending", None)]
    assert receipts_sent(harness, 6700) == 1


async def test_a_billing_confirmation_is_retried_until_accepted(harness, monkeypatch):
    """Money was taken: the billing must be told however long it is down. Support hears of it
    once, when the confirmation has failed max_attempts times, and the retries go on."""
    await harness.stop()
    app = await harness.start(support_chat_id=SUPPORT_CHAT, support_language="en")
    payment = await open_payment(harness, 6800)
    billing_up = asyncio.Event()
    confirm_paid = app.billing.confirm_paid

    async def down_until_up(confirmation: PaidConfirmation) -> None:
        if not billing_up.is_set():
            raise BillingUnavailable("confirmation answered 503")
        await confirm_paid(confirmation)

    async def confirmation_failed(attempts: int) -> bool:
        row = await _outbox_row(app.sessions, "billing_confirm")
        return row is not None and row.attempts == attempts and row.last_error is not None

    async def due_again(**values) -> None:
        async with transaction(app.sessions) as session:
            await session.execute(
                update(OUTBOX)
                .where(OUTBOX.c.kind == "billing_confirm")
                .values(available_at=utcnow(), last_error=None, **values)
            )
        app.outbox.wake()

    monkeypatch.setattr(app.billing, "confirm_paid", down_until_up)
    assert await post_callback(harness, signed_body(harness, payment)) == 200
    assert await eventually(lambda: confirmation_failed(1))
    await due_again(attempts=29)  # down for three and a half hours
    assert await eventually(lambda: confirmation_failed(30))
    await due_again()
    assert await eventually(lambda: confirmation_failed(31))
    await due_again(attempts=5000)  # down for weeks: the backoff stays at ten minutes
    assert await eventually(lambda: confirmation_failed(5001))
    row = await _outbox_row(app.sessions, "billing_confirm")
    assert row.status == "pending"
    wait = row.available_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
    assert timedelta(seconds=590) < wait <= timedelta(seconds=600)

    async def alerted() -> bool:
        return bool(harness.telegram.sent_messages(SUPPORT_CHAT))

    assert await eventually(alerted)
    async with app.sessions() as session:
        alert_keys = list(
            await session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "alert")
            )
        )
    assert alert_keys == [f"alert:billing_unconfirmed:{row.id}"]
    [alert] = harness.telegram.sent_messages(SUPPORT_CHAT)
    assert "The billing has not confirmed a paid payment" in alert.text
    assert payment.order_id in alert.text and "confirmation answered 503" in alert.text

    async def confirmed() -> bool:
        return (await _outbox_row(app.sessions, "billing_confirm")).status == "sent"

    billing_up.set()
    await due_again()
    assert await eventually(confirmed)


async def test_receipts_are_still_given_up_after_max_attempts(database_url):
    """What is kept for billing confirmations only: a receipt failing max_attempts times is
    given up (and support told), a confirmation failing as often is tried again."""
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = create_session_factory(engine)
    rows = [
        {"kind": kind, "dedupe_key": kind, "chat_id": chat_id, "attempts": 2}
        for kind, chat_id in (("receipt", 1), ("billing_confirm", None))
    ]
    async with transaction(sessions) as session:
        await session.execute(insert(OUTBOX), rows)
    told: list[tuple[str, str]] = []

    async def on_failed(message: OutboxMessage, reason: str) -> None:
        told.append((message.kind, reason))

    async def unavailable(message: OutboxMessage) -> None:
        raise RetryLater("unavailable")

    worker = OutboxWorker(
        sessions, max_attempts=3, until_delivered={"billing_confirm"}, on_failed=on_failed
    )
    worker.register({"receipt": unavailable, "billing_confirm": unavailable})
    try:
        assert await worker.run_once() == 2
        receipt = await _outbox_row(sessions, "receipt")
        confirmation = await _outbox_row(sessions, "billing_confirm")
    finally:
        await engine.dispose()
    assert (receipt.status, receipt.attempts) == ("failed", 3)
    assert (confirmation.status, confirmation.attempts) == ("pending", 3)
    assert sorted(told) == [("billing_confirm", "unavailable"), ("receipt", "unavailable")]
