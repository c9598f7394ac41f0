"""The outbox's claim: receipts ahead of background work, at a cost a backlog does not grow."""

import sqlite3

from sqlalchemy import event, insert

from payments.outbox import OUTBOX, OutboxWorker
from storage.db import create_engine, create_session_factory, migrate, transaction


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
    claims: list[tuple[str, tuple]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def keep(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        if statement.startswith("UPDATE outbox"):
            claims.append((statement, parameters))

    await worker._claim(20, urgent=False)
    await engine.dispose()
    ((statement, parameters),) = claims
    with sqlite3.connect(path) as connection:
        plan = " / ".join(
            row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
        )
    assert "USING INDEX ix_outbox_due" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
