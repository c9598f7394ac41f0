"""The user's event lock in Redis carries their FSM record and the update's done mark: read
when it is taken, written when it is let go of, each in the one round trip of the lock."""

import asyncio
from datetime import timedelta

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from storage.redis_fsm import LockedRedisStorage
from storage.redis_lock import UPDATE_ID, ShortEventIsolation
from storage.seen_updates import Claim, RedisSeenUpdates

KEY = StorageKey(bot_id=5, chat_id=50, user_id=50)


async def test_the_fsm_record_read_with_the_lock_is_the_one_in_redis(redis_url):
    redis = Redis.from_url(redis_url)
    storage = LockedRedisStorage(redis)
    isolation = ShortEventIsolation(redis, storage.record_keys)
    elsewhere = RedisStorage(Redis.from_url(redis_url))  # another instance, no lock
    try:
        async with isolation.lock(KEY):
            assert await storage.get_state(KEY) is None
            assert await storage.get_data(KEY) == {}
            await storage.set_state(KEY, "Pay:consent")
            await storage.set_data(KEY, {"code": "AB12"})
            assert await storage.get_data(KEY) == {"code": "AB12"}
            assert await elsewhere.get_state(KEY) is None  # written when the lock is let go of
        assert await elsewhere.get_state(KEY) == "Pay:consent"
        assert await redis.ttl(storage.record_keys(KEY)[0]) == -1  # no lifetime was given
        async with isolation.lock(KEY):
            assert await storage.get_state(KEY) == "Pay:consent"
            data = await storage.get_data(KEY)
            data["code"] = "changed by the caller"
            assert await storage.get_data(KEY) == {"code": "AB12"}
            await storage.set_data(KEY, {})
            await storage.set_state(KEY, None)
        assert await elsewhere.get_data(KEY) == {}
        assert await redis.exists(*storage.record_keys(KEY)) == 0
        await elsewhere.set_state(KEY, "Pay:details")
        assert await storage.get_state(KEY) == "Pay:details"  # outside the lock: Redis
    finally:
        await isolation.close()
        await elsewhere.close()
        await redis.aclose()


async def test_the_record_written_at_release_keeps_the_storage_lifetime(redis_url):
    redis = Redis.from_url(redis_url)
    storage = LockedRedisStorage(redis, state_ttl=timedelta(days=1), data_ttl=timedelta(days=1))
    isolation = ShortEventIsolation(redis, storage.record_keys)
    try:
        async with isolation.lock(KEY):
            await storage.set_state(KEY, "Pay:code")
            await storage.set_data(KEY, {"code": "AB12"})
        for name in storage.record_keys(KEY):
            assert 86_000 < await redis.ttl(name) <= 86_400
    finally:
        await isolation.close()
        await redis.aclose()


async def test_an_update_handled_under_the_lock_is_done_once_it_is_let_go_of(redis_url):
    redis = Redis.from_url(redis_url)
    isolation = ShortEventIsolation(redis, LockedRedisStorage(redis).record_keys)
    seen = RedisSeenUpdates(redis, bot_id=5)
    try:
        async with isolation.lock(KEY):
            assert await seen.claim(40) is Claim.NEW
            await seen.done(40)
        assert await seen.claim(40) is Claim.DONE
        assert await redis.keys("*lock*") == []
    finally:
        await isolation.close()
        await redis.aclose()


async def test_a_lock_that_lapsed_still_marks_its_update_done(redis_url):
    redis = Redis.from_url(redis_url)
    isolation = ShortEventIsolation(redis, LockedRedisStorage(redis).record_keys, lock_seconds=0.2)
    seen = RedisSeenUpdates(redis, bot_id=5)
    try:
        async with isolation.lock(KEY):
            assert await seen.claim(41) is Claim.NEW
            await asyncio.sleep(0.3)  # the update outlived its lock
            async with isolation.lock(KEY):  # the user's next update took it meanwhile
                pass
            await seen.done(41)
        assert await seen.claim(41) is Claim.DONE
    finally:
        await isolation.close()
        await redis.aclose()


async def test_the_webhooks_update_is_claimed_with_the_lock(redis_url):
    redis = Redis.from_url(redis_url)
    seen = RedisSeenUpdates(redis, bot_id=5)
    isolation = ShortEventIsolation(
        redis, LockedRedisStorage(redis).record_keys, claims=seen.claim_key
    )
    handling = UPDATE_ID.set(42)
    try:
        async with isolation.lock(KEY):
            assert await redis.get(seen.claim_key(42)[0]) == b"busy"  # taken with the lock
            assert await seen.claim(42) is Claim.NEW
            await seen.done(42)
        async with isolation.lock(KEY):  # Telegram delivered it again
            assert await seen.claim(42) is Claim.DONE
        await redis.set(seen.claim_key(43)[0], "busy")  # another instance is handling it
        UPDATE_ID.set(43)
        async with isolation.lock(KEY):
            assert await seen.claim(43) is Claim.IN_PROGRESS
    finally:
        UPDATE_ID.reset(handling)
        await isolation.close()
        await redis.aclose()
