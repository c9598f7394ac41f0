"""The embedded FSM storage saves its conversations a moment after they change, together, and
when it closes; a save that fails is made again without losing a change, and what is not
saved yet is what every read sees. On both databases."""

import asyncio

from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from sqlalchemy.exc import OperationalError

import storage.fsm
from storage.direct import read
from storage.fsm import RECORD, SqlStorage


def key(user_id: int) -> StorageKey:
    return StorageKey(bot_id=1, chat_id=user_id, user_id=user_id)


async def stored(sessions, user_id: int):
    built = DefaultKeyBuilder(with_destiny=True).build(key(user_id))
    return await read(sessions, lambda c: c.first(RECORD, {"key": built}))


async def saved(sessions, user_ids: list[int], seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.02)):
        if all([await stored(sessions, user_id) for user_id in user_ids]):
            return True
        await asyncio.sleep(0.02)
    return False


async def test_changes_are_saved_a_moment_later_all_together(sessions):
    fsm = SqlStorage(sessions, remembered=100, save_after=0.2)
    for user_id in (1, 2, 3):
        await fsm.set_state(key(user_id), "PayFlow:code")
    await fsm.set_data(key(2), {"code": "112026117919"})
    assert await stored(sessions, 1) is None  # not yet
    assert await saved(sessions, [1, 2, 3])
    record = await stored(sessions, 2)
    assert (record.state, record.data) == ("PayFlow:code", {"code": "112026117919"})
    await fsm.close()


async def test_what_is_not_saved_yet_is_saved_when_the_storage_closes(sessions):
    fsm = SqlStorage(sessions, remembered=100, save_after=3600)
    await fsm.set_state(key(4), "PayFlow:bill")
    await fsm.set_data(key(4), {"code": "112026117919"})
    await fsm.close()
    again = SqlStorage(sessions, remembered=100)
    assert await again.get_state(key(4)) == "PayFlow:bill"
    assert await again.get_data(key(4)) == {"code": "112026117919"}


async def test_a_failed_save_is_made_again_with_the_latest_changes(sessions, monkeypatch):
    real_write = storage.fsm.write
    failures = []

    async def fails_once(sessions, work):
        if not failures:
            failures.append(1)
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return await real_write(sessions, work)

    monkeypatch.setattr(storage.fsm, "write", fails_once)
    fsm = SqlStorage(sessions, remembered=100, save_after=0.1)
    await fsm.set_state(key(5), "PayFlow:code")
    await fsm.set_state(key(6), "PayFlow:code")
    for _ in range(250):
        if failures:
            break
        await asyncio.sleep(0.02)
    await fsm.set_state(key(6), "PayFlow:bill")  # after the failed save: this one counts
    assert await saved(sessions, [5, 6])
    assert (await stored(sessions, 6)).state == "PayFlow:bill"
    await fsm.close()


async def test_a_change_not_saved_yet_is_read_even_once_forgotten_by_the_memory(sessions):
    fsm = SqlStorage(sessions, remembered=1, save_after=3600)
    await fsm.set_state(key(7), "PayFlow:code")
    await fsm.set_state(key(8), "PayFlow:code")  # only one conversation is remembered
    assert await fsm.get_state(key(7)) == "PayFlow:code"
    await fsm.close()
