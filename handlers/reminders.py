"""The payer's "Remind me before the deadline" under a bill, and the reminder's way back to
the bill. Both buttons are sealed for their chat (ui.seal); the code is looked up again
through the one checked path, within the look-up limits, and the deadline is the billing's,
never the button's."""

from datetime import timedelta

import structlog
from aiogram import Router
from aiogram.types import CallbackQuery

from core.clock import utcnow
from core.statuses import BillStatus
from handlers.flow import Conversation, acknowledge, outdated
from payments.billing import BillingUnavailable
from payments.reminders import remember_deadline
from storage.reminders import Reminders
from ui.support_keyboards import DeadlineOptIn, ReminderBill

log = structlog.get_logger(__name__)


def build_router(lead: timedelta) -> Router:
    router = Router(name="reminders")

    async def opt_in(
        query: CallbackQuery,
        callback_data: DeadlineOptIn,
        conversation: Conversation,
        reminders: Reminders,
    ) -> None:
        t = conversation.t
        if not conversation.sealed(callback_data.code, callback_data.tag):
            await outdated(query, t)
            return
        code = await conversation.checked_code(callback_data.code)
        if code is None:  # the user is told why (a limit) in the chat
            await acknowledge(query)
            return
        try:
            bill = await conversation.payments.lookup(code)
        except BillingUnavailable:
            await acknowledge(query, alert=t.plain("billing-unavailable"))
            return
        await conversation.looked_up(known=bill is not None)
        if (
            bill is None
            or bill.status is not BillStatus.UNPAID
            or bill.expires_at is None
            or await conversation.needs_consent(bill.service)
        ):
            await acknowledge(query, alert=t.plain("button-outdated"))
            return
        remind_at = bill.expires_at - lead
        if remind_at <= utcnow():
            deadline = bill.expires_at
            await acknowledge(query, alert=t.plain("deadline-reminder-too-late", deadline=deadline))
            return
        await remember_deadline(
            reminders,
            user_id=conversation.user_id,
            chat_id=conversation.chat_id,
            code=code,
            language=t.language,
            deadline=bill.expires_at,
            remind_at=remind_at,
        )
        await acknowledge(query, alert=t.plain("deadline-reminder-set", when=remind_at))

    async def open_bill(
        query: CallbackQuery, callback_data: ReminderBill, conversation: Conversation
    ) -> None:
        if not conversation.sealed(callback_data.code, callback_data.tag):
            await outdated(query, conversation.t)
            return
        await acknowledge(query)
        await conversation.show_code(callback_data.code)

    router.callback_query.register(opt_in, DeadlineOptIn.filter())
    router.callback_query.register(open_bill, ReminderBill.filter())
    return router
