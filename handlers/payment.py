from aiogram import F, Router
from aiogram.filters import MagicData, StateFilter
from aiogram.types import CallbackQuery, Message

from handlers.callbacks import BillAction, BillChoice
from handlers.flow import Conversation, replace_buttons_with
from handlers.states import PayFlow
from payments.codes import normalise_code


async def code_entered(message: Message, conversation: Conversation) -> None:
    code = normalise_code(message.text)
    if code is None:
        await conversation.say("code-invalid")
        return
    await conversation.show_code(code)


async def bill_cancelled(query: CallbackQuery, conversation: Conversation) -> None:
    await query.answer()
    await conversation.state.clear()
    await replace_buttons_with(query, conversation.t("cancelled"))


async def pay_pressed(
    query: CallbackQuery, callback_data: BillChoice, conversation: Conversation
) -> None:
    """ "Pay", "Try again" and "Get a new link": one payment page per code, reopened if expired."""
    await query.answer()
    await conversation.pay(callback_data.code)


def build_router() -> Router:
    router = Router(name="payment")
    router.message.register(code_entered, StateFilter(PayFlow.code), MagicData(F.event.text))
    router.callback_query.register(bill_cancelled, BillChoice.filter(F.action == BillAction.CANCEL))
    router.callback_query.register(pay_pressed, BillChoice.filter())
    return router
