"""Queries run straight on the driver (storage.direct) give and take the same values as
SQLAlchemy's own execution, undo what failed, and name the driver's errors as SQLAlchemy does,
on both databases."""

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.exc import DatabaseError, IntegrityError

from core.clock import utcnow
from core.money import Money
from storage.db import create_engine, create_session_factory, migrate, reading
from storage.direct import DirectConnection, Query, execute, read, write
from storage.models import FsmRecord, Payment, User
from storage.payments import PAID_HERE, Payments
from storage.payments_results import NewPayment, PageOpening

USERS = User.__table__
FSM = FsmRecord.__table__
PROFILE = Query(
    select(USERS.c.id, USERS.c.language, USERS.c.created_at).where(USERS.c.id == bindparam("id"))
)
NEW_USER = Query(insert(USERS))
NEW_RECORD = Query(insert(FSM))
RECORD = Query(select(FSM.c.state, FSM.c.data).where(FSM.c.key == bindparam("key")))


def user(user_id: int, **values: object) -> dict[str, object]:
    now = utcnow()
    return {
        "id": user_id,
        "chat_id": user_id,
        "language": "ky",
        "created_at": now,
        "updated_at": now,
    } | values


async def test_values_go_in_and_come_back_as_sqlalchemy_gives_them(sessions):
    written = datetime(2026, 12, 3, 23, 30, 0, 123456, tzinfo=UTC)
    data = {"code": "112026117919", "nested": [1, None, "кыргыз"]}

    async def insert_both(c: DirectConnection) -> None:
        await c.all(NEW_USER, user(1, created_at=written))
        await c.all(
            NEW_RECORD, {"key": "k", "state": "PayFlow:code", "data": data, "updated_at": written}
        )

    await write(sessions, insert_both)
    row = await read(sessions, lambda c: c.first(PROFILE, {"id": 1}))
    assert (row.id, row.language, row.created_at) == (1, "ky", written)
    assert row.created_at.tzinfo is not None
    record = await read(sessions, lambda c: c.first(RECORD, {"key": "k"}))
    assert record.state == "PayFlow:code" and record.data == data
    async with reading(sessions) as session:  # what the ORM reads is the same
        stored = await session.get(User, 1)
        assert stored is not None and stored.created_at == written
    assert await read(sessions, lambda c: c.first(PROFILE, {"id": 2})) is None
    assert await read(sessions, lambda c: c.scalar(PROFILE, {"id": 1})) == 1


async def test_a_failed_write_is_undone_whole(sessions):
    async def half_then_fail(c: DirectConnection) -> None:
        await c.all(NEW_USER, user(3))
        await c.all(NEW_USER, user(3))  # the same primary key

    with pytest.raises(IntegrityError):
        await write(sessions, half_then_fail)
    assert await read(sessions, lambda c: c.first(PROFILE, {"id": 3})) is None
    await write(sessions, lambda c: c.all(NEW_USER, user(3)))  # the connection is usable again
    assert (await read(sessions, lambda c: c.first(PROFILE, {"id": 3}))).id == 3


async def test_a_statement_the_database_refuses_is_a_database_error(sessions):
    broken = Query(select(USERS.c.id).where(USERS.c.id == bindparam("id")).limit(bindparam("n")))
    with pytest.raises(DatabaseError):
        await read(sessions, lambda c: c.all(broken, {"id": 1, "n": "many"}))
    assert await read(sessions, lambda c: c.all(PROFILE, {"id": 1})) == []


async def test_an_insert_needing_python_defaults_is_refused(sessions):
    # Payment.status and the timestamps have defaults computed in Python, not given here.
    now = utcnow()
    partial = {
        "order_id": "TG1",
        "payment_code": "1",
        "language": "ru",
        "service": "meken-card",
        "payer_name": "X",
        "amount_minor": 1,
        "currency": "KGS",
        "acquirer": "sandbox",
        "payment_url": "",
        "expires_at": now + timedelta(minutes=30),
    }
    with pytest.raises(ValueError, match="every column"):
        await write(sessions, lambda c: c.all(Query(insert(Payment.__table__)), partial))


@pytest.mark.parametrize(
    "dialect", [sqlite.dialect(), asyncpg.dialect()], ids=["sqlite", "postgresql"]
)
def test_only_the_named_parameters_are_bound(dialect):
    """A status the statement looks for is written into its SQL: a value bound where it could
    choose a partial index makes SQLite prepare the statement again on every run."""
    compiled = PAID_HERE.compiled(dialect, {})
    assert "'paid'" in compiled.sql
    assert compiled.names[0] == "code" and "paid" not in compiled.fixed.values()


async def test_a_second_page_for_a_code_with_a_live_one_is_not_opened(sessions):
    payments = Payments(sessions)
    now = utcnow()

    def page(order_id: str) -> NewPayment:
        return NewPayment(
            order_id=order_id,
            payment_code="112026117919",
            user_id=1,
            chat_id=1,
            language="ru",
            service="meken-card",
            payer_name="B*** U***",
            amount=Money(300000, "KGS"),
            acquirer="sandbox",
            expires_at=now + timedelta(minutes=30),
            created_at=now,
        )

    first = await payments.open_page(page("TG1"), linkless_before=now - timedelta(seconds=30))
    assert first.payment is not None and first.payment.id > 0
    second = await payments.open_page(page("TG2"), linkless_before=now - timedelta(seconds=30))
    assert second == PageOpening()  # the live page is the code's one
    overdue = await payments.open_page(page("TG3"), linkless_before=now + timedelta(seconds=1))
    assert overdue.overdue is not None and overdue.overdue.order_id == "TG1"  # still linkless


async def test_sqlite_reads_and_lone_statements_go_around_the_pool(tmp_path):
    """On SQLite they run on a connection of their own: a read is not queued behind a session
    holding the pool's one connection, and while a lone write waits for another process's
    write lock, reads go on (on the pool's connection) and the write lands once it is free."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    await migrate(engine)
    sessions = create_session_factory(engine)
    await write(sessions, lambda c: c.all(NEW_USER, user(1)))
    async with reading(sessions) as session:  # the pool's only connection, checked out
        assert await session.get(User, 1) is not None
        row = await asyncio.wait_for(read(sessions, lambda c: c.first(PROFILE, {"id": 1})), 5)
        assert row.language == "ky"

    other_process = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")
    lone_write = asyncio.create_task(execute(sessions, NEW_USER, user(2)))
    await asyncio.sleep(0.3)
    assert not lone_write.done()  # waiting for the lock, in a worker thread
    row = await asyncio.wait_for(read(sessions, lambda c: c.first(PROFILE, {"id": 1})), 5)
    assert row.id == 1
    other_process.execute("COMMIT")
    await asyncio.wait_for(lone_write, 5)
    assert await read(sessions, lambda c: c.first(PROFILE, {"id": 2})) is not None
    other_process.close()
    await engine.dispose()


async def test_a_transaction_begun_on_sqlites_lane_by_mistake_is_not_left_open(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    await migrate(engine)
    sessions = create_session_factory(engine)
    await read(sessions, lambda c: c.command("BEGIN"))
    await execute(sessions, NEW_USER, user(3))  # committed by itself, not in that transaction
    other_process = sqlite3.connect(tmp_path / "bot.sqlite3")
    assert other_process.execute("SELECT id FROM users").fetchall() == [(3,)]
    other_process.close()
    await engine.dispose()
