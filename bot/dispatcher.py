"""The dispatcher: FSM storage, event isolation, middlewares, routers and workflow data."""

from datetime import timedelta

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation

from bot.middlewares import (
    CardNumberGuard,
    DeduplicateUpdatesMiddleware,
    LogContextMiddleware,
    PrivateChatsOnly,
    ReplyMiddleware,
    UpdatesInFlight,
)
from bot.parts import Parts
from delivery.flood_control import UndeliveredReplies
from handlers import admin, fallback, get_routers, reminders, support_chat
from handlers.lookup import Checkout
from payments.limits import LookupLimiter, MemoryWindows, RedisWindows, Windows
from payments.support_queries import SupportQueries
from payments.support_relay import SupportLimiter
from storage.fsm import SqlStorage
from storage.personal_data import PersonalData
from storage.redis_fsm import LockedRedisStorage
from storage.redis_lock import ShortEventIsolation
from storage.seen_updates import MemorySeenUpdates, RedisSeenUpdates, SeenUpdates
from storage.tickets import Tickets
from ui.texts import PaymentTerms

FSM_TTL = timedelta(days=1)  # a conversation left for a day starts again from /start
REMEMBERED_USERS = 100_000  # profiles and FSM states kept in memory by a single instance


def build_dispatcher(parts: Parts, in_flight: UpdatesInFlight) -> Dispatcher:
    """FSM and event isolation in Redis when there is one (several instances), else embedded;
    what the handlers take as parameters is the dispatcher's workflow data."""
    settings, redis, l10n = parts.settings, parts.redis, parts.l10n
    if redis is not None:
        fsm = LockedRedisStorage(redis, state_ttl=FSM_TTL, data_ttl=FSM_TTL)
        storage: BaseStorage = fsm
        claims = RedisSeenUpdates(redis, parts.bot.id)
        seen: SeenUpdates = claims
        isolation: BaseEventIsolation = ShortEventIsolation(
            redis, fsm.record_keys, claims=claims.claim_key
        )
    else:
        storage = SqlStorage(parts.sessions, remembered=REMEMBERED_USERS)
        isolation = SimpleEventIsolation()
        seen = MemorySeenUpdates()
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=isolation,
        payments=parts.payments,
        payment_records=parts.payment_records,
        users=parts.users,
        l10n=l10n,
        outbox=parts.outbox,
        personal_data=PersonalData(parts.sessions),
        support=SupportQueries(parts.sessions),
        tickets=Tickets(parts.sessions),
        reminders=parts.reminders,
        seal=parts.seal,
        public_base=settings.public_base,
    )
    dispatcher.update.outer_middleware(in_flight)
    dispatcher.update.outer_middleware(DeduplicateUpdatesMiddleware(seen, parts.metrics))
    dispatcher.update.outer_middleware(LogContextMiddleware())
    dispatcher.update.outer_middleware(PrivateChatsOnly(l10n, settings.support_chat_id))
    windows: Windows = RedisWindows(redis) if redis is not None else MemoryWindows()
    limiter = LookupLimiter(windows)
    dispatcher["limiter"] = limiter
    dispatcher["checkout"] = Checkout(
        parts.payments,
        parts.payment_records,
        parts.users,
        limiter,
        parts.seal,
        PaymentTerms(settings.accepted_cards, settings.approximate_rates),
        settings.mask_payer_name,
        settings.public_base,
    )
    dispatcher.update.outer_middleware(
        ReplyMiddleware(l10n, parts.outbox.release_held, parts.users)
    )
    dispatcher.update.outer_middleware(UndeliveredReplies())
    dispatcher.message.outer_middleware(CardNumberGuard())
    dispatcher.edited_message.outer_middleware(CardNumberGuard())
    staff = support_chat.build_staff_router(settings.support_chat_id, settings.support_language)
    dispatcher.include_routers(
        *([staff] if staff is not None else []),
        *get_routers(),
        support_chat.build_router(settings.support_chat_id, SupportLimiter(windows)),
        reminders.build_router(timedelta(hours=settings.deadline_reminder_hours)),
        admin.build_router(settings.admin_ids),
        fallback.build_router(),
    )
    return dispatcher
