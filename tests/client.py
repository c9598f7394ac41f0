"""A user in tests: sends text and presses buttons, reads what the bot sent through the fake API.

Modelled on aiogram_dialog's test client, but every request of the bot travels over real
HTTP to the fake Bot API server.
"""

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiogram.types import Message, Update

from bot.updates import UserSimulator
from tests.fakes.telegram_api import ApiCall

if TYPE_CHECKING:
    from tests.conftest import AppHarness


class BotClient:
    def __init__(self, harness: "AppHarness", user_id: int, language_code: str | None) -> None:
        self._harness = harness
        self.user_id = user_id
        self.sent: Update | None = None
        self.sim = UserSimulator(
            user_id,
            language_code,
            message_ids=lambda: harness.telegram.next_message_id(user_id),
        )

    @property
    def telegram(self):
        return self._harness.telegram

    async def feed(self, update: Any) -> list[ApiCall]:
        self.telegram.register_update(json.loads(update.model_dump_json(exclude_none=True)))
        before = len(self.telegram.calls)
        app = self._harness.app
        await app.dispatcher.feed_update(app.bot, update)
        return [c for c in self.telegram.calls[before:] if c.chat_id in (self.user_id, None)]

    async def send(self, text: str | None = None, **content: Any) -> list[ApiCall]:
        self.sent = self.sim.message(text, **content)
        return await self.feed(self.sent)

    async def edit_last(self, text: str) -> list[ApiCall]:
        """Change the text of the last message this user sent."""
        assert self.sent is not None
        return await self.feed(self.sim.edit(self.sent, text))

    def messages(self) -> list[dict[str, Any]]:
        """What the bot has in the chat now: after edits and deletions, oldest first."""
        return [
            message
            for message in self.telegram.chat_messages(self.user_id)
            if message.get("from", {}).get("is_bot")
        ]

    def last_text(self) -> str:
        return self.texts()[-1]

    def texts(self) -> list[str]:
        return [m.get("text") or m.get("caption", "") for m in self.messages()]

    def find_button(self, label: str) -> tuple[Message, dict[str, Any]]:
        """The newest message holding a button whose label contains `label`."""
        for message in reversed(self.messages()):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        return Message.model_validate(message), button
        raise AssertionError(f"no button {label!r} in the chat")

    async def click(self, label: str) -> list[ApiCall]:
        message, button = self.find_button(label)
        return await self.feed(self.sim.press(message, button["callback_data"]))

    async def press_data(self, message: Message, data: str) -> list[ApiCall]:
        return await self.feed(self.sim.press(message, data))

    async def wait_for(self, predicate: Callable[[str], bool], timeout: float = 5.0) -> str:
        """The first message text in the chat that matches, waiting for the outbox."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for text in self.texts():
                if text and predicate(text):
                    return text
            await asyncio.sleep(0.05)
        raise AssertionError(f"no matching message; the chat has: {self.texts()}")
