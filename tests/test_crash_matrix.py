"""The crash matrix: a real bot process SIGKILLed at each step of the
conversation and of the callback → outbox → delivery path, restarted, and the update or the
callback delivered again as Telegram and the acquirer do when they got no answer. The
conversation runs on the embedded default; the payment path on SQLite and PostgreSQL.

The bot is frozen at a step by holding the Telegram method it is calling there:
- `lost`: the call never reached Telegram. Nothing may be missing and nothing repeated.
- `sent`: Telegram carried it out but the answer never came back. The Bot API has no
  idempotency key, so the bot cannot know and sends it again: exactly one duplicate message,
  counted. An edit made again changes nothing ("message is not modified"): no duplicate.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import aiohttp
import pytest
from aiogram.types import Message
from sqlalchemy import func, select

from bot.updates import UserSimulator
from storage.models import Payment, Receipt
from tests.conftest import outbox_settled
from tests.process import BotProcess
from tests.test_instances import Payments, bot_env, wait_until

CODE = "112026117919"
USER = 801
# The conversation. Killed in each step's answer to the user, after the step's writes (the
# language and consent questions are edited into the next step's message). A button's own
# answer goes with the webhook's answer, so it is lost only with the whole update.
ANSWERS = {
    "start": "sendMessage",
    "language": "editMessageText",
    "code": "sendMessage",
    "consent": "editMessageText",
    "pay": "sendMessage",
}
STEPS = tuple(ANSWERS)
FLOW_CASES = [(step, method, how) for step, method in ANSWERS.items() for how in ("lost", "sent")]


class Chat:
    """The user's side: what they send, and what the fake Telegram shows them."""

    def __init__(self, telegram) -> None:
        self.telegram = telegram
        self.user = UserSimulator(USER, "ru")

    def update(self, step: str) -> str:
        if step == "start":
            update = self.user.message("/start")
        elif step == "code":
            update = self.user.message(CODE)
        else:
            prefix = {"language": "lang:ru", "consent": "consent:agree:"}.get(step, "bill:pay:")
            update = self.user.press(self.last_with_buttons(), self.button_data(prefix))
        return update.model_dump_json(exclude_none=True)

    def button_data(self, prefix: str) -> str:
        """The data of the newest button the bot sent that starts so (codes on buttons are
        sealed for the chat: only the bot's own data is honoured)."""
        for message in reversed(self.messages()):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("callback_data", "").startswith(prefix):
                        return button["callback_data"]
        raise AssertionError(f"no button {prefix!r}")

    def messages(self) -> list[dict]:
        """The bot's messages in the chat as the user sees them now, after edits."""
        return [m for m in self.telegram.chat_messages(USER) if m.get("from", {}).get("is_bot")]

    def last_with_buttons(self) -> Message:
        for message in reversed(self.messages()):
            if message.get("reply_markup"):
                return Message.model_validate(message)
        raise AssertionError("no message with buttons")

    def texts(self) -> list[str]:
        return [message.get("text", "") for message in self.messages()]


async def killed_while(telegram, bot: BotProcess, method: str, how: str, send=None) -> None:
    """Hold `method`, SIGKILL once the bot is inside the call, restart. `send`: the request
    that led there (an update), which then dies with the process, unanswered."""
    telegram.hold(method, done=how == "sent")
    in_flight = asyncio.create_task(send()) if send else None
    assert await wait_until(lambda: telegram.held.get(method.lower(), 0) >= 1)
    await bot.kill()
    telegram.release(method)
    if in_flight is not None:
        with pytest.raises(aiohttp.ClientError):
            await in_flight  # no answer: Telegram will deliver the update again
    await bot.start()


@contextlib.asynccontextmanager
async def running_bot(
    telegram, database_url: str, tmp_path: Path, **settings: str
) -> AsyncIterator[tuple[BotProcess, Payments]]:
    """A bot process on `database_url`, and the test's own hands on that database."""
    bot = BotProcess(bot_env(telegram, database_url, **settings), tmp_path / "bot.log", telegram)
    async with Payments(database_url) as payments:
        await bot.start()
        try:
            yield bot, payments
        finally:
            await bot.stop()


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"


@pytest.mark.parametrize(("step", "method", "how"), FLOW_CASES)
async def test_killed_in_the_conversation(telegram, tmp_path, step, method, how):
    chat = Chat(telegram)
    async with running_bot(telegram, sqlite_url(tmp_path), tmp_path) as (bot, payments):
        for done in STEPS:
            update = chat.update(done)
            if done == step:
                await killed_while(telegram, bot, method, how, partial(bot.post_update, update))
            assert await bot.post_update(update) == 200  # Telegram's redelivery, or the step
        async with payments.app.sessions() as session:
            opened = list(await session.scalars(select(Payment)))
    assert len(opened) == 1  # one payment page for the code, however often "Pay" came through
    button = chat.last_with_buttons().reply_markup.inline_keyboard[0][0]
    assert button.url == opened[0].payment_url
    # The same update answered twice only when Telegram took a message we never heard of; an
    # edit made twice changes nothing.
    extra = len(chat.texts()) - list(ANSWERS.values()).count("sendMessage")
    assert extra == (1 if how == "sent" and method == "sendMessage" else 0)
    # Each press answered once: with the answer to the delivery that got through.
    answers = telegram.calls_to("answerCallbackQuery")
    assert len(answers) == 3 and all(call.via_webhook for call in answers)


CALLBACK_CASES = [
    ("sendMessage", "lost", {}),  # the receipt
    ("sendMessage", "sent", {"receipt": 1}),
    ("sendDocument", "lost", {}),  # its PDF
    ("sendDocument", "sent", {"pdf": 1}),
]


@pytest.mark.parametrize(("method", "how", "expected_duplicates"), CALLBACK_CASES)
async def test_killed_between_the_callback_and_the_receipt(
    telegram, database_url, tmp_path, method, how, expected_duplicates
):
    lease = {"OUTBOX_LEASE_SECONDS": "1"}
    async with running_bot(telegram, database_url, tmp_path, **lease) as (bot, payments):
        body, headers = payments.callback(await payments.open(CODE, user_id=USER))
        assert await bot.post_callback(body, headers) == 200
        await killed_while(telegram, bot, method, how)
        assert await bot.post_callback(body, headers) == 200  # the acquirer's retry
        assert await outbox_settled(payments.app.sessions)
        async with payments.app.sessions() as session:
            receipts = await session.scalar(select(func.count()).select_from(Receipt))
    sent = receipt_messages(telegram)
    assert receipts == 1
    assert {kind: len(calls) - 1 for kind, calls in sent.items() if len(calls) > 1} == (
        expected_duplicates
    )
    assert all(len(calls) >= 1 for calls in sent.values())


def processes() -> dict[int, tuple[int, str]]:
    """Every process's parent and state, from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
            found[int(stat.parent.name)] = (int(parent), state)
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
async def test_a_killed_bot_leaves_no_process_behind(telegram, tmp_path):
    """Its PDF worker goes with it, or every crash would leave one (~200 MB) running."""
    async with running_bot(telegram, sqlite_url(tmp_path), tmp_path) as (bot, payments):
        body, headers = payments.callback(await payments.open(CODE, user_id=USER))
        assert await bot.post_callback(body, headers) == 200
        assert await outbox_settled(payments.app.sessions)  # the PDF is made by then
        workers = {pid for pid, (parent, _) in processes().items() if parent == bot.pid}
        assert workers
        await bot.kill()

    def workers_running() -> bool:
        return any(processes().get(pid, (0, "Z"))[1] != "Z" for pid in workers)

    assert await wait_until(lambda: not workers_running(), timeout=5)


async def test_killed_while_the_callback_is_handled(telegram, tmp_path):
    """Killed at once, the callback may or may not have committed, and its receipt may be on
    its way (a callback takes a few ms): the retry and the lease settle it. The receipt is
    held short of Telegram, so a kill after its send is the other test's case, not this one."""
    lease = {"OUTBOX_LEASE_SECONDS": "1"}
    async with running_bot(telegram, sqlite_url(tmp_path), tmp_path, **lease) as (bot, payments):
        body, headers = payments.callback(await payments.open(CODE, user_id=USER))
        telegram.hold("sendMessage")
        in_flight = asyncio.create_task(bot.post_callback(body, headers))
        await asyncio.sleep(0.01)
        await bot.kill()
        telegram.release("sendMessage")
        await asyncio.gather(in_flight, return_exceptions=True)
        await bot.start()
        assert await bot.post_callback(body, headers) == 200
        assert await outbox_settled(payments.app.sessions)
    assert {kind: len(calls) for kind, calls in receipt_messages(telegram).items()} == {
        "receipt": 1,
        "pdf": 1,
    }


def receipt_messages(telegram) -> dict[str, list]:
    calls = telegram.sent_messages(USER)
    return {
        "receipt": [c for c in calls if c.method == "sendMessage" and "SBX-" in (c.text or "")],
        "pdf": [c for c in calls if c.method == "sendDocument"],
    }
