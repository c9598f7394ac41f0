"""`payment-bot shell`: chat with the bot in a terminal, with no Telegram and no network.

The same dispatcher and handlers run; a session in place of the Bot API prints what the bot
sends, buttons become numbered choices, and the sandbox card page is reachable in a browser
or payable from here.
"""

import asyncio
import html
import itertools
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    GetMe,
    SendDocument,
    SendMessage,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.app import App
from bot.telegram_session import KeptResponseModels
from bot.updates import UserSimulator
from payments.acquirers.sandbox import APPROVE_CARD, DECLINE_CARD

_TAG = re.compile(r"<[^>]+>")


def plain_text(markup: str) -> str:
    return html.unescape(_TAG.sub("", markup))


class TerminalSession(KeptResponseModels):
    """Answers the bot's API calls itself and shows a person what was sent."""

    def __init__(self, out: Callable[[str], None] = print, files_dir: Path | None = None) -> None:
        super().__init__()
        self._out = out
        self._files_dir = files_dir
        self._message_ids = itertools.count(1)
        self.messages: dict[int, Message] = {}
        self.buttons: list[tuple[int, InlineKeyboardButton]] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        result: Any = True
        if isinstance(method, GetMe):
            result = {"id": 1, "is_bot": True, "first_name": "Infocom", "username": "shell_bot"}
        elif isinstance(method, SendMessage | EditMessageText | SendDocument):
            result = self._show(method)
        elif isinstance(method, AnswerCallbackQuery) and method.text:
            self._out(f"  ⓘ {method.text}")
        elif type(method).__name__.startswith("Get"):
            result = []
        content = json.dumps({"ok": True, "result": result}, default=str)
        response = self.check_response(bot, method, 200, content)
        return response.result  # type: ignore[return-value]

    def _show(self, method: SendMessage | EditMessageText | SendDocument) -> dict[str, Any]:
        text = self._save(method) if isinstance(method, SendDocument) else method.text
        markup = (
            method.reply_markup if isinstance(method.reply_markup, InlineKeyboardMarkup) else None
        )
        message_id = getattr(method, "message_id", None) or next(self._message_ids)
        self._out("\n" + plain_text(text))
        message = {
            "message_id": message_id,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": int(method.chat_id or 0), "type": "private"},
            "text": plain_text(text),
        }
        if markup is not None:
            message["reply_markup"] = markup.model_dump(exclude_none=True)
            self._remember_buttons(message_id, markup)
        self.messages[message_id] = Message.model_validate(message)
        return message

    def _remember_buttons(self, message_id: int, markup: InlineKeyboardMarkup) -> None:
        self.buttons = [(message_id, b) for row in markup.inline_keyboard for b in row]
        for number, (_, button) in enumerate(self.buttons, start=1):
            target = f"  → {button.url}" if button.url else ""
            self._out(f"  [{number}] {button.text}{target}")

    def _save(self, method: SendDocument) -> str:
        document = method.document
        name = getattr(document, "filename", None) or "document"
        data = getattr(document, "data", b"")
        if self._files_dir is not None:
            self._files_dir.mkdir(parents=True, exist_ok=True)
            (self._files_dir / name).write_bytes(data)
            name = str(self._files_dir / name)
        return f"📎 {name}\n{method.caption or ''}"

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the shell has no files to download")

    async def close(self) -> None:
        return None


HELP = f"""Type as you would in Telegram (/start, /help, a payment code ...).
A number presses the button with that number. `pay` pays the last payment link with the
approving test card, `pay {DECLINE_CARD}` with the declining one. `quit` (or Ctrl-D) leaves.
Demo payment codes:"""


class Shell:
    def __init__(self, app: App, session: TerminalSession, user: UserSimulator) -> None:
        self._app = app
        self._session = session
        self._user = user
        self._last_url: str | None = None

    async def feed(self, update: Any) -> None:
        await self._app.dispatcher.feed_update(self._app.bot, update)

    async def handle(self, line: str) -> bool:
        line = line.strip()
        if line in ("quit", "exit"):
            return False
        if line.isdigit() and 1 <= int(line) <= len(self._session.buttons):
            await self._press(int(line))
        elif line == "pay" or line.startswith("pay "):
            await self._pay(line.removeprefix("pay").strip() or APPROVE_CARD)
        elif line:
            await self.feed(self._user.message(line))
        return True

    async def _press(self, number: int) -> None:
        message_id, button = self._session.buttons[number - 1]
        if button.url:
            self._last_url = button.url
            print(f"Open {button.url} in a browser, or type `pay`.")
            return
        message = self._session.messages[message_id]
        await self.feed(self._user.press(message, button.callback_data or ""))

    async def _pay(self, card: str) -> None:
        url = self._last_url or self._latest_payment_url()
        if url is None:
            print("No payment link yet: press Pay first.")
            return
        form = {"card_number": card, "expiry": "12/30", "cvc": "123", "holder": "TEST CARDHOLDER"}
        # As a browser: the page's form and cookie carry the token the page asks back.
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar, timeout=self._app.http.timeout) as http:
            async with http.get(url) as opened:
                token = re.search(r'name="csrf" value="([^"]+)"', await opened.text())
            if token:
                form["csrf"] = token.group(1)
            async with http.post(url, data=form) as response:
                page = await response.text()
        found = re.search(r"<p>(.*?)</p>\s*</body>", page, re.S)
        print(f"[payment page] {plain_text(found.group(1)) if found else response.status}")

    def _latest_payment_url(self) -> str | None:
        for message in reversed(list(self._session.messages.values())):
            if message.text and "/sandbox/pay/" in message.text:
                return re.search(r"\S+/sandbox/pay/\S+", message.text).group(0)
        return None


async def run_shell(app: App, session: TerminalSession, demo_codes: list[str]) -> None:
    user = UserSimulator(user_id=100_000_001, language_code=None, first_name="Shell")
    shell = Shell(app, session, user)
    print(HELP)
    for code in demo_codes:
        print(f"  {code}")
    await shell.feed(user.message("/start"))
    while True:
        try:
            line = await asyncio.to_thread(input, "\n> ")
        except EOFError:
            break
        try:
            if not await shell.handle(line):
                break
        except aiohttp.ClientError as error:
            print(f"(the payment page did not answer: {error})")
