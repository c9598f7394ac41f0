"""A single instance keeps recent users in memory: every change made through `Users` is seen
at once, a change made while a read was under way is not hidden by it; without memory an
update reads its user once; several instances sharing Redis keep users at a version."""

import pytest
from aiogram.fsm.storage.base import StorageKey
from redis.asyncio import Redis
from sqlalchemy import update

import storage.users
from core.consents import AcceptedText
from storage.db import transaction
from storage.models import User
from storage.profile_versions import ProfileVersions
from storage.recent import Recent
from storage.redis_fsm import LockedRedisStorage
from storage.redis_lock import ShortEventIsolation
from storage.users import Users


def consent(sha256: str) -> AcceptedText:
    return AcceptedText("privacy-policy", "v", sha256, "ru")


async def test_changes_through_users_are_seen_at_once(sessions):
    users = Users(sessions, remembered=100)
    assert await users.get(1) is None
    await users.set_language(1, chat_id=11, language="ky")
    assert (await users.get(1)).language == "ky"
    await users.mark_unreachable(11)
    assert (await users.get(1)).unreachable_at is not None
    await users.mark_reachable(1)
    assert (await users.get(1)).unreachable_at is None
    assert await users.agreed_hashes(1) == frozenset()
    await users.record_consents(1, [consent("a")], update_id=7)
    assert await users.agreed_hashes(1) == {"a"}
    await users.forget(1, update_id=8)
    assert await users.get(1) is None
    assert await users.agreed_hashes(1) == frozenset()


async def test_memory_is_used_by_one_instance_and_not_by_several(sessions):
    remembering, several = Users(sessions, remembered=100), Users(sessions, remembered=0)
    await remembering.set_language(2, chat_id=2, language="ru")
    assert (await remembering.get(2)).language == "ru"
    async with transaction(sessions) as session:  # another instance changes the row
        await session.execute(update(User).where(User.id == 2).values(language="en"))
    assert (await several.get(2)).language == "en"
    assert (await remembering.get(2)).language == "ru"  # why only one instance may remember


def test_a_value_read_before_a_change_is_not_kept():
    recent: Recent[int, str] = Recent(10)
    began = recent.begin_read()
    recent.drop(1)  # a write finished while the read was waiting
    recent.keep(1, "old", began)
    assert 1 not in recent
    recent.keep(1, "new", recent.begin_read())
    assert recent[1] == "new"


def test_the_least_recently_used_goes_first():
    recent: Recent[int, str] = Recent(2)
    recent.keep(1, "a")
    recent.keep(2, "b")
    assert recent[1] == "a"  # used: 2 is now the oldest
    recent.keep(3, "c")
    assert 2 not in recent and 1 in recent and 3 in recent
    nothing: Recent[int, str] = Recent(0)
    nothing.keep(1, "x")
    assert 1 not in nothing


class Reads:
    """The reads of users that reach the database, counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real_read = storage.users.read

        async def counted(*args, **kwargs):
            self.count += 1
            return await real_read(*args, **kwargs)

        monkeypatch.setattr(storage.users, "read", counted)


@pytest.fixture
def reads(monkeypatch) -> Reads:
    return Reads(monkeypatch)


async def test_several_instances_read_a_user_once_an_update(sessions, reads):
    """Without memory across updates, an update reads its user's profile and agreed texts
    in one query, and its own changes are seen by the rest of it."""
    users = Users(sessions, remembered=0)
    await users.set_language(5, chat_id=5, language="ky")
    await users.record_consents(5, [consent("a")], update_id=1)
    with users.during_update():
        assert (await users.get(5)).language == "ky"
        assert await users.agreed_hashes(5) == {"a"}
        assert (await users.get(5)).language == "ky"
        await users.record_consents(5, [consent("b")], update_id=2)
        assert await users.agreed_hashes(5) == {"a", "b"}
        async with transaction(sessions) as session:  # another instance, meanwhile
            await session.execute(update(User).where(User.id == 5).values(language="en"))
        assert (await users.get(5)).language == "ky"  # the update's own read
    assert reads.count == 1
    with users.during_update():
        assert (await users.get(5)).language == "en"  # the next update reads again
        assert await users.agreed_hashes(5) == {"a", "b"}
    assert reads.count == 2
    assert await users.get(404) is None and await users.agreed_hashes(404) == frozenset()


async def test_several_instances_keep_users_at_the_version_their_update_was_told(
    sessions, redis_url, reads
):
    """With Redis, each instance keeps recent users across updates, and uses what it kept
    only at the version the user's event lock reported: a change made by another instance,
    in an update or from outside one (the outbox's unreachable mark), is read at once."""
    redis = Redis.from_url(redis_url)
    isolation = ShortEventIsolation(redis, LockedRedisStorage(redis).record_keys)
    one, other = (Users(sessions, 100, ProfileVersions(redis)) for _ in range(2))

    async def in_update(work):
        async with isolation.lock(StorageKey(bot_id=1, chat_id=7, user_id=7)):
            return await work()

    try:
        await in_update(lambda: other.set_language(7, chat_id=7, language="ky"))
        assert (await in_update(lambda: one.get(7))).language == "ky"
        assert await in_update(lambda: one.agreed_hashes(7)) == frozenset()
        assert reads.count == 1  # kept from the first update to the next
        await in_update(lambda: other.set_language(7, chat_id=7, language="en"))
        assert (await in_update(lambda: one.get(7))).language == "en"
        await in_update(lambda: other.record_consents(7, [consent("a")], update_id=3))
        assert await in_update(lambda: one.agreed_hashes(7)) == {"a"}
        await other.mark_unreachable(7)  # the outbox, outside any update
        assert (await in_update(lambda: one.get(7))).unreachable_at is not None
        await in_update(lambda: one.mark_reachable(7))
        assert (await in_update(lambda: other.get(7))).unreachable_at is None
        reads.count = 0
        assert (await in_update(lambda: one.get(7))).language == "en"  # its own change
        assert reads.count == 1  # mark_reachable leaves the profile to be read again, once
        assert (await in_update(lambda: one.get(7))).language == "en"
        assert reads.count == 1
        await one.get(7)  # outside an update nothing kept is trusted
        assert reads.count == 2
        await in_update(lambda: other.forget(7, update_id=4))
        assert await in_update(lambda: one.get(7)) is None
        assert await in_update(lambda: one.agreed_hashes(7)) == frozenset()
    finally:
        await redis.aclose()
