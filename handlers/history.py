"""/history: the user's payments, newest first, a page at a time, each receipt sendable again."""

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from core.clock import BISHKEK, utcnow
from core.statuses import PaymentStatus
from payments.receipts import ReceiptView
from storage.models import Payment
from storage.payments import Payments
from ui import keyboards, texts
from ui.callback_data import HistoryPageChoice, HistoryReceipt
from ui.i18n import Translator
from ui.reply import Reply, acknowledge, answer_outdated, edit_pressed

PAGE_SIZE = 5


async def page_of_history(
    t: Translator, records: Payments, user_id: int, page: int
) -> tuple[str, object]:
    payments, total = await records.history(user_id, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    if total == 0:
        return t("history-empty"), None
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    lines = [t("history-title", page=page + 1, pages=pages)]
    now = utcnow()
    receipts: list[list[InlineKeyboardButton]] = []
    for payment in payments:
        lines.append(
            t(
                "history-line",
                date=payment.created_at.astimezone(BISHKEK).date(),
                code=payment.payment_code,
                service=t.plain(f"service-{payment.service}"),
                amount=payment.money,
                status=t.plain(f"payment-status-{payment.status}"),
            )
        )
        if payment.status == PaymentStatus.PAID:
            found = await records.receipt_for_payment(payment.id)
            if found is not None:
                label = t.plain("button-history-receipt", number=found.receipt.number)
                receipts.append([keyboards.button(label, HistoryReceipt(payment_id=payment.id))])
        elif page_open(payment, now):
            label = t.plain("button-history-open-page", code=payment.payment_code)
            if keyboards.telegram_accepts_url(payment.payment_url):
                receipts.append([InlineKeyboardButton(text=label, url=payment.payment_url)])
            else:
                lines.append(t("payment-link-as-text", url=payment.payment_url))
    navigation = [
        keyboards.button(t.plain(label), HistoryPageChoice(page=target))
        for label, target in (("button-previous", page - 1), ("button-next", page + 1))
        if 0 <= target < pages
    ]
    return "\n".join(lines), keyboards.rows(*receipts, navigation)


def page_open(payment: Payment, now: datetime) -> bool:
    """The payment's page can still be paid on: the way back to it is offered."""
    return (
        payment.status == PaymentStatus.CREATED
        and bool(payment.payment_url)
        and payment.expires_at > now
    )


async def show_history(
    message: Message, reply: Reply, user_id: int, payment_records: Payments
) -> None:
    text, markup = await page_of_history(reply.t, payment_records, user_id, 0)
    await reply.send(text, reply_markup=markup)


async def turn_history(
    query: CallbackQuery,
    callback_data: HistoryPageChoice,
    t: Translator,
    user_id: int,
    payment_records: Payments,
) -> None:
    await acknowledge(query)
    text, markup = await page_of_history(t, payment_records, user_id, callback_data.page)
    await edit_pressed(query, text, reply_markup=markup)


async def resend_receipt(
    query: CallbackQuery,
    callback_data: HistoryReceipt,
    reply: Reply,
    user_id: int,
    payment_records: Payments,
    public_base: str,
) -> None:
    found = await payment_records.receipt_for_payment(callback_data.payment_id)
    if found is None or found.payment.user_id != user_id:  # not theirs: say nothing
        await answer_outdated(query, reply.t)
        return
    await acknowledge(query)
    view = ReceiptView.of(found.payment, found.receipt)
    await reply.send(texts.receipt_message(reply.t, view, public_base))


def build_router() -> Router:
    router = Router(name="history")
    router.message.register(show_history, Command("history"))
    router.callback_query.register(turn_history, HistoryPageChoice.filter())
    router.callback_query.register(resend_receipt, HistoryReceipt.filter())
    return router
