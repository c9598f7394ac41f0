"""The one way from a code given from outside (typed, on a button, in a link or a command) to
its bill: normalised, within the look-up limits, looked up, then a refusal, the consent step
or the bill. Steps take what they need from the dispatcher's workflow data by name; a handler
hands its data on (`**data`), so every entry makes the same checks."""

import math
from typing import Any

import structlog
from aiogram.fsm.context import FSMContext

from core.codes import normalise_code
from core.services import Service
from core.statuses import BillStatus
from handlers.consent import ask_consent, needs_consent
from handlers.states import PayFlow
from payments.acquirers import AcquirerError
from payments.billing import Bill, BillingUnavailable
from payments.limits import Limit, LookupLimiter
from payments.receipts import ReceiptView
from payments.service import PaymentInProgressElsewhere, PaymentService, PaymentStillProcessing
from storage.users import Users
from ui import keyboards, support_keyboards, texts
from ui.reply import Reply
from ui.seal import ButtonSeal

log = structlog.get_logger(__name__)

WAIT_MESSAGES = {
    Limit.UNKNOWN_CODES: "lookup-wait",
    Limit.USER_LOOKUPS: "lookup-too-often",
    Limit.OVERALL: "lookup-busy",
}

# Why a code's bill or page cannot be given now, most specific first.
REFUSALS: tuple[tuple[type[Exception], str], ...] = (
    (BillingUnavailable, "billing-unavailable"),
    (PaymentInProgressElsewhere, "payment-in-progress-elsewhere"),
    (PaymentStillProcessing, "payment-still-processing"),
    (AcquirerError, "payment-page-unavailable"),
)


async def explain_refusal(reply: Reply, refusal: Exception) -> None:
    """The user's answer to a refusal of REFUSALS (an unknown one reads as the page's)."""
    message_id = next(
        (message for kind, message in REFUSALS if isinstance(refusal, kind)),
        "payment-page-unavailable",
    )
    if isinstance(refusal, PaymentInProgressElsewhere):
        await reply.say(message_id, expires=refusal.payment.expires_at)
        return
    await reply.say(message_id)


async def checked_code(
    text: str | None, *, reply: Reply, user_id: int, limiter: LookupLimiter
) -> str | None:
    """A code from outside, normalised and validated, then within the look-up limits. None:
    refused, and the user told why. The caller reports the look-up it makes (`looked_up`)."""
    code = normalise_code(text)
    if code is None:
        await reply.say("code-invalid")
        return None
    wait, limit = await limiter.wait_for(user_id)
    if limit is not None:
        log.warning("lookup.limited", limit=limit.value)
        await reply.say(WAIT_MESSAGES[limit], minutes=math.ceil(wait / 60))
        return None
    return code


async def show_code(
    text: str | None,
    *,
    reply: Reply,
    state: FSMContext,
    user_id: int,
    payments: PaymentService,
    users: Users,
    limiter: LookupLimiter,
    seal: ButtonSeal,
    terms: texts.PaymentTerms | None,
    **data: Any,
) -> None:
    """What a user sees after sending a code: a refusal, the consent step or the bill."""
    code = await checked_code(text, reply=reply, user_id=user_id, limiter=limiter)
    if code is None:
        return
    try:
        bill = await payments.lookup(code)
    except BillingUnavailable as refusal:
        await explain_refusal(reply, refusal)
        return
    await limiter.looked_up(user_id, known=bill is not None)
    if bill is None or bill.status is not BillStatus.UNPAID:
        await state.set_state(PayFlow.code)
        await explain_not_payable(
            code, bill, reply=reply, user_id=user_id, payments=payments, users=users, **data
        )
        return
    if await needs_consent(users, user_id, bill.service):
        await ask_consent(bill.code, bill.service, reply=reply, state=state, seal=seal)
        return
    await state.set_state(PayFlow.bill)
    tag = seal.tag(reply.chat_id, bill.code)
    markup = keyboards.bill(reply.t, bill.code, tag)
    if bill.expires_at is not None:
        markup = support_keyboards.with_deadline_offer(reply.t, bill.code, tag, markup)
    await reply.send(texts.bill_details(reply.t, bill, terms), reply_markup=markup)


async def explain_not_payable(
    code: str,
    bill: Bill | None,
    *,
    reply: Reply,
    user_id: int,
    payments: PaymentService,
    users: Users,
    mask_names: bool,
    public_base: str,
    **_: Any,
) -> None:
    # An unknown code and one we may not show get the same answer: nothing to harvest.
    # The code is not repeated: what was taken for one may be a card number.
    if bill is None:
        await reply.say("code-unknown")
        return
    await reply.say(f"code-{bill.status.value}", code=code)
    if bill.status is BillStatus.PAID:
        found = await payments.receipt_for_code(code)
        if found is not None:
            payment, receipt = found
            mask = mask_names and await needs_consent(users, user_id, Service(payment.service))
            stranger = payment.user_id != user_id
            view = ReceiptView.of(payment, receipt, mask=mask, stranger=stranger)
            await reply.send(texts.receipt_message(reply.t, view, public_base))
