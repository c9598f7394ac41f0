"""Outbox handlers that speak to Telegram: the receipt and the declined notice."""

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile

from core.metrics import Metrics
from core.statuses import OutboxKind
from delivery.pacing import Pacer
from payments.billing import Billing, PaidConfirmation
from payments.outbox import GiveUp, Handler, Hold, RetryLater
from payments.receipts import ReceiptView, verify_path
from storage.models import OutboxMessage
from storage.payments import Payments
from storage.users import Users
from ui import keyboards, texts
from ui.i18n import L10n, Translator
from ui.receipt_pdf import render_receipt_pdf


class ReceiptDelivery:
    def __init__(
        self,
        bot: Bot,
        payments: Payments,
        users: Users,
        billing: Billing,
        l10n: L10n,
        metrics: Metrics,
        pacer: Pacer,
        public_base: str,
    ) -> None:
        self._public_base = public_base
        self._metrics = metrics
        self._pacer = pacer
        self._bot = bot
        self._payments = payments
        self._users = users
        self._billing = billing
        self._l10n = l10n

    def handlers(self) -> dict[str, Handler]:
        return {
            OutboxKind.RECEIPT: self.receipt,
            OutboxKind.RECEIPT_PDF: self.receipt_pdf,
            OutboxKind.PAYMENT_DECLINED: self.declined,
            OutboxKind.PAYMENT_EXPIRED: self.expired,
            OutboxKind.BILLING_CONFIRM: self.billing_confirm,
        }

    async def _language(self, user_id: int | None, fallback: str) -> str:
        user = await self._users.get(user_id) if user_id else None
        return (user.language if user else None) or fallback

    async def _receipt(self, message: OutboxMessage) -> tuple[Translator, ReceiptView, str]:
        found = await self._payments.receipt_for_payment(message.payment_id)
        if found is None or message.chat_id is None:
            raise GiveUp("no receipt or no chat to send it to")
        t = self._l10n[await self._language(found.payment.user_id, found.payment.language)]
        url = self._public_base + verify_path(found.receipt.public_id)
        return t, ReceiptView.of(found.payment, found.receipt), url

    async def receipt(self, message: OutboxMessage) -> None:
        t, view, _ = await self._receipt(message)
        await self._send(message.chat_id, texts.receipt_message(t, view, self._public_base))

    async def receipt_pdf(self, message: OutboxMessage) -> None:
        t, view, url = await self._receipt(message)
        pdf = await render_receipt_pdf(t.language, view, url)
        document = BufferedInputFile(pdf, filename=f"receipt-{view.number}.pdf")
        caption = t("pdf-caption", number=view.number)
        await self._send(message.chat_id, caption, document=document)

    async def declined(self, message: OutboxMessage) -> None:
        payment = await self._payments.get(message.payment_id)
        if payment is None or message.chat_id is None:
            raise GiveUp("no payment or no chat to tell")
        t = self._l10n[await self._language(payment.user_id, payment.language)]
        reason = (
            payment.decline_reason if payment.decline_reason == "insufficient_funds" else "other"
        )
        text = t(
            "payment-declined",
            code=payment.payment_code,
            reason=t.plain(f"decline-reason-{reason}"),
        )
        await self._send(
            message.chat_id, text, reply_markup=keyboards.try_again(t, payment.payment_code)
        )

    async def expired(self, message: OutboxMessage) -> None:
        payment = await self._payments.get(message.payment_id)
        if payment is None or message.chat_id is None:
            raise GiveUp("no payment or no chat to tell")
        t = self._l10n[await self._language(payment.user_id, payment.language)]
        text = t("payment-expired", code=payment.payment_code)
        await self._send(
            message.chat_id, text, reply_markup=keyboards.new_link(t, payment.payment_code)
        )

    async def billing_confirm(self, message: OutboxMessage) -> None:
        payment = await self._payments.get(message.payment_id)
        if payment is None or payment.paid_at is None:
            raise GiveUp("no paid payment to confirm")
        await self._billing.confirm_paid(
            PaidConfirmation(
                code=payment.payment_code,
                order_id=payment.order_id,
                transaction_id=payment.acquirer_transaction_id or "",
                amount=payment.money,
                paid_at=payment.paid_at,
            )
        )

    async def send(self, chat_id: int, text: str, **kwargs: object) -> None:
        """A message to a user's chat from another kind's handler, mapped as `_send` maps it."""
        await self._send(chat_id, text, **kwargs)

    async def _send(
        self, chat_id: int, text: str, document: BufferedInputFile | None = None, **kwargs: object
    ) -> None:
        """A message (or a document with `text` as its caption), mapping Telegram's errors to
        the outbox's retry, hold and give-up."""
        await self._pacer.wait(chat_id)
        try:
            if document is not None:
                await self._bot.send_document(chat_id, document, caption=text, **kwargs)
            else:
                await self._bot.send_message(chat_id, text, **kwargs)
        except TelegramRetryAfter as error:
            self._metrics.telegram_errors.labels(kind="retry_after").inc()
            raise RetryLater("telegram_429", delay=error.retry_after) from error
        except (TelegramServerError, TelegramNetworkError) as error:
            self._metrics.telegram_errors.labels(kind="server_or_network").inc()
            raise RetryLater(type(error).__name__) from error
        except TelegramForbiddenError as error:
            self._metrics.telegram_errors.labels(kind="forbidden").inc()
            await self._users.mark_unreachable(chat_id)
            raise Hold(f"forbidden: {error.message}") from error
        except TelegramBadRequest as error:
            if "chat not found" in error.message.lower():
                self._metrics.telegram_errors.labels(kind="chat_not_found").inc()
                await self._users.mark_unreachable(chat_id)
                raise Hold(f"chat not found: {error.message}") from error
            self._metrics.telegram_errors.labels(kind="bad_request").inc()
            raise GiveUp(f"bad request: {error.message}") from error
