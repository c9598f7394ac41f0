"""ui.reply: a step's first message is written over the message whose button was pressed
(once), falls back to a new one where Telegram refuses the edit, and a redelivered step whose
message shows already sends nothing again."""

from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import EditMessageText

from ui.i18n import L10n
from ui.reply import PressedMessage, Reply

t = L10n()["en"]


class Bot:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_message(self, chat_id: int, text: str, reply_markup=None) -> None:
        self.sent.append(text)


class EditableMessage:
    """A pressed button's message: records its edits, or refuses them as Telegram would."""

    def __init__(self, refusal: str | None = None) -> None:
        self.refusal = refusal
        self.edits: list[str] = []

    async def edit_text(self, text: str, reply_markup=None) -> None:
        if self.refusal is not None:
            raise TelegramBadRequest(EditMessageText(text=text), self.refusal)
        self.edits.append(text)


def reply_over(bot: Bot, message: EditableMessage) -> Reply:
    return Reply(bot, 1, t, PressedMessage(message, "Saved."))  # type: ignore[arg-type]


async def test_the_first_message_goes_over_the_pressed_one_the_next_are_sent():
    bot, pressed = Bot(), EditableMessage()
    reply = reply_over(bot, pressed)
    await reply.send("first")
    await reply.send("second")
    assert pressed.edits == ["Saved.\n\nfirst"]
    assert bot.sent == ["second"]


async def test_a_message_too_old_to_edit_is_answered_with_a_new_one():
    bot = Bot()
    await reply_over(bot, EditableMessage("Bad Request: message can't be edited")).send("first")
    assert bot.sent == ["Saved.\n\nfirst"]


async def test_a_redelivered_step_shown_already_sends_nothing():
    bot = Bot()
    await reply_over(bot, EditableMessage("Bad Request: message is not modified")).send("first")
    assert bot.sent == []


async def test_in_another_language_keeps_the_pressed_message():
    bot, pressed = Bot(), EditableMessage()
    reply = reply_over(bot, pressed).in_language(L10n()["ru"])
    await reply.say("ask-code")
    assert pressed.edits == ["Saved.\n\n" + L10n()["ru"]("ask-code")]


async def test_without_a_pressed_message_everything_is_sent():
    bot = Bot()
    await Reply(bot, 1, t).say("ask-code")  # type: ignore[arg-type]
    assert bot.sent == [t("ask-code")]
