"""Whatever the other routers did not take: any text, sticker or stale button, at any step."""

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from handlers.flow import show_code
from handlers.states import PayFlow
from payments.codes import normalise_code
from payments.service import PaymentService
from storage.users import Users


async def expecting_language(message: Message, t: Translator) -> None:
    await message.answer(t("use-buttons"))


async def expecting_code_text(message: Message, t: Translator) -> None:
    await message.answer(t("send-code-as-text"))


async def code_without_asking(
    message: Message,
    code: str,
    state: FSMContext,
    t: Translator,
    payments: PaymentService,
    users: Users,
) -> None:
    """A user who just sends a code (at any step) means to pay it."""
    await show_code(
        message.bot, message.chat.id, message.from_user.id, code, state, t, payments, users
    )


async def expecting_button(message: Message, t: Translator) -> None:
    await message.answer(t("use-buttons"))


async def anything_else(message: Message, t: Translator) -> None:
    await message.answer(t("unknown-input"))


async def stale_button(query: CallbackQuery, t: Translator) -> None:
    await query.answer(t.plain("button-outdated"), show_alert=True)


def build_router() -> Router:
    router = Router(name="fallback")
    router.message.register(expecting_language, PayFlow.language)
    router.message.register(expecting_code_text, PayFlow.code)
    router.message.register(code_without_asking, F.text.func(normalise_code).as_("code"))
    router.message.register(expecting_button, PayFlow.consent)
    router.message.register(expecting_button, PayFlow.bill)
    router.message.register(anything_else)
    router.callback_query.register(stale_button)
    return router
