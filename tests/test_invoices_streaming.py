"""A large invoice file is imported in batches: the running bot keeps writing meanwhile, and
the import says how far it got (issue 16)."""

import asyncio
import threading
import time

import pytest
from sqlalchemy import func, select

from bot.cli import main
from payments import invoices
from storage.db import create_engine, create_session_factory, migrate, transaction
from storage.models import FsmRecord, Invoice

HEADER = "code,payer_name,service,amount,currency,status,expires_at\n"


def big_file(path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as file:
        file.write(HEADER)
        for n in range(rows):
            file.write(f"11{n:010d},PAYER {n},id_card_2017,1250.00,KGS,unpaid,\n")


async def count_invoices(sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(Invoice))


async def test_the_bot_keeps_writing_during_a_large_import(tmp_path, monkeypatch, capsys):
    database = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", database)
    engine = create_engine(database)
    await migrate(engine)
    sessions = create_session_factory(engine)
    path = tmp_path / "big.csv"
    big_file(path, 20_000)
    results: list[int] = []
    importer = threading.Thread(
        target=lambda: results.append(main(["invoices", "import", str(path)]))
    )
    waits: list[float] = []
    began = time.monotonic()
    importer.start()
    try:
        while importer.is_alive():
            started = time.monotonic()
            try:
                async with transaction(sessions) as session:  # what an update of the bot does
                    await session.merge(FsmRecord(key=f"w{len(waits)}", state=None, data={}))
                waits.append(time.monotonic() - started)
            except Exception:  # "database is locked": waited the whole busy timeout
                waits.append(float("inf"))
            await asyncio.sleep(0.05)
    finally:
        await asyncio.to_thread(importer.join)
    took = time.monotonic() - began
    assert results == [0]
    assert await count_invoices(sessions) == 20_000
    await engine.dispose()
    # A write waits for a batch at most, not for the file (then it waited nearly all of it).
    assert len(waits) >= 5 and max(waits) < took / 3, (len(waits), max(waits), took)
    out = capsys.readouterr().out
    assert "1000 of 20000 invoices imported (up to line 1001)" in out
    assert "20000 invoices imported from" in out


async def test_a_stopped_import_says_how_far_it_got(tmp_path, monkeypatch, capsys):
    database = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", database)
    path = tmp_path / "file.csv"
    big_file(path, 2_500)
    save = invoices.save_invoices
    calls = 0

    async def failing_third_batch(sessions, rows, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError("disk full")
        return await save(sessions, rows, **kwargs)

    monkeypatch.setattr(invoices, "save_invoices", failing_third_batch)
    assert await asyncio.to_thread(main, ["invoices", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "stopped (OSError): 2000 of 2500 invoices imported, up to line 2001" in err
    engine = create_engine(database)
    assert await count_invoices(create_session_factory(engine)) == 2000
    monkeypatch.setattr(invoices, "save_invoices", save)
    assert await asyncio.to_thread(main, ["invoices", "import", str(path)]) == 0  # again: whole
    assert await count_invoices(create_session_factory(engine)) == 2500
    await engine.dispose()


@pytest.mark.parametrize("rows", [1, 1000, 1001])
async def test_batches_cover_the_file_exactly(database_url, tmp_path, rows):
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = create_session_factory(engine)
    path = tmp_path / "file.csv"
    big_file(path, rows)
    assert invoices.check_file(path) == rows
    seen: list[tuple[int, int]] = []
    assert await invoices.import_file(sessions, path, progress=lambda *p: seen.append(p)) == rows
    assert seen[-1] == (rows, rows + 1)
    assert await count_invoices(sessions) == rows
    await engine.dispose()
