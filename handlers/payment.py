from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from handlers.callbacks import BillAction, BillChoice
from handlers.flow import pay, replace_buttons_with, show_code
from handlers.states import PayFlow
from payments.codes import normalise_code
from payments.service import PaymentService
from storage.users import Users


async def code_entered(
    message: Message, state: FSMContext, t: Translator, payments: PaymentService, users: Users
) -> None:
    code = normalise_code(message.text)
    if code is None:
        await message.answer(t("code-invalid"))
        return
    await show_code(
        message.bot, message.chat.id, message.from_user.id, code, state, t, payments, users
    )


async def bill_cancelled(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await state.clear()
    await replace_buttons_with(query, t("cancelled"))


async def pay_pressed(
    query: CallbackQuery,
    callback_data: BillChoice,
    state: FSMContext,
    t: Translator,
    payments: PaymentService,
    users: Users,
) -> None:
    """ "Pay", "Try again" and "Get a new link": one payment page per code, reopened if expired."""
    await query.answer()
    await pay(
        query.bot,
        query.from_user.id,
        query.from_user.id,
        callback_data.code,
        state,
        t,
        payments,
        users,
    )


def build_router() -> Router:
    router = Router(name="payment")
    router.message.register(code_entered, PayFlow.code, F.text)
    router.callback_query.register(bill_cancelled, BillChoice.filter(F.action == BillAction.CANCEL))
    router.callback_query.register(pay_pressed, BillChoice.filter())
    return router
