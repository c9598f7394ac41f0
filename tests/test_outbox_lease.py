"""The outbox's lease: a slow delivery keeps its claim, a stale attempt never overwrites a
newer one's outcome, and a quick delivery pays nothing for either."""

import asyncio

from sqlalchemy import event, insert, select
from structlog.testing import capture_logs

from payments.outbox import GiveUp, OutboxWorker
from storage.db import create_engine, create_session_factory, migrate, transaction
from storage.direct import DirectConnection
from storage.models import OutboxMessage
from storage.outbox import OUTBOX


async def _one_receipt_queued(database_url: str):
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = create_session_factory(engine)
    async with transaction(sessions) as session:
        await session.execute(
            insert(OUTBOX), [{"kind": "receipt", "dedupe_key": "r", "chat_id": 1}]
        )
    return engine, sessions


async def _row(sessions) -> OutboxMessage:
    async with sessions() as session:
        return await session.scalar(select(OutboxMessage))


def _outbox_updates(engine, monkeypatch) -> list[str]:
    """The UPDATEs of the outbox run from now on, through SQLAlchemy or straight on the
    driver (storage.direct)."""
    statements: list[str] = []

    def keep(statement: str) -> None:
        if statement.startswith("UPDATE outbox"):
            statements.append(statement)

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def through_sqlalchemy(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        keep(statement)

    direct_sql = DirectConnection.sql

    async def straight(self, sql, args):
        keep(sql)
        return await direct_sql(self, sql, args)

    monkeypatch.setattr(DirectConnection, "sql", straight)
    return statements


async def test_a_delivery_longer_than_the_lease_is_not_taken_again(database_url, monkeypatch):
    """A PDF, the pacer's wait or a slow Telegram can outlast the lease: the claim is renewed
    while the handler runs, so another instance never takes the row meanwhile."""
    engine, sessions = await _one_receipt_queued(database_url)
    updates = _outbox_updates(engine, monkeypatch)
    delivered: list[int] = []

    async def slow(message: OutboxMessage) -> None:
        await asyncio.sleep(1.5)
        delivered.append(message.attempts)

    first, other = OutboxWorker(sessions, lease_seconds=0.6), OutboxWorker(sessions)
    first.register({"receipt": slow})
    try:
        [message] = await first._claim(1, urgent=True)
        delivering = asyncio.create_task(first._deliver(message))
        while not delivering.done():
            assert await other._claim(20, urgent=True) == []
            await asyncio.sleep(0.1)
        await delivering
        row = await _row(sessions)
    finally:
        await engine.dispose()
    assert delivered == [1]
    assert (row.status, row.attempts) == ("sent", 1)
    assert len(updates) >= 4  # the claim, renewals every 0.2 s, the outcome


async def test_a_stale_attempt_does_not_overwrite_a_newer_claim(database_url):
    """An attempt whose process stalled past its lease (no renewal got through) ends after
    a newer claim delivered the row: its outcome is not written, and nobody is alerted."""
    engine, sessions = await _one_receipt_queued(database_url)
    failed: list[int] = []

    async def on_failed(message: OutboxMessage, reason: str) -> None:
        failed.append(message.id)

    async def deliver(message: OutboxMessage) -> None:
        if message.attempts == 1:
            raise GiveUp("bad request: message is too long")

    worker = OutboxWorker(sessions, lease_seconds=0.1, on_failed=on_failed)
    worker.register({"receipt": deliver})
    try:
        [stale] = await worker._claim(1, urgent=True)
        await asyncio.sleep(0.2)
        [fresh] = await worker._claim(1, urgent=True)
        await worker._deliver(fresh)
        with capture_logs() as logs:
            await worker._deliver(stale)
        row = await _row(sessions)
    finally:
        await engine.dispose()
    assert (stale.attempts, fresh.attempts) == (1, 2)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    assert failed == []
    [lost] = [entry for entry in logs if entry["event"] == "outbox.lease_lost"]
    assert lost["outbox_id"] == row.id and lost["attempts"] == 1


async def test_a_quick_delivery_writes_only_its_claim_and_its_outcome(database_url, monkeypatch):
    engine, sessions = await _one_receipt_queued(database_url)
    updates = _outbox_updates(engine, monkeypatch)

    async def quick(message: OutboxMessage) -> None:
        return None

    worker = OutboxWorker(sessions, lease_seconds=0.3)
    worker.register({"receipt": quick})
    try:
        [message] = await worker._claim(1, urgent=True)
        await worker._deliver(message)
        await asyncio.sleep(0.3)  # past the first renewal point
        row = await _row(sessions)
    finally:
        await engine.dispose()
    assert row.status == "sent"
    claim, outcome, release = updates  # no renewal; the release is of what its chat had held
    assert "attempts=" in claim and "sent_at" in outcome and "WHERE outbox.chat_id" in release


async def test_a_stopping_worker_lets_a_delivery_under_way_finish(database_url):
    """Cut off after Telegram took the message, a receipt would be sent again after the
    restart: the worker waits for it (within a grace) and records it sent."""
    engine, sessions = await _one_receipt_queued(database_url)
    started = asyncio.Event()

    async def slow(message: OutboxMessage) -> None:
        started.set()
        await asyncio.sleep(0.5)

    worker = OutboxWorker(sessions, poll_seconds=0.05, stop_grace_seconds=5)
    worker.register({"receipt": slow})
    worker.start()
    try:
        await asyncio.wait_for(started.wait(), 5)
    finally:
        await worker.stop()
    assert (await _row(sessions)).status == "sent"
    await engine.dispose()


async def test_a_hold_for_a_chat_nobody_is_known_in_stays_held(database_url):
    """A forgotten user's chat: released at once, the message would be refused and held
    again, round and round."""
    from payments.outbox import Hold
    from storage.users import Users

    engine, sessions = await _one_receipt_queued(database_url)
    attempts: list[int] = []

    async def blocked(message: OutboxMessage) -> None:
        attempts.append(message.attempts)
        raise Hold("forbidden: bot was blocked by the user")

    worker = OutboxWorker(sessions, is_reachable=Users(sessions).is_reachable)
    worker.register({"receipt": blocked})
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0
    assert attempts == [1] and (await _row(sessions)).status == "held"
    await engine.dispose()
