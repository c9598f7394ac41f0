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

router = Router(name="fallback")


@router.message(PayFlow.language)
async def expecting_language(message: Message, t: Translator) -> None:
    await message.answer(t("use-buttons"))


@router.message(PayFlow.code)
async def expecting_code_text(message: Message, t: Translator) -> None:
    await message.answer(t("send-code-as-text"))


@router.message(F.text.func(normalise_code).as_("code"))
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


@router.message(PayFlow.consent)
@router.message(PayFlow.bill)
async def expecting_button(message: Message, t: Translator) -> None:
    await message.answer(t("use-buttons"))


@router.message()
async def anything_else(message: Message, t: Translator) -> None:
    await message.answer(t("unknown-input"))


@router.callback_query()
async def stale_button(query: CallbackQuery, t: Translator) -> None:
    await query.answer(t.plain("button-outdated"), show_alert=True)
