from aiogram import F, Router
from aiogram.filters import MagicData, StateFilter
from aiogram.types import CallbackQuery, Message

from handlers.callbacks import BillAction, BillChoice
from handlers.flow import Conversation, acknowledge, replace_buttons_with
from handlers.states import PayFlow
from payments.codes import normalise_code
from payments.states import PaymentStatus


async def code_entered(message: Message, conversation: Conversation) -> None:
    code = normalise_code(message.text)
    if code is None:
        await conversation.say("code-invalid")
        return
    await conversation.show_code(code)


async def bill_cancelled(
    query: CallbackQuery, callback_data: BillChoice, conversation: Conversation
) -> None:
    """Cancel closes the bill. A payment made or a page opened from it meanwhile (Pay was
    pressed) is not cancelled by it: the user is told so, and the bill stays as it is."""
    t = conversation.t
    payment = await conversation.payments.settled_or_open(callback_data.code, conversation.user_id)
    if payment is not None and payment.status == PaymentStatus.PAID:
        await acknowledge(query, alert=t.plain("cancel-already-paid"))
        return
    if payment is not None:
        await acknowledge(query, alert=t.plain("cancel-page-open", expires=payment.expires_at))
        return
    await acknowledge(query)
    await conversation.state.clear()
    await replace_buttons_with(query, t("cancelled"))


async def pay_pressed(
    query: CallbackQuery, callback_data: BillChoice, conversation: Conversation
) -> None:
    """ "Pay", "Try again" and "Get a new link": one payment page per code, reopened if expired."""
    await acknowledge(query)
    await conversation.pay(callback_data.code)


def build_router() -> Router:
    router = Router(name="payment")
    router.message.register(code_entered, StateFilter(PayFlow.code), MagicData(F.event.text))
    # A mistyped code corrected in place is read again (a card number put in is deleted first).
    router.edited_message.register(code_entered, StateFilter(PayFlow.code), MagicData(F.event.text))
    router.callback_query.register(bill_cancelled, BillChoice.filter(F.action == BillAction.CANCEL))
    router.callback_query.register(pay_pressed, BillChoice.filter())
    return router
