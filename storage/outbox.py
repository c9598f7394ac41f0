"""The outbox's rows: queued in a payment's transaction, claimed with a lease, their outcome
written only while the claim that took them still holds (see `payments.outbox`)."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.statuses import OutboxKind, OutboxStatus
from storage.db import SessionFactory, transaction
from storage.direct import DirectConnection, Query, execute, read, write
from storage.models import OutboxMessage, Payment

# Plain Core statements on the table, built once: an ORM-enabled UPDATE (an ORM entity or
# alias in it) has its cache key worked out again on every execution, which for the claim
# costs more than running it.
OUTBOX = OutboxMessage.__table__
_DUE = OUTBOX.alias("due")
_EARLIER = OUTBOX.alias("earlier")
# Only a chat's pending messages keep its later ones waiting. A held one does not: the next
# message is tried (held too if the chat is still closed, and then the claim never walks past
# the backlog of a closed chat again), and one that gets through releases the held ones.
_WAITS_FOR_EARLIER = exists().where(
    _EARLIER.c.chat_id == _DUE.c.chat_id,
    _EARLIER.c.status == OutboxStatus.PENDING,
    _EARLIER.c.id < _DUE.c.id,
)

CLAIM = Query(
    update(OUTBOX)
    .where(
        OUTBOX.c.id.in_(
            select(_DUE.c.id)
            .where(
                _DUE.c.status == OutboxStatus.PENDING,
                _DUE.c.urgent == bindparam("lane_urgent"),
                _DUE.c.available_at <= bindparam("now"),
                ~_WAITS_FOR_EARLIER,
            )
            .order_by(_DUE.c.available_at, _DUE.c.id)
            .limit(bindparam("limit"))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    )
    .values(attempts=OUTBOX.c.attempts + 1, available_at=bindparam("leased_until"))
    .returning(*OUTBOX.c)
)

# A row as its claim left it: every later claim adds one to `attempts`.
_CLAIMED = update(OUTBOX).where(
    OUTBOX.c.id == bindparam("claimed_id"), OUTBOX.c.attempts == bindparam("claimed_attempts")
)
_RENEW = _CLAIMED.values(available_at=bindparam("leased_until"))
_HELD_FOR_CHAT = (OUTBOX.c.chat_id == bindparam("held_chat_id")) & (
    OUTBOX.c.status == OutboxStatus.HELD
)
_RELEASE = Query(
    update(OUTBOX)
    .where(_HELD_FOR_CHAT)
    .values(status=OutboxStatus.PENDING, available_at=bindparam("now"))
    .returning(OUTBOX.c.id)
)
_ANY_HELD = Query(select(OUTBOX.c.id).where(_HELD_FOR_CHAT).limit(1))


@cache
def _outcome(columns: frozenset[str]) -> Query:
    """An attempt's outcome (these columns' values) written while its claim holds the row."""
    values = {name: bindparam(name, type_=OUTBOX.c[name].type) for name in sorted(columns)}
    return Query(_CLAIMED.values(values).returning(OUTBOX.c.id))


class Recorded(NamedTuple):
    """An attempt's outcome: whether it was written (the claim still held the row), and how
    many messages held for its chat went back to pending with it."""

    written: bool
    released: int


def _claim_of(message: OutboxMessage) -> dict[str, int]:
    return {"claimed_id": message.id, "claimed_attempts": message.attempts}


async def queue_for_payment(
    session: AsyncSession, payment: Payment, kinds: Iterable[OutboxKind]
) -> None:
    """Messages for the payer's chat, in the caller's transaction: held while they block the
    bot and sent in turn after the chat's earlier messages; the billing's confirmation is for
    no chat, so neither."""
    await session.execute(
        insert(OUTBOX),
        [
            {
                "kind": kind,
                "dedupe_key": f"{kind}:{payment.id}",
                "payment_id": payment.id,
                "chat_id": None if kind is OutboxKind.BILLING_CONFIRM else payment.chat_id,
            }
            for kind in kinds
        ],
    )


class Outbox:
    """The rows the outbox worker claims, renews, and settles."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def claim(
        self, *, urgent: bool, limit: int, now: datetime, leased_until: datetime
    ) -> list[OutboxMessage]:
        """Due rows of one lane, leased until `leased_until`, in one statement, oldest first.
        Only a chat's oldest unsent message can be taken."""
        rows = await execute(
            self._sessions,
            CLAIM,
            {"lane_urgent": urgent, "now": now, "limit": limit, "leased_until": leased_until},
        )
        # Plain objects from the returned rows: handlers only read them.
        return sorted((OutboxMessage(**row._asdict()) for row in rows), key=lambda m: m.id)

    async def renew(self, message: OutboxMessage, lease: timedelta) -> bool:
        """Extends the message's lease to `lease` from when the transaction has begun (SQLite
        may queue it); False if a newer claim has taken the row."""
        async with transaction(self._sessions) as session:
            result = await session.execute(
                _RENEW, {**_claim_of(message), "leased_until": utcnow() + lease}
            )
        return result.rowcount != 0

    async def record(
        self, message: OutboxMessage, *, release_chat: bool = False, **values: object
    ) -> Recorded:
        """Writes an attempt's outcome unless a newer claim has taken the row. `release_chat`:
        what was held for the message's chat goes back to pending in the same transaction."""
        outcome = _outcome(frozenset(values))
        params = values | _claim_of(message)
        chat_id = message.chat_id if release_chat else None
        if chat_id is None:
            return Recorded(bool(await execute(self._sessions, outcome, params)), 0)

        async def record_and_release(connection: DirectConnection) -> Recorded:
            if not await connection.all(outcome, params):
                return Recorded(False, 0)
            held = {"held_chat_id": chat_id, "now": utcnow()}
            return Recorded(True, len(await connection.all(_RELEASE, held)))

        return await write(self._sessions, record_and_release)

    async def release_held(self, chat_id: int) -> int:
        """What was held for the chat goes back to pending; how many. Asked with a read
        first: a user with no stored row has it asked on every update, and SQLite has one
        writer."""
        held = {"held_chat_id": chat_id}
        if not await read(self._sessions, lambda c: c.all(_ANY_HELD, held)):
            return 0
        return len(await execute(self._sessions, _RELEASE, held | {"now": utcnow()}))
