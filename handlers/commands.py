from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message

from bot.i18n import LANGUAGES, L10n
from handlers.callbacks import LanguageChoice
from handlers.flow import Conversation, acknowledge
from handlers.support_buttons import write_to_support
from storage.users import Users


async def start(message: Message, conversation: Conversation, language_chosen: bool) -> None:
    """/start (also in the middle of a flow) and /pay begin again from the payment code.

    Both questions set the state they wait in, and the flow keeps nothing in FSM data, so
    nothing is cleared first (with Redis, two round trips an update)."""
    if not language_chosen:
        await conversation.ask_language(first=conversation.t.language)
        return
    await conversation.ask_code()


async def change_language(message: Message, conversation: Conversation) -> None:
    await conversation.ask_language(first=conversation.t.language)


async def language_chosen(
    query: CallbackQuery,
    callback_data: LanguageChoice,
    conversation: Conversation,
    users: Users,
    l10n: L10n,
) -> None:
    conversation = conversation.speaking(l10n[callback_data.language])
    await users.set_language(conversation.user_id, conversation.chat_id, callback_data.language)
    await acknowledge(query)
    await conversation.replacing(query, conversation.t("language-saved")).ask_code()


async def show_help(message: Message, conversation: Conversation) -> None:
    await conversation.send(conversation.t("help"), reply_markup=write_to_support(conversation.t))


async def cancel(message: Message, conversation: Conversation) -> None:
    had_flow = await conversation.state.get_state() is not None
    await conversation.state.clear()
    await conversation.say("cancelled" if had_flow else "nothing-to-cancel")


def build_router() -> Router:
    router = Router(name="commands")
    router.message.register(start, CommandStart())
    router.message.register(start, Command("pay"))
    router.message.register(change_language, Command("language"))
    router.message.register(show_help, Command("help"))
    router.message.register(cancel, Command("cancel"))
    router.callback_query.register(
        language_chosen, LanguageChoice.filter(F.language.in_(LANGUAGES))
    )
    return router
