from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import BigInteger, bindparam, insert, null, select, update
from sqlalchemy.dialects import postgresql

from core.clock import utcnow
from core.consents import AcceptedText
from storage.db import SessionFactory
from storage.direct import Query, execute, read
from storage.models import Consent, User
from storage.personal_data import forget_user
from storage.profile_versions import ProfileVersions, Seen
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
REACHABLE = Query(
    select(USERS.id)
    .where(USERS.chat_id == bindparam("chat_id"), USERS.unreachable_at.is_(None))
    .limit(1)
)
_NEW_USER = postgresql.insert(User.__table__).values(
    id=bindparam("user_id"),
    chat_id=bindparam("chat_id"),
    language=bindparam("language"),
    unreachable_at=null(),
    created_at=bindparam("now"),
    updated_at=bindparam("now"),
)
# The user's row made or changed in one statement (the same ON CONFLICT in SQLite and
# PostgreSQL); whether they were marked unreachable comes back.
LANGUAGE_CHOSEN = Query(
    _NEW_USER.on_conflict_do_update(
        index_elements=[USERS.id],
        set_={
            "language": _NEW_USER.excluded.language,
            "chat_id": _NEW_USER.excluded.chat_id,
            "updated_at": _NEW_USER.excluded.updated_at,
        },
    ).returning(USERS.unreachable_at)
)
UNREACHABLE = Query(
    update(User.__table__)
    .where(USERS.chat_id == bindparam("chat_id"), USERS.unreachable_at.is_(None))
    .values(unreachable_at=bindparam("now"), updated_at=bindparam("now"))
)
REACHABLE_AGAIN = Query(
    update(User.__table__)
    .where(USERS.id == bindparam("user_id"))
    .values(unreachable_at=None, updated_at=bindparam("now"))
)
CONSENT_COLUMNS = (
    "user_id",
    "document",
    "version",
    "sha256",
    "language",
    "action",
    "update_id",
    "created_at",
)


@cache
def _consents_recorded(count: int) -> Query:
    """`count` consents appended in one statement, atomic by itself; each value is named
    after its column and row (`sha256_1`)."""
    rows = [
        {c: bindparam(f"{c}_{i}", type_=CONSENTS_TABLE[c].type) for c in CONSENT_COLUMNS}
        for i in range(count)
    ]
    return Query(insert(Consent.__table__).values(rows))


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

    With `remembered`, the profiles and agreed texts of recent users are kept in memory, and
    every change made here updates them. One bot instance per database uses them as they are;
    several (with `versions`) only at the version their update was told, which every change,
    wherever made, moves on first (storage.profile_versions). Without `remembered`, they are
    kept for the length of an update (`during_update`): read once, in one query, however many
    times the update asks."""

    def __init__(
        self, sessions: SessionFactory, remembered: int = 0, versions: ProfileVersions | None = None
    ) -> None:
        self._sessions = sessions
        self._remembered = _Kept(remembered)
        self._per_update = not remembered
        self._this_update: ContextVar[_Kept | None] = ContextVar("users_kept", default=None)
        self._versions = versions
        self._seen: Recent[int, Seen] = Recent(remembered)

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

    def _current(self, user_id: int) -> bool:
        """Whether what is kept of the user may be used (see the class)."""
        if self._versions is None:
            return True
        seen = self._seen.get(user_id)
        return seen is not None and seen.current(self._versions.of_this_update(user_id))

    def _note_version(self, user_id: int, current: bool = True) -> None:
        """What is kept of the user is of the version this update holds (if it holds one),
        unless it was not `current` before a change made only part of it new."""
        if self._versions is None:
            return
        version = self._versions.of_this_update(user_id)
        if version is None or not current:
            self._seen.drop(user_id)
        else:
            self._seen.keep(user_id, Seen(version))

    async def _move_on(self, user_id: int) -> bool:
        """The version moved on, before a change; whether what was kept was current."""
        current = self._current(user_id)
        if self._versions is not None:
            await self._versions.move_on(user_id)
        return current

    async def get(self, user_id: int) -> Profile | None:
        if user_id in self._profiles and self._current(user_id):
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
        agreed = kept.agreed.keep(user_id, _agreed_after({}, consents), began[1])
        self._note_version(user_id)
        return profile, agreed

    async def set_language(self, user_id: int, chat_id: int, language: str) -> None:
        began = self._profiles.begin_read()
        current = await self._move_on(user_id)
        row = {"user_id": user_id, "chat_id": chat_id, "language": language, "now": utcnow()}
        [(unreachable_at,)] = await execute(self._sessions, LANGUAGE_CHOSEN, row)
        profile = Profile(user_id, chat_id, language, unreachable_at)
        self._profiles.replace(user_id, profile, began)
        self._note_version(user_id, current)

    async def mark_unreachable(self, chat_id: int) -> None:
        """The user blocked the bot or deleted the chat: keep their receipts for later. Sent
        from outside the user's updates (a private chat's id is its user's), so the version
        moves on after the write too: an update that read the profile in between reads it
        again."""
        await self._move_on(chat_id)
        await execute(self._sessions, UNREACHABLE, {"chat_id": chat_id, "now": utcnow()})
        await self._move_on(chat_id)
        self._profiles.drop_where(lambda user: user is not None and user.chat_id == chat_id)
        self._seen.drop(chat_id)

    async def mark_reachable(self, user_id: int) -> None:
        current = await self._move_on(user_id)
        await execute(self._sessions, REACHABLE_AGAIN, {"user_id": user_id, "now": utcnow()})
        self._profiles.drop(user_id)
        self._note_version(user_id, current)

    async def is_reachable(self, chat_id: int) -> bool:
        """A known user of this chat not marked unreachable. Read from the database, never
        from memory: the outbox asks it to tell whether the user came back while their
        message was being held (`OutboxWorker._release_if_back`)."""
        found = await read(self._sessions, lambda c: c.scalar(REACHABLE, {"chat_id": chat_id}))
        return found is not None

    async def agreed_hashes(self, user_id: int) -> frozenset[str]:
        """Hashes of the texts the user agreed to and has not withdrawn since."""
        if user_id in self._agreed and self._current(user_id):
            return _hashes(self._agreed[user_id])
        _, agreed = await self._read(user_id)
        return _hashes(agreed)

    async def record_consents(
        self, user_id: int, accepted: Iterable[AcceptedText], update_id: int | None
    ) -> None:
        """Appends them; the texts agreed in memory follow (`_agreed_after`)."""
        began = self._agreed.begin_read()
        before = self._agreed.get(user_id) if self._current(user_id) else None
        texts = list(accepted)
        if not texts:
            return
        current = await self._move_on(user_id)
        now = utcnow()
        values = {}
        for i, text in enumerate(texts):
            row = (user_id, text.kind, text.version, text.sha256, text.language, "agree")
            row += (update_id, now)
            values |= {f"{c}_{i}": v for c, v in zip(CONSENT_COLUMNS, row, strict=True)}
        await execute(self._sessions, _consents_recorded(len(texts)), values)
        rows = [(text.kind, text.sha256, "agree") for text in texts]
        after = None if before is None else _agreed_after(before, rows)
        self._agreed.replace(user_id, after, began)
        self._note_version(user_id, current)

    async def forget(self, user_id: int, update_id: int | None) -> None:
        """Erase the user (see `storage.personal_data.forget_user`)."""
        await self._move_on(user_id)
        await forget_user(self._sessions, user_id, update_id)
        self._seen.drop(user_id)
        self._profiles.drop(user_id)
        self._agreed.drop(user_id)
