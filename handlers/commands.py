from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.i18n import LANGUAGES, L10n, Translator
from handlers import keyboards
from handlers.callbacks import LanguageChoice
from handlers.flow import ask_code, replace_buttons_with
from handlers.states import PayFlow
from storage.users import Users


async def start(
    message: Message, state: FSMContext, t: Translator, language: str, language_chosen: bool
) -> None:
    """/start (also in the middle of a flow) and /pay begin again from the payment code."""
    await state.clear()
    if not language_chosen:
        await ask_language(message, state, t, language)
        return
    await ask_code(message.bot, message.chat.id, state, t)


async def change_language(
    message: Message, state: FSMContext, t: Translator, language: str
) -> None:
    await ask_language(message, state, t, language)


async def ask_language(message: Message, state: FSMContext, t: Translator, language: str) -> None:
    await state.set_state(PayFlow.language)
    await message.answer(t("language-choose"), reply_markup=keyboards.languages(first=language))


async def language_chosen(
    query: CallbackQuery,
    callback_data: LanguageChoice,
    state: FSMContext,
    users: Users,
    l10n: L10n,
) -> None:
    t = l10n[callback_data.language]
    chat_id = query.message.chat.id if query.message else query.from_user.id
    await users.set_language(query.from_user.id, chat_id, callback_data.language)
    await query.answer()
    await replace_buttons_with(query, t("language-saved"))
    await ask_code(query.bot, chat_id, state, t)


async def show_help(message: Message, t: Translator) -> None:
    await message.answer(t("help"))


async def cancel(message: Message, state: FSMContext, t: Translator) -> None:
    had_flow = await state.get_state() is not None
    await state.clear()
    await message.answer(t("cancelled") if had_flow else t("nothing-to-cancel"))


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
