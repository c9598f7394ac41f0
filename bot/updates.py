"""Telegram updates made on this side: the terminal shell and the tests speak as a user."""

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

from aiogram.types import CallbackQuery, Chat, Message, Update, User


class UserSimulator:
    """Builds the updates Telegram would send when one user types or presses a button."""

    _update_ids = itertools.count(1)

    def __init__(
        self,
        user_id: int,
        language_code: str | None = "ru",
        first_name: str = "Test",
        message_ids: Callable[[], int] | None = None,
    ):
        self.user = User(
            id=user_id, is_bot=False, first_name=first_name, language_code=language_code
        )
        self.chat = Chat(id=user_id, type="private", first_name=first_name)
        # Telegram numbers a chat's messages in one sequence, the user's and the bot's alike.
        self._next_message_id = message_ids or itertools.count(10_000).__next__
        self._query_ids = itertools.count(1)

    def message(self, text: str | None = None, **content: object) -> Update:
        message = Message(
            message_id=self._next_message_id(),
            date=datetime.now(UTC),
            chat=self.chat,
            from_user=self.user,
            text=text,
            **content,
        )
        return Update(update_id=next(self._update_ids), message=message)

    def edit(self, sent: Update, text: str) -> Update:
        """The user changes the text of a message they sent earlier."""
        assert sent.message is not None
        edit_date = int(datetime.now(UTC).timestamp())
        message = sent.message.model_copy(update={"text": text, "edit_date": edit_date})
        return Update(update_id=next(self._update_ids), edited_message=message)

    def press(self, message: Message, data: str) -> Update:
        query = CallbackQuery(
            id=f"{self.user.id}-{next(self._query_ids)}",
            from_user=self.user,
            chat_instance=str(self.chat.id),
            message=message,
            data=data,
        )
        return Update(update_id=next(self._update_ids), callback_query=query)
