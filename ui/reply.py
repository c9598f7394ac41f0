"""The bot's side of one chat: its messages in the user's language, and the answers to a
pressed button (handlers get a `Reply` as `reply`, injected by bot.middlewares.ReplyMiddleware)."""

from dataclasses import dataclass, replace

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message

from ui.i18n import Translator
from ui.webhook_answer import carried

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class PressedMessage:
    """The message whose button began this step, with a note line saying what the press did.

    The step's first message is written over it (one message edited instead of one edited and
    one sent: a shorter chat on a small screen, and a request fewer to Telegram)."""

    message: Message
    note: str
    written_over: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    """Sends to one chat in one language; the first message may go over a pressed one."""

    bot: Bot
    chat_id: int
    t: Translator
    pressed: PressedMessage | None = None

    def in_language(self, t: Translator) -> "Reply":
        return replace(self, t=t)

    def over(self, query: CallbackQuery, note: str) -> "Reply":
        """This reply, its next message written over the one whose button was pressed, under
        `note`."""
        if not isinstance(query.message, Message):
            return self
        return replace(self, pressed=PressedMessage(query.message, note))

    async def send(self, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
        pressed = self.pressed
        if pressed is None or pressed.written_over:
            await self.bot.send_message(self.chat_id, text, reply_markup=reply_markup)
            return
        pressed.written_over = True
        text = f"{pressed.note}\n\n{text}"
        try:
            await pressed.message.edit_text(text, reply_markup=reply_markup)
        except TelegramBadRequest as error:
            if "not modified" in error.message:  # a redelivered update: this step shows already
                return
            log.info("message.not_edited", reason=error.message)
            await self.bot.send_message(self.chat_id, text, reply_markup=reply_markup)

    async def say(self, message_id: str, **args: object) -> None:
        """The Fluent message `message_id`, in this reply's language."""
        await self.send(self.t(message_id, **args))

    async def send_file(self, filename: str, data: bytes, caption: str) -> None:
        """`data` as a document named `filename`, always a new message."""
        document = BufferedInputFile(data, filename=filename)
        await self.bot.send_document(self.chat_id, document, caption=caption)


async def acknowledge(query: CallbackQuery, alert: str | None = None) -> None:
    """Stop the button's spinner, with `alert` shown if given: with the webhook's answer when
    the update came through it (ui.webhook_answer). Telegram refuses an answer given late
    (after a restart or a backlog): the press still counts, so the step goes on."""
    method = query.answer(alert, show_alert=alert is not None)
    if not carried(method):
        await send_button_answer(method)


async def send_button_answer(method: AnswerCallbackQuery) -> None:
    """A button's answer as a request of its own (`method` made by `CallbackQuery.answer`)."""
    try:
        await method
    except TelegramBadRequest as error:
        log.info("button.not_answered", reason=error.message)


async def answer_outdated(query: CallbackQuery, t: Translator) -> None:
    """The answer to a button that is stale, or was not given to this chat (forged)."""
    await acknowledge(query, alert=t.plain("button-outdated"))


async def edit_pressed(
    query: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Write `text` (and its buttons) over the message whose button was pressed, e.g. a page
    turned in place. One too old to edit, or showing this already, is left as it is."""
    if not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_text(text, reply_markup=reply_markup)
    except TelegramBadRequest as error:
        log.info("message.not_edited", reason=error.message)


async def replace_buttons_with(query: CallbackQuery, text: str) -> None:
    """Turn the message whose button was pressed into a plain one, so it is not pressed again."""
    await edit_pressed(query, text)
