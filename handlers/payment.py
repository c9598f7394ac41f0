from aiogram import F, Router
from aiogram.filters import MagicData, StateFilter
from aiogram.types import CallbackQuery, Message

from core.statuses import PaymentStatus
from handlers.flow import Conversation, acknowledge, outdated, replace_buttons_with
from handlers.states import PayFlow
from ui.callback_data import BillAction, BillChoice, PaymentRetry


async def code_entered(message: Message, conversation: Conversation) -> None:
    await conversation.show_code(message.text)


async def bill_cancelled(
    query: CallbackQuery, callback_data: BillChoice, conversation: Conversation
) -> None:
    """Cancel closes the bill. A payment made or a page opened from it meanwhile (Pay was
    pressed) is not cancelled by it: the user is told so, and the bill stays as it is."""
    if not conversation.sealed(callback_data.code, callback_data.tag):
        await outdated(query, conversation.t)
        return
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
    """ "Pay": one payment page per code, reopened if expired."""
    if not conversation.sealed(callback_data.code, callback_data.tag):
        await outdated(query, conversation.t)
        return
    await acknowledge(query)
    await conversation.pay(callback_data.code)


async def retry_pressed(
    query: CallbackQuery, callback_data: PaymentRetry, conversation: Conversation
) -> None:
    """A new page for a code this user has opened a page for in this chat."""
    opened = await conversation.payments.opened_by(
        callback_data.code, conversation.user_id, conversation.chat_id
    )
    if not opened:
        await outdated(query, conversation.t)
        return
    await acknowledge(query)
    await conversation.pay(callback_data.code)


def build_router() -> Router:
    router = Router(name="payment")
    router.message.register(code_entered, StateFilter(PayFlow.code), MagicData(F.event.text))
    # A mistyped code corrected in place is read again (a card number put in is deleted first).
    router.edited_message.register(code_entered, StateFilter(PayFlow.code), MagicData(F.event.text))
    router.callback_query.register(bill_cancelled, BillChoice.filter(F.action == BillAction.CANCEL))
    router.callback_query.register(pay_pressed, BillChoice.filter(F.action == BillAction.PAY))
    router.callback_query.register(
        retry_pressed, PaymentRetry.filter(F.action.in_({BillAction.PAY, BillAction.NEW_LINK}))
    )
    return router
