"""What a user sees after giving a code (typed, on a button, in a link or a command): a
refusal, the consent step or the bill, through payments.lookup's one checked path.

A handler that leads to one of these steps takes the step's collaborators as one `checkout`
(put into the dispatcher's workflow data by bot.app), so every entry makes the same checks with
the same dependencies."""

import math
from dataclasses import dataclass

from aiogram.fsm.context import FSMContext

from core.services import Service
from core.statuses import BillStatus
from handlers.consent_steps import ask_consent, needs_consent
from handlers.states import PayFlow
from payments.billing import Bill, BillingUnavailable
from payments.limits import Limit, LookupLimiter
from payments.lookup import Admitted, Found, Limited, NotACode, admit, look_up
from payments.outcomes import PaymentInProgressElsewhere, PaymentStillProcessing
from payments.receipts import ReceiptView
from payments.service import PaymentService
from storage.payments import Payments
from storage.users import Users
from ui import keyboards, support_keyboards, texts
from ui.reply import Reply
from ui.seal import ButtonSeal


@dataclass(frozen=True, slots=True)
class Checkout:
    """What showing a code's bill and opening its payment page work with."""

    payments: PaymentService
    records: Payments
    users: Users
    limiter: LookupLimiter
    seal: ButtonSeal
    terms: texts.PaymentTerms | None
    mask_names: bool
    public_base: str


WAIT_MESSAGES = {
    Limit.UNKNOWN_CODES: "lookup-wait",
    Limit.USER_LOOKUPS: "lookup-too-often",
    Limit.OVERALL: "lookup-busy",
}


def refusal_message(reason: object) -> tuple[str, dict[str, object]]:
    """Why a code's bill or payment page is not given now, as a message id and its arguments:
    not a code, a look-up limit, the billing away, the page being paid elsewhere or still
    being settled; anything else (the acquirer's refusal) as the page being unavailable."""
    match reason:
        case NotACode():
            return "code-invalid", {}
        case Limited(limit=limit, wait_seconds=wait):
            return WAIT_MESSAGES[limit], {"minutes": math.ceil(wait / 60)}
        case BillingUnavailable():
            return "billing-unavailable", {}
        case PaymentInProgressElsewhere(payment=payment):
            return "payment-in-progress-elsewhere", {"expires": payment.expires_at}
        case PaymentStillProcessing():
            return "payment-still-processing", {}
        case _:
            return "payment-page-unavailable", {}


async def explain_refusal(reply: Reply, reason: object) -> None:
    message_id, args = refusal_message(reason)
    await reply.say(message_id, **args)


async def checked_code(
    text: str | None, *, reply: Reply, user_id: int, limiter: LookupLimiter
) -> Admitted | None:
    """A code from outside, normalised and validated, then within the look-up limits and
    counted (see payments.lookup.admit). None: refused, and the user told why."""
    admitted = await admit(limiter, user_id, text)
    if isinstance(admitted, Admitted):
        return admitted
    await explain_refusal(reply, admitted)
    return None


async def show_code(
    text: str | None, *, reply: Reply, state: FSMContext, user_id: int, checkout: Checkout
) -> None:
    """What a user sees after sending a code: a refusal, the consent step or the bill."""
    try:
        found = await look_up(checkout.payments, checkout.limiter, user_id, text)
    except BillingUnavailable as unavailable:
        await explain_refusal(reply, unavailable)
        return
    if not isinstance(found, Found):
        await explain_refusal(reply, found)
        return
    bill = found.bill
    if bill is None or not found.payable:
        await state.set_state(PayFlow.code)
        await explain_not_payable(found.code, bill, reply=reply, user_id=user_id, checkout=checkout)
        return
    seal = checkout.seal
    if await needs_consent(checkout.users, user_id, bill.service):
        await ask_consent(bill.code, bill.service, reply=reply, state=state, seal=seal)
        return
    await state.set_state(PayFlow.bill)
    tag = seal.tag(reply.chat_id, bill.code)
    markup = keyboards.bill(reply.t, bill.code, tag)
    if bill.expires_at is not None:
        markup = support_keyboards.with_deadline_offer(reply.t, bill.code, tag, markup)
    await reply.send(texts.bill_details(reply.t, bill, checkout.terms), reply_markup=markup)


async def explain_not_payable(
    code: str, bill: Bill | None, *, reply: Reply, user_id: int, checkout: Checkout
) -> None:
    # An unknown code and one we may not show get the same answer: nothing to harvest.
    # The code is not repeated: what was taken for one may be a card number.
    if bill is None:
        await reply.say("code-unknown")
        return
    await reply.say(f"code-{bill.status.value}", code=code)
    if bill.status is BillStatus.PAID:
        found = await checkout.records.receipt_for_code(code)
        if found is not None:
            payment = found.payment
            mask = checkout.mask_names and await needs_consent(
                checkout.users, user_id, Service(payment.service)
            )
            stranger = payment.user_id != user_id
            view = ReceiptView.of(payment, found.receipt, mask=mask, stranger=stranger)
            await reply.send(texts.receipt_message(reply.t, view, checkout.public_base))
