"""Outbox handlers of the reminders: an open payment page closing soon, an unpaid code's
deadline coming. Each is checked again when sent: a page paid or closed meanwhile, a code paid
or no longer payable, gets no reminder."""

import structlog

from core.clock import utcnow
from core.statuses import BillStatus, OutboxKind, PaymentStatus
from delivery.support_relay import SendToUser
from payments.billing import BillingUnavailable
from payments.outbox import GiveUp, Handler, RetryLater
from payments.service import PaymentService
from storage.models import OutboxMessage
from storage.payments import Payments
from storage.reminders import Reminders
from storage.users import Users
from ui import keyboards, texts
from ui.i18n import L10n, Translator
from ui.seal import ButtonSeal
from ui.support_keyboards import back_to_bill

log = structlog.get_logger(__name__)


class ReminderDelivery:
    def __init__(
        self,
        payments: PaymentService,
        payment_records: Payments,
        users: Users,
        l10n: L10n,
        send_to_user: SendToUser,
        seal: ButtonSeal,
        reminders: Reminders,
    ) -> None:
        self._payments = payments
        self._records = payment_records
        self._reminders = reminders
        self._seal = seal
        self._users = users
        self._l10n = l10n
        self._send = send_to_user

    def handlers(self) -> dict[str, Handler]:
        return {OutboxKind.PAGE_REMINDER: self.page, OutboxKind.DEADLINE_REMINDER: self.deadline}

    async def _t(self, user_id: int | None, fallback: str) -> Translator:
        user = await self._users.get(user_id) if user_id else None
        return self._l10n[(user.language if user else None) or fallback]

    async def page(self, message: OutboxMessage) -> None:
        payment = await self._records.get(message.payment_id)
        if payment is None or message.chat_id is None:
            raise GiveUp("no payment or no chat to remind")
        if payment.status != PaymentStatus.CREATED or payment.expires_at <= utcnow():
            log.info("reminders.page_not_needed", payment_id=payment.id, status=payment.status)
            return
        t = await self._t(payment.user_id, payment.language)
        text = t(
            "page-reminder",
            code=payment.payment_code,
            amount=texts.payment_amount(payment),
            expires=payment.expires_at,
        )
        if not keyboards.telegram_accepts_url(payment.payment_url):
            text += "\n\n" + t("payment-link-as-text", url=payment.payment_url)
        markup = keyboards.payment_page(t, payment.payment_url)
        await self._send(message.chat_id, text, reply_markup=markup)

    async def deadline(self, message: OutboxMessage) -> None:
        reminder_id = (message.payload or {}).get("reminder_id")
        reminder = await self._reminders.deadline(int(reminder_id or 0))
        if reminder is None or message.chat_id is None:
            raise GiveUp("no reminder or no chat to remind")
        try:
            bill = await self._payments.lookup(reminder.payment_code)
        except BillingUnavailable as error:
            raise RetryLater("billing_unavailable") from error
        if bill is None or bill.status is not BillStatus.UNPAID:
            await self._reminders.cancel_deadline(reminder.id)
            log.info("reminders.deadline_not_needed", reminder_id=reminder.id)
            return
        t = await self._t(reminder.user_id, reminder.language)
        text = t(
            "deadline-reminder",
            code=bill.code,
            amount=bill.amount,
            deadline=bill.expires_at or reminder.deadline,
        )
        markup = back_to_bill(t, bill.code, self._seal.tag(message.chat_id, bill.code))
        await self._send(message.chat_id, text, reply_markup=markup)
