from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update

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
PROFILE = Query(
    select(USERS.id, USERS.chat_id, USERS.language, USERS.unreachable_at).where(
        USERS.id == bindparam("user_id")
    )
)
REACHABLE = (
    select(User.id)
    .where(User.chat_id == bindparam("chat_id"), User.unreachable_at.is_(None))
    .limit(1)
)
CONSENTS = Query(
    select(CONSENTS_TABLE.document, CONSENTS_TABLE.sha256, CONSENTS_TABLE.action)
    .where(CONSENTS_TABLE.user_id == bindparam("user_id"))
    .order_by(CONSENTS_TABLE.id)
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


class Users:
    """The user's language and consents; consents are appended, never changed.

    With `remembered` (one bot instance per database), the profiles and agreed texts of
    recent users are also kept in memory, and every change made here updates them."""

    def __init__(self, sessions: SessionFactory, remembered: int = 0) -> None:
        self._sessions = sessions
        self._profiles: Recent[int, Profile | None] = Recent(remembered)
        self._agreed: Recent[int, Agreed] = Recent(remembered)

    async def get(self, user_id: int) -> Profile | None:
        if user_id in self._profiles:
            return self._profiles[user_id]
        began = self._profiles.begin_read()
        row = await read(self._sessions, lambda c: c.first(PROFILE, {"user_id": user_id}))
        return self._profiles.keep(user_id, Profile(*row) if row else None, began)

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
        began = self._agreed.begin_read()
        rows = await read(self._sessions, lambda c: c.all(CONSENTS, {"user_id": user_id}))
        return _hashes(self._agreed.keep(user_id, _agreed_after({}, rows), began))

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
