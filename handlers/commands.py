from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message

from core.codes import normalise_code
from handlers.flow import Conversation, acknowledge
from handlers.states import PayFlow
from storage.users import Users
from ui.callback_data import LanguageChoice
from ui.i18n import LANGUAGES, L10n
from ui.support_keyboards import write_to_support

# FSM data key: the code a deep link or `/pay CODE` brought, kept while the language is asked
# ("" for a payload that is no code: it is neither kept nor shown, only answered as invalid).
PENDING_CODE = "pending_code"


async def start(
    message: Message, command: CommandObject, conversation: Conversation, language_chosen: bool
) -> None:
    """/start and /pay, with or without a code (`t.me/<bot>?start=<code>` sends `/start <code>`).

    Without one they begin again from the payment code; the questions set the state they wait
    in, so nothing is cleared first (with Redis, two round trips an update). A new user is asked
    the language first and the code is kept in FSM data until then."""
    if not language_chosen:
        data = await conversation.state.get_data()
        data.pop(PENDING_CODE, None)
        if command.args is not None:
            data[PENDING_CODE] = normalise_code(command.args) or ""
        await conversation.state.set_data(data)
        await conversation.ask_language()
        return
    if command.args is None:
        await conversation.ask_code()
        return
    await open_code(conversation, command.args)


async def open_code(conversation: Conversation, text: str) -> None:
    """A code that came with a command, read as a typed one (the same checks and limits); a
    refusal leaves the user where a code is typed."""
    await conversation.state.set_state(PayFlow.code)
    await conversation.show_code(text)


async def change_language(message: Message, conversation: Conversation) -> None:
    await conversation.ask_language()


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
    conversation = conversation.replacing(query, conversation.t("language-saved"))
    pending = (await conversation.state.get_data()).get(PENDING_CODE)
    if pending is None:
        await conversation.ask_code()
        return
    await open_code(conversation, pending)
    # Dropped once answered, so an update handled again after a crash still finds it.
    data = await conversation.state.get_data()
    await conversation.state.set_data({k: v for k, v in data.items() if k != PENDING_CODE})


async def show_help(message: Message, conversation: Conversation) -> None:
    await conversation.send(conversation.t("help"), reply_markup=write_to_support(conversation.t))


async def cancel(message: Message, conversation: Conversation) -> None:
    """Ends the conversation's step; a payment page already open is not closed by it (the user
    may be paying on it), so they are told until when it stays open."""
    had_flow = await conversation.state.get_state() is not None
    await conversation.state.clear()
    open_until = await conversation.payments.open_page_until(conversation.user_id)
    if open_until is None:
        await conversation.say("cancelled" if had_flow else "nothing-to-cancel")
        return
    text = conversation.t("cancel-page-still-open", expires=open_until)
    await conversation.send(f"{conversation.t('cancelled')}\n\n{text}" if had_flow else text)


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
