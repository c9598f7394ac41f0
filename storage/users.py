from collections.abc import Iterable

from sqlalchemy import select, update

from payments.clock import utcnow
from storage.db import SessionFactory, transaction
from storage.models import Consent, User


class Users:
    """The user's language and consents; consents are appended, never changed."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def get(self, user_id: int) -> User | None:
        async with self._sessions() as session:
            return await session.get(User, user_id)

    async def set_language(self, user_id: int, chat_id: int, language: str) -> None:
        async with transaction(self._sessions) as session:
            user = await session.get(User, user_id, with_for_update=True)
            if user is None:
                session.add(User(id=user_id, chat_id=chat_id, language=language))
            else:
                user.language = language
                user.chat_id = chat_id
                user.updated_at = utcnow()

    async def mark_unreachable(self, chat_id: int) -> None:
        """The user blocked the bot or deleted the chat: keep their receipts for later."""
        async with transaction(self._sessions) as session:
            await session.execute(
                update(User)
                .where(User.chat_id == chat_id, User.unreachable_at.is_(None))
                .values(unreachable_at=utcnow())
            )

    async def mark_reachable(self, user_id: int) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(User).where(User.id == user_id).values(unreachable_at=None)
            )

    async def agreed_hashes(self, user_id: int) -> set[str]:
        """Hashes of the texts the user agreed to and has not withdrawn since."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(Consent.document, Consent.sha256, Consent.action)
                .where(Consent.user_id == user_id)
                .order_by(Consent.id)
            )
            agreed: dict[str, set[str]] = {}
            for document, sha256, action in rows:
                if action == "agree":
                    agreed.setdefault(document, set()).add(sha256)
                else:
                    agreed.pop(document, None)
        return set().union(*agreed.values()) if agreed else set()

    async def record_consents(
        self, user_id: int, consents: Iterable[Consent], update_id: int | None
    ) -> None:
        async with transaction(self._sessions) as session:
            for consent in consents:
                consent.user_id = user_id
                consent.update_id = update_id
                consent.created_at = utcnow()
                session.add(consent)
