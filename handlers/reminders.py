"""The payer's "Remind me before the deadline" under a bill, and the reminder's way back to
the bill. Both buttons are sealed for their chat (ui.seal); the code is looked up again
through the one checked path, within the look-up limits, and the deadline is the billing's,
never the button's."""

from datetime import timedelta

import structlog
from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from core.clock import utcnow
from handlers.consent_steps import needs_consent
from handlers.lookup import Checkout, explain_refusal, show_code
from payments.billing import BillingUnavailable
from payments.limits import LookupLimiter
from payments.lookup import Found, look_up
from payments.service import PaymentService
from storage.reminders import Reminders
from storage.users import Users
from ui.callback_data import DeadlineOptIn, ReminderBill
from ui.reply import Reply, acknowledge, answer_outdated
from ui.seal import ButtonSeal

log = structlog.get_logger(__name__)


def build_router(lead: timedelta) -> Router:
    router = Router(name="reminders")

    async def opt_in(
        query: CallbackQuery,
        callback_data: DeadlineOptIn,
        reply: Reply,
        user_id: int,
        payments: PaymentService,
        users: Users,
        limiter: LookupLimiter,
        seal: ButtonSeal,
        reminders: Reminders,
    ) -> None:
        t = reply.t
        if not seal.valid(reply.chat_id, callback_data.code, callback_data.tag):
            await answer_outdated(query, t)
            return
        try:
            found = await look_up(payments, limiter, user_id, callback_data.code)
        except BillingUnavailable:
            await acknowledge(query, alert=t.plain("billing-unavailable"))
            return
        if not isinstance(found, Found):  # the user is told why (a limit) in the chat
            await explain_refusal(reply, found)
            await acknowledge(query)
            return
        bill = found.bill
        if (
            bill is None
            or not found.payable
            or bill.expires_at is None
            or await needs_consent(users, user_id, bill.service)
        ):
            await acknowledge(query, alert=t.plain("button-outdated"))
            return
        remind_at = bill.expires_at - lead
        if remind_at <= utcnow():
            deadline = bill.expires_at
            await acknowledge(query, alert=t.plain("deadline-reminder-too-late", deadline=deadline))
            return
        if await reminders.remember_deadline(
            user_id=user_id,
            chat_id=reply.chat_id,
            code=found.code,
            language=t.language,
            deadline=bill.expires_at,
            remind_at=remind_at,
        ):
            log.info("reminders.deadline_requested", code=found.code)
        await acknowledge(query, alert=t.plain("deadline-reminder-set", when=remind_at))

    async def open_bill(
        query: CallbackQuery,
        callback_data: ReminderBill,
        reply: Reply,
        state: FSMContext,
        user_id: int,
        checkout: Checkout,
    ) -> None:
        if not checkout.seal.valid(reply.chat_id, callback_data.code, callback_data.tag):
            await answer_outdated(query, reply.t)
            return
        await acknowledge(query)
        await show_code(
            callback_data.code, reply=reply, state=state, user_id=user_id, checkout=checkout
        )

    router.callback_query.register(opt_in, DeadlineOptIn.filter())
    router.callback_query.register(open_bill, ReminderBill.filter())
    return router
