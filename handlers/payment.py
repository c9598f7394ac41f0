"""A code typed at the code step, and the bill's buttons: Pay (one payment page per code,
reopened if expired), Cancel, and a new page for an old one."""

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from core.services import Service
from core.statuses import PaymentStatus
from handlers.consent_steps import ask_consent, consented
from handlers.filters import text_not_command
from handlers.lookup import Checkout, checked_code, explain_not_payable, explain_refusal, show_code
from handlers.states import PayFlow
from payments.acquirers import AcquirerError
from payments.billing import BillingUnavailable
from payments.outcomes import NotPayable, PaymentInProgressElsewhere, PaymentStillProcessing
from storage.payments import Payments
from ui import keyboards, texts
from ui.callback_data import BillAction, BillChoice, PaymentRetry
from ui.reply import Reply, acknowledge, answer_outdated, replace_buttons_with
from ui.seal import ButtonSeal


async def pay(
    code: str, *, reply: Reply, state: FSMContext, user_id: int, checkout: Checkout
) -> None:
    """Open (or reopen) the acquirer's payment page for a code and send its link."""
    payments, users, limiter = checkout.payments, checkout.users, checkout.limiter
    admitted = await checked_code(code, reply=reply, user_id=user_id, limiter=limiter)
    if admitted is None:
        return
    code, ticket = admitted.code, admitted.ticket
    agreed = await users.agreed_hashes(user_id)
    if not consented(agreed):
        await limiter.withdraw(ticket)  # nothing looked up yet
        await ask_consent(code, reply=reply, state=state, seal=checkout.seal)
        return
    try:
        started = await payments.start_payment(
            code=code,
            user_id=user_id,
            chat_id=reply.chat_id,
            language=reply.t.language,
            description=reply.t.plain("payment-description", code=code),
        )
    except BillingUnavailable as refusal:
        await limiter.withdraw(ticket)
        await explain_refusal(reply, refusal)
        return
    except NotPayable as refusal:
        if refusal.bill is None:
            await limiter.unknown_code(ticket)
        await explain_not_payable(
            code, refusal.bill, reply=reply, user_id=user_id, checkout=checkout
        )
        return
    except (PaymentStillProcessing, PaymentInProgressElsewhere, AcquirerError) as busy:
        await explain_refusal(reply, busy)
        return
    payment = started.payment
    service = Service(payment.service)
    if not consented(agreed, service):  # the auction's own policy, from an old button
        await ask_consent(code, service, reply=reply, state=state, seal=checkout.seal)
        return
    await state.clear()
    t = reply.t
    text = t("payment-link", amount=texts.payment_amount(payment), expires=payment.expires_at)
    if not keyboards.telegram_accepts_url(payment.payment_url):
        text += "\n\n" + t("payment-link-as-text", url=payment.payment_url)
    await reply.send(text, reply_markup=keyboards.payment_page(t, payment.payment_url))


async def code_entered(
    message: Message, reply: Reply, state: FSMContext, user_id: int, checkout: Checkout
) -> None:
    await show_code(message.text, reply=reply, state=state, user_id=user_id, checkout=checkout)


async def bill_cancelled(
    query: CallbackQuery,
    callback_data: BillChoice,
    reply: Reply,
    state: FSMContext,
    user_id: int,
    payment_records: Payments,
    seal: ButtonSeal,
) -> None:
    """Cancel closes the bill. A payment made or a page opened from it meanwhile (Pay was
    pressed) is not cancelled by it: the user is told so, and the bill stays as it is."""
    t = reply.t
    if not seal.valid(reply.chat_id, callback_data.code, callback_data.tag):
        await answer_outdated(query, t)
        return
    payment = await payment_records.settled_or_open(callback_data.code, user_id)
    if payment is not None and payment.status == PaymentStatus.PAID:
        await acknowledge(query, alert=t.plain("cancel-already-paid"))
        return
    if payment is not None:
        await acknowledge(query, alert=t.plain("cancel-page-open", expires=payment.expires_at))
        return
    await acknowledge(query)
    await state.clear()
    await replace_buttons_with(query, t("cancelled"))


async def pay_pressed(
    query: CallbackQuery,
    callback_data: BillChoice,
    reply: Reply,
    state: FSMContext,
    user_id: int,
    checkout: Checkout,
) -> None:
    """ "Pay": one payment page per code, reopened if expired."""
    if not checkout.seal.valid(reply.chat_id, callback_data.code, callback_data.tag):
        await answer_outdated(query, reply.t)
        return
    await acknowledge(query)
    await pay(callback_data.code, reply=reply, state=state, user_id=user_id, checkout=checkout)


async def retry_pressed(
    query: CallbackQuery,
    callback_data: PaymentRetry,
    reply: Reply,
    state: FSMContext,
    user_id: int,
    checkout: Checkout,
) -> None:
    """A new page for a code this user has opened a page for in this chat."""
    if not await checkout.records.opened_by(callback_data.code, user_id, reply.chat_id):
        await answer_outdated(query, reply.t)
        return
    await acknowledge(query)
    await pay(callback_data.code, reply=reply, state=state, user_id=user_id, checkout=checkout)


def build_router() -> Router:
    router = Router(name="payment")
    code_step = (StateFilter(PayFlow.code), text_not_command)
    router.message.register(code_entered, *code_step)
    # A mistyped code corrected in place is read again (a card number put in is deleted first).
    router.edited_message.register(code_entered, *code_step)
    router.callback_query.register(pay_pressed, BillChoice.filter(F.action == BillAction.PAY))
    router.callback_query.register(bill_cancelled, BillChoice.filter(F.action == BillAction.CANCEL))
    router.callback_query.register(
        retry_pressed, PaymentRetry.filter(F.action.in_({BillAction.PAY, BillAction.NEW_LINK}))
    )
    return router
