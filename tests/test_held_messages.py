"""Messages held for a closed chat: they keep no other message waiting, and they go once the
chat is open again, whoever its user is and whatever is stored about them."""

import asyncio

from sqlalchemy import delete, insert, select

from payments.outbox import OutboxWorker
from storage.db import create_engine, create_session_factory, migrate, transaction
from storage.models import OutboxMessage, User
from storage.outbox import OUTBOX
from tests.test_callbacks import open_payment, post_callback, receipts_sent, signed_body
from tests.test_outbox import eventually


async def _statuses(sessions) -> dict[str, str]:
    async with sessions() as session:
        rows = await session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.status))
    return {key: status for key, status in rows}


async def test_a_held_message_keeps_no_later_one_waiting_and_goes_after_it(database_url):
    """A receipt held for a chat, then a second payment's receipt for it: the second is
    delivered (the chat is open again), and its delivery releases the first."""
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = create_session_factory(engine)
    async with transaction(sessions) as session:
        await session.execute(
            insert(OUTBOX),
            [
                {"kind": "receipt", "dedupe_key": "first", "chat_id": 7, "status": "held"},
                {"kind": "receipt", "dedupe_key": "second", "chat_id": 7, "status": "pending"},
            ],
        )
    delivered: list[str] = []

    async def receipt(message: OutboxMessage) -> None:
        delivered.append(message.dedupe_key)

    worker = OutboxWorker(sessions)
    worker.register({"receipt": receipt})
    try:
        assert await worker.run_once() == 1
        assert await _statuses(sessions) == {"first": "pending", "second": "sent"}
        assert await worker.run_once() == 1
        assert delivered == ["second", "first"]
        assert await _statuses(sessions) == {"first": "sent", "second": "sent"}
    finally:
        await engine.dispose()


async def test_a_user_with_no_stored_row_gets_the_held_receipt_when_back(harness):
    """The user typed a code before choosing a language (no user row), blocked the bot before
    the callback came: nothing could mark them unreachable, and writing again releases the
    receipt all the same."""
    app = harness.app
    payment = await open_payment(harness, 6900)
    async with transaction(app.sessions) as session:
        await session.execute(delete(User).where(User.id == 6900))
    app.users._profiles.drop(6900)
    harness.telegram.fail_next("sendMessage", status=403)
    assert await post_callback(harness, signed_body(harness, payment)) == 200

    async def held() -> bool:
        return (await _statuses(app.sessions)).get(f"receipt:{payment.id}") == "held"

    assert await eventually(held)
    await asyncio.sleep(0.3)  # the hold is final: nothing releases it on its own
    assert await held() and receipts_sent(harness, 6900) == 0
    client = harness.client(6900)
    await client.send("/help")  # unblocked and wrote again
    await client.wait_for(lambda text: "SBX-" in text)
    assert receipts_sent(harness, 6900) == 1
