from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, bindparam, select, update

from core.clock import utcnow
from core.consents import AcceptedText
from storage.db import SessionFactory, reading, transaction
from storage.direct import Query, read
from storage.models import Consent, User
from storage.personal_data import forget_user
from storage.recent import Recent

# Built once: these run on almost every update.
USERS = User.__table__.c
CONSENTS_TABLE = Consent.__table__.c
ASKED = select(bindparam("user_id", type_=BigInteger).label("id")).subquery("asked")
# The profile and every consent of one user in one read: a row per consent, the profile
# repeated on each (one row of nulls for nobody).
PROFILE_AND_CONSENTS = Query(
    select(
        USERS.id,
        USERS.chat_id,
        USERS.language,
        USERS.unreachable_at,
        CONSENTS_TABLE.document,
        CONSENTS_TABLE.sha256,
        CONSENTS_TABLE.action,
    )
    .select_from(
        ASKED.outerjoin(User.__table__, USERS.id == ASKED.c.id).outerjoin(
            Consent.__table__, CONSENTS_TABLE.user_id == ASKED.c.id
        )
    )
    .order_by(CONSENTS_TABLE.id)
)
REACHABLE = (
    select(User.id)
    .where(User.chat_id == bindparam("chat_id"), User.unreachable_at.is_(None))
    .limit(1)
)


# Each document's agreed text hashes, never changed in place.
Agreed = dict[str, frozenset[str]]


def _agreed_after(agreed: Agreed, consents: Iterable[tuple[str, str, str]]) -> Agreed:
    """What stays agreed after `consents` (document, sha256, action), oldest first: an
    agreement adds its text; anything else withdraws the document."""
    after = dict(agreed)
    for document, sha256, action in consents:
        if action == "agree":
            after[document] = after.get(document, frozenset()) | {sha256}
        else:
            after.pop(document, None)
    return after


def _hashes(agreed: Agreed) -> frozenset[str]:
    return frozenset().union(*agreed.values())


@dataclass(frozen=True, slots=True)
class Profile:
    id: int
    chat_id: int
    language: str | None
    unreachable_at: datetime | None


class _Kept:
    """A user's profile and agreed texts kept in memory, each read of both filling both."""

    def __init__(self, size: int) -> None:
        self.profiles: Recent[int, Profile | None] = Recent(size)
        self.agreed: Recent[int, Agreed] = Recent(size)


class Users:
    """The user's language and consents; consents are appended, never changed.

    With `remembered` (one bot instance per database), the profiles and agreed texts of
    recent users are kept in memory, and every change made here updates them. Without
    (several instances), they are kept for the length of an update (`during_update`): read
    once, in one query, however many times the update asks."""

    def __init__(self, sessions: SessionFactory, remembered: int = 0) -> None:
        self._sessions = sessions
        self._remembered = _Kept(remembered)
        self._per_update = not remembered
        self._this_update: ContextVar[_Kept | None] = ContextVar("users_kept", default=None)

    @contextmanager
    def during_update(self) -> Iterator[None]:
        if not self._per_update:
            yield
            return
        reset = self._this_update.set(_Kept(size=4))
        try:
            yield
        finally:
            self._this_update.reset(reset)

    @property
    def _kept(self) -> _Kept:
        return self._this_update.get() or self._remembered

    @property
    def _profiles(self) -> Recent[int, Profile | None]:
        return self._kept.profiles

    @property
    def _agreed(self) -> Recent[int, Agreed]:
        return self._kept.agreed

    async def get(self, user_id: int) -> Profile | None:
        if user_id in self._profiles:
            return self._profiles[user_id]
        profile, _ = await self._read(user_id)
        return profile

    async def _read(self, user_id: int) -> tuple[Profile | None, Agreed]:
        kept = self._kept
        began = kept.profiles.begin_read(), kept.agreed.begin_read()
        rows = await read(
            self._sessions, lambda c: c.all(PROFILE_AND_CONSENTS, {"user_id": user_id})
        )
        first = rows[0]
        profile = Profile(*first[:4]) if first.id is not None else None
        consents = [row[4:] for row in rows if row.document is not None]
        kept.profiles.keep(user_id, profile, began[0])
        return profile, kept.agreed.keep(user_id, _agreed_after({}, consents), began[1])

    async def set_language(self, user_id: int, chat_id: int, language: str) -> None:
        began = self._profiles.begin_read()
        async with transaction(self._sessions) as session:
            user = await session.get(User, user_id, with_for_update=True)
            if user is None:
                user = User(id=user_id, chat_id=chat_id, language=language, unreachable_at=None)
                session.add(user)
            else:
                user.language = language
                user.chat_id = chat_id
                user.updated_at = utcnow()
        profile = Profile(user_id, chat_id, language, user.unreachable_at)
        self._profiles.replace(user_id, profile, began)

    async def mark_unreachable(self, chat_id: int) -> None:
        """The user blocked the bot or deleted the chat: keep their receipts for later."""
        async with transaction(self._sessions) as session:
            await session.execute(
                update(User)
                .where(User.chat_id == chat_id, User.unreachable_at.is_(None))
                .values(unreachable_at=utcnow())
            )
        self._profiles.drop_where(lambda user: user is not None and user.chat_id == chat_id)

    async def mark_reachable(self, user_id: int) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(User).where(User.id == user_id).values(unreachable_at=None)
            )
        self._profiles.drop(user_id)

    async def is_reachable(self, chat_id: int) -> bool:
        """A known user of this chat not marked unreachable. Read from the database, never
        from memory: the outbox asks it to tell whether the user came back while their
        message was being held (`OutboxWorker._release_if_back`)."""
        async with reading(self._sessions) as session:
            return await session.scalar(REACHABLE, {"chat_id": chat_id}) is not None

    async def agreed_hashes(self, user_id: int) -> frozenset[str]:
        """Hashes of the texts the user agreed to and has not withdrawn since."""
        if user_id in self._agreed:
            return _hashes(self._agreed[user_id])
        _, agreed = await self._read(user_id)
        return _hashes(agreed)

    async def record_consents(
        self, user_id: int, accepted: Iterable[AcceptedText], update_id: int | None
    ) -> None:
        """Appends them; the texts agreed in memory follow (`_agreed_after`)."""
        began = self._agreed.begin_read()
        before = self._agreed.get(user_id)
        recorded = [
            Consent(
                user_id=user_id,
                document=text.kind,
                version=text.version,
                sha256=text.sha256,
                language=text.language,
                action="agree",
                update_id=update_id,
                created_at=utcnow(),
            )
            for text in accepted
        ]
        rows = [(consent.document, consent.sha256, consent.action) for consent in recorded]
        async with transaction(self._sessions) as session:
            session.add_all(recorded)
        after = None if before is None else _agreed_after(before, rows)
        self._agreed.replace(user_id, after, began)

    async def forget(self, user_id: int, update_id: int | None) -> None:
        """Erase the user (see `storage.personal_data.forget_user`)."""
        await forget_user(self._sessions, user_id, update_id)
        self._profiles.drop(user_id)
        self._agreed.drop(user_id)
