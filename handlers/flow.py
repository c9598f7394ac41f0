"""The steps of the payment conversation, shared by the handlers that lead to them."""

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot import render
from bot.documents import CONSENT_DOCUMENTS, DocumentKind, current_hashes, official_text
from bot.i18n import Translator
from handlers import keyboards
from handlers.states import PayFlow
from payments.acquirers import AcquirerError
from payments.billing import Bill, BillingUnavailable
from payments.invoices import demo_invoices
from payments.receipts import ReceiptView
from payments.service import NotPayable, PaymentInProgressElsewhere, PaymentService
from payments.states import BillStatus
from storage.users import Users

log = structlog.get_logger(__name__)


async def ask_code(bot: Bot, chat_id: int, state: FSMContext, t: Translator) -> None:
    await state.set_state(PayFlow.code)
    await bot.send_message(chat_id, t("ask-code", example=_example_code()))


def _example_code() -> str:
    code = demo_invoices()[0].code
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


async def replace_buttons_with(query: CallbackQuery, text: str) -> None:
    """Turn the message whose button was pressed into a plain one, so it is not pressed again."""
    if not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_text(text)
    except TelegramBadRequest as error:  # too old to edit, or already says this
        log.info("message.not_edited", reason=error.message)


async def show_code(
    bot: Bot,
    chat_id: int,
    user_id: int,
    code: str,
    state: FSMContext,
    t: Translator,
    payments: PaymentService,
    users: Users,
) -> None:
    """What a user sees after sending a code: a refusal, the consent step or the bill."""
    try:
        bill = await payments.lookup(code)
    except BillingUnavailable:
        await bot.send_message(chat_id, t("billing-unavailable"))
        return
    if bill is None or bill.status is not BillStatus.UNPAID:
        await state.set_state(PayFlow.code)
        await explain_not_payable(bot, chat_id, code, bill, t, payments)
        return
    if await needs_consent(users, user_id):
        await ask_consent(bot, chat_id, code, state, t)
        return
    await show_bill(bot, chat_id, bill, state, t)


async def explain_not_payable(
    bot: Bot, chat_id: int, code: str, bill: Bill | None, t: Translator, payments: PaymentService
) -> None:
    # An unknown code and one we may not show get the same answer: nothing to harvest.
    if bill is None:
        await bot.send_message(chat_id, t("code-unknown", code=code))
        return
    await bot.send_message(chat_id, t(f"code-{bill.status.value}", code=code))
    if bill.status is BillStatus.PAID:
        found = await payments.receipt_for_code(code)
        if found is not None:
            await bot.send_message(chat_id, render.receipt(t, ReceiptView.of(*found)))


async def needs_consent(users: Users, user_id: int) -> bool:
    agreed = await users.agreed_hashes(user_id)
    return any(not (current_hashes(kind) & agreed) for kind in CONSENT_DOCUMENTS)


async def ask_consent(bot: Bot, chat_id: int, code: str, state: FSMContext, t: Translator) -> None:
    await state.set_state(PayFlow.consent)
    await state.update_data(code=code)
    versions = {kind: official_text(kind, t.language).version for kind in CONSENT_DOCUMENTS}
    text = t(
        "consent-ask",
        privacy_version=versions[DocumentKind.PRIVACY_POLICY],
        terms_version=versions[DocumentKind.USER_AGREEMENT],
    )
    await bot.send_message(chat_id, text, reply_markup=keyboards.consent(t, code))


async def send_document(bot: Bot, chat_id: int, kind: DocumentKind, t: Translator) -> None:
    document = official_text(kind, t.language)
    if document.language != t.language:
        await bot.send_message(chat_id, t("consent-official-languages"))
    title = t(kind.value)
    await bot.send_document(
        chat_id,
        BufferedInputFile(document.text.encode("utf-8"), filename=document.filename),
        caption=f"{title} ({document.version})",
    )


async def show_bill(bot: Bot, chat_id: int, bill: Bill, state: FSMContext, t: Translator) -> None:
    await state.set_state(PayFlow.bill)
    await state.update_data(code=bill.code)
    await bot.send_message(
        chat_id, render.bill_details(t, bill), reply_markup=keyboards.bill(t, bill.code)
    )


async def pay(
    bot: Bot,
    chat_id: int,
    user_id: int,
    code: str,
    state: FSMContext,
    t: Translator,
    payments: PaymentService,
    users: Users,
) -> None:
    """Open (or reopen) the acquirer's payment page for a code and send its link."""
    if await needs_consent(users, user_id):
        await ask_consent(bot, chat_id, code, state, t)
        return
    try:
        started = await payments.start_payment(
            code=code,
            user_id=user_id,
            chat_id=chat_id,
            language=t.language,
            description=t.plain("payment-description", code=code),
        )
    except BillingUnavailable:
        await bot.send_message(chat_id, t("billing-unavailable"))
        return
    except NotPayable as refusal:
        await explain_not_payable(bot, chat_id, code, refusal.bill, t, payments)
        return
    except PaymentInProgressElsewhere as busy:
        expires = render.until(busy.payment.expires_at)
        await bot.send_message(chat_id, t("payment-in-progress-elsewhere", expires=expires))
        return
    except AcquirerError:
        await bot.send_message(chat_id, t("payment-page-unavailable"))
        return
    await state.clear()
    payment = started.payment
    text = t(
        "payment-link",
        amount=render.payment_amount(payment),
        expires=render.until(payment.expires_at),
    )
    if not keyboards.telegram_accepts_url(payment.payment_url):
        text += "\n\n" + t("payment-link-as-text", url=payment.payment_url)
    await bot.send_message(
        chat_id, text, reply_markup=keyboards.payment_page(t, payment.payment_url, code)
    )
