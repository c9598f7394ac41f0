"""A code typed at the code step, the consent question's answers, and the bill's buttons: Pay
(one payment page per code, reopened if expired), Cancel, and a new page for an old one."""

from typing import Any

from aiogram import F, Router
from aiogram.filters import MagicData, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, Update

from core.services import Service
from core.statuses import PaymentStatus
from handlers.consent import ask_consent, consented, record_consent
from handlers.documents import read_before_consent
from handlers.lookup import checked_code, explain_not_payable, explain_refusal, show_code
from handlers.states import PayFlow
from payments.acquirers import AcquirerError
from payments.billing import BillingUnavailable
from payments.limits import LookupLimiter
from payments.outcomes import NotPayable, PaymentInProgressElsewhere, PaymentStillProcessing
from payments.service import PaymentService
from storage.payments import Payments
from storage.users import Users
from ui import keyboards, texts
from ui.callback_data import BillAction, BillChoice, ConsentAction, ConsentChoice, PaymentRetry
from ui.official_texts import DocumentKind, consent_documents
from ui.reply import Reply, acknowledge, answer_outdated, replace_buttons_with
from ui.seal import ButtonSeal

_READ = {
    ConsentAction.READ_PRIVACY: DocumentKind.PRIVACY_POLICY,
    ConsentAction.READ_TERMS: DocumentKind.USER_AGREEMENT,
    ConsentAction.READ_AUCTION: DocumentKind.AUCTION_PRIVACY_POLICY,
}


async def pay(
    code: str,
    *,
    reply: Reply,
    state: FSMContext,
    user_id: int,
    payments: PaymentService,
    payment_records: Payments,
    users: Users,
    limiter: LookupLimiter,
    seal: ButtonSeal,
    mask_names: bool,
    public_base: str,
    **_: Any,
) -> None:
    """Open (or reopen) the acquirer's payment page for a code and send its link."""
    checked = await checked_code(code, reply=reply, user_id=user_id, limiter=limiter)
    if checked is None:
        return
    code = checked
    agreed = await users.agreed_hashes(user_id)
    if not consented(agreed):
        await ask_consent(code, reply=reply, state=state, seal=seal)
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
        await explain_refusal(reply, refusal)
        return
    except NotPayable as refusal:
        await limiter.looked_up(user_id, known=refusal.bill is not None)
        await explain_not_payable(
            code,
            refusal.bill,
            reply=reply,
            user_id=user_id,
            payment_records=payment_records,
            users=users,
            mask_names=mask_names,
            public_base=public_base,
        )
        return
    except (PaymentStillProcessing, PaymentInProgressElsewhere, AcquirerError) as busy:
        await limiter.looked_up(user_id, known=True)
        await explain_refusal(reply, busy)
        return
    await limiter.looked_up(user_id, known=True)
    payment = started.payment
    service = Service(payment.service)
    if not consented(agreed, service):  # the auction's own policy, from an old button
        await ask_consent(code, service, reply=reply, state=state, seal=seal)
        return
    await state.clear()
    t = reply.t
    text = t("payment-link", amount=texts.payment_amount(payment), expires=payment.expires_at)
    if not keyboards.telegram_accepts_url(payment.payment_url):
        text += "\n\n" + t("payment-link-as-text", url=payment.payment_url)
    await reply.send(text, reply_markup=keyboards.payment_page(t, payment.payment_url))


async def code_entered(message: Message, **data: Any) -> None:
    await show_code(message.text, **data)


async def consent_answered(
    query: CallbackQuery,
    callback_data: ConsentChoice,
    event_update: Update,
    reply: Reply,
    state: FSMContext,
    user_id: int,
    users: Users,
    seal: ButtonSeal,
    **data: Any,
) -> None:
    """An answer to the consent question: a text to read first, no, or yes (then the bill)."""
    if not seal.valid(reply.chat_id, callback_data.code, callback_data.tag):
        await answer_outdated(query, reply.t)
        return
    await acknowledge(query)
    if callback_data.action in _READ:
        await read_before_consent(query, _READ[callback_data.action], reply=reply, state=state)
        return
    if callback_data.action is ConsentAction.DECLINE:
        await state.clear()
        await replace_buttons_with(query, reply.t("consent-declined"))
        return
    service = (
        Service.PLATE_AUCTION if callback_data.action is ConsentAction.AGREE_WITH_AUCTION else None
    )
    await record_consent(
        users, user_id, reply.t, event_update.update_id, consent_documents(service)
    )
    reply = reply.over(query, reply.t("consent-given"))
    await show_code(
        callback_data.code,
        reply=reply,
        state=state,
        user_id=user_id,
        users=users,
        seal=seal,
        **data,
    )


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
    query: CallbackQuery, callback_data: BillChoice, reply: Reply, seal: ButtonSeal, **data: Any
) -> None:
    """ "Pay": one payment page per code, reopened if expired."""
    if not seal.valid(reply.chat_id, callback_data.code, callback_data.tag):
        await answer_outdated(query, reply.t)
        return
    await acknowledge(query)
    await pay(callback_data.code, reply=reply, seal=seal, **data)


async def retry_pressed(
    query: CallbackQuery,
    callback_data: PaymentRetry,
    reply: Reply,
    user_id: int,
    payment_records: Payments,
    **data: Any,
) -> None:
    """A new page for a code this user has opened a page for in this chat."""
    if not await payment_records.opened_by(callback_data.code, user_id, reply.chat_id):
        await answer_outdated(query, reply.t)
        return
    await acknowledge(query)
    await pay(
        callback_data.code, reply=reply, user_id=user_id, payment_records=payment_records, **data
    )


def build_router() -> Router:
    router = Router(name="payment")
    router.message.register(code_entered, StateFilter(PayFlow.code), MagicData(F.event.text))
    # A mistyped code corrected in place is read again (a card number put in is deleted first).
    router.edited_message.register(code_entered, StateFilter(PayFlow.code), MagicData(F.event.text))
    router.callback_query.register(consent_answered, ConsentChoice.filter())
    router.callback_query.register(bill_cancelled, BillChoice.filter(F.action == BillAction.CANCEL))
    router.callback_query.register(pay_pressed, BillChoice.filter(F.action == BillAction.PAY))
    router.callback_query.register(
        retry_pressed, PaymentRetry.filter(F.action.in_({BillAction.PAY, BillAction.NEW_LINK}))
    )
    return router
