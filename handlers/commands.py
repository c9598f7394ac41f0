from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from core.codes import normalise_code
from handlers.filters import is_command
from handlers.lookup import Checkout, show_code
from handlers.states import PayFlow
from storage.payments import Payments
from storage.users import Users
from ui import keyboards
from ui.callback_data import LanguageChoice
from ui.i18n import LANGUAGES, L10n
from ui.reply import Reply, acknowledge
from ui.support_keyboards import write_to_support

# FSM data key: the code a deep link or `/pay CODE` brought, kept while the language is asked
# ("" for a payload that is no code: it is neither kept nor shown, only answered as invalid).
PENDING_CODE = "pending_code"


async def ask_language(reply: Reply, state: FSMContext) -> None:
    await state.set_state(PayFlow.language)
    await reply.send(reply.t("language-choose"), reply_markup=keyboards.languages())


async def ask_code(reply: Reply, state: FSMContext) -> None:
    await state.set_state(PayFlow.code)
    await reply.say("ask-code")


async def start(
    message: Message,
    command: CommandObject,
    reply: Reply,
    state: FSMContext,
    user_id: int,
    language_chosen: bool,
    checkout: Checkout,
) -> None:
    """/start and /pay, with or without a code (`t.me/<bot>?start=<code>` sends `/start <code>`).

    Without one they begin again from the payment code; the questions set the state they wait
    in, so nothing is cleared first (with Redis, two round trips an update). A new user is asked
    the language first and the code is kept in FSM data until then."""
    if not language_chosen:
        stored = await state.get_data()
        stored.pop(PENDING_CODE, None)
        if command.args is not None:
            stored[PENDING_CODE] = normalise_code(command.args) or ""
        await state.set_data(stored)
        await ask_language(reply, state)
        return
    if command.args is None:
        await ask_code(reply, state)
        return
    await open_code(command.args, reply=reply, state=state, user_id=user_id, checkout=checkout)


async def open_code(
    text: str, *, reply: Reply, state: FSMContext, user_id: int, checkout: Checkout
) -> None:
    """A code that came with a command, read as a typed one (the same checks and limits); a
    refusal leaves the user where a code is typed."""
    await state.set_state(PayFlow.code)
    await show_code(text, reply=reply, state=state, user_id=user_id, checkout=checkout)


async def change_language(message: Message, reply: Reply, state: FSMContext) -> None:
    await ask_language(reply, state)


async def language_chosen(
    query: CallbackQuery,
    callback_data: LanguageChoice,
    reply: Reply,
    state: FSMContext,
    user_id: int,
    users: Users,
    l10n: L10n,
    checkout: Checkout,
) -> None:
    reply = reply.in_language(l10n[callback_data.language])
    await users.set_language(user_id, reply.chat_id, callback_data.language)
    await acknowledge(query)
    reply = reply.over(query, reply.t("language-saved"))
    pending = (await state.get_data()).get(PENDING_CODE)
    if pending is None:
        await ask_code(reply, state)
        return
    await open_code(pending, reply=reply, state=state, user_id=user_id, checkout=checkout)
    # Dropped once answered, so an update handled again after a crash still finds it.
    stored = await state.get_data()
    await state.set_data({k: v for k, v in stored.items() if k != PENDING_CODE})


async def show_help(message: Message, reply: Reply) -> None:
    await reply.send(reply.t("help"), reply_markup=write_to_support(reply.t))


async def cancel(
    message: Message, reply: Reply, state: FSMContext, user_id: int, payment_records: Payments
) -> None:
    """Ends the conversation's step; a payment page already open is not closed by it (the user
    may be paying on it), so they are told until when it stays open."""
    had_flow = await state.get_state() is not None
    await state.clear()
    open_until = await payment_records.open_page_until(user_id)
    if open_until is None:
        await reply.say("cancelled" if had_flow else "nothing-to-cancel")
        return
    t = reply.t
    text = t("cancel-page-still-open", expires=open_until)
    await reply.send(f"{t('cancelled')}\n\n{text}" if had_flow else text)


def build_router() -> Router:
    router = Router(name="commands")
    # A code or any other text is passed on with one check instead of one a command.
    router.message.filter(is_command)
    router.message.register(start, CommandStart())
    router.message.register(start, Command("pay"))
    router.message.register(change_language, Command("language"))
    router.message.register(show_help, Command("help"))
    router.message.register(cancel, Command("cancel"))
    router.callback_query.register(
        language_chosen, LanguageChoice.filter(F.language.in_(LANGUAGES))
    )
    return router
