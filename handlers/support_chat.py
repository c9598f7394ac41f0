"""Write to support: the user's next text goes to the support chat as a ticket, and a
support reply to that ticket's message comes back to the user.

Only messages in the configured support chat count as answers, and only replies to the bot's
own messages there; anything else said in that chat is staff talking among themselves.
"""

import math

import structlog
from aiogram import Bot, F, Router
from aiogram.filters import Command, MagicData, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from handlers.filters import not_command, text_not_command
from payments.outbox import OutboxWorker
from payments.support_relay import SupportLimiter, open_ticket, queue_answer
from storage.tickets import Tickets
from ui.callback_data import SupportOpen
from ui.i18n import L10n
from ui.reply import Reply, acknowledge

log = structlog.get_logger(__name__)


class SupportFlow(StatesGroup):
    writing = State()


async def private(message: Message) -> bool:
    return message.chat.type == "private"


async def replies_to_bot(message: Message, bot: Bot) -> bool:
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot.id


def build_router(support_chat_id: int | None, limiter: SupportLimiter) -> Router:
    """The users' side: /support or its button, then their next text as a ticket. After the
    conversation's routers: none of them takes a text in the writing state but a command."""
    router = Router(name="support")

    async def open_support(reply: Reply, state: FSMContext) -> None:
        if support_chat_id is None:
            await reply.say("support-unavailable")
            return
        await state.set_state(SupportFlow.writing)
        await reply.say("support-ask")

    async def support_command(message: Message, reply: Reply, state: FSMContext) -> None:
        await open_support(reply, state)

    async def support_pressed(query: CallbackQuery, reply: Reply, state: FSMContext) -> None:
        await acknowledge(query)
        await open_support(reply, state)

    async def question(
        message: Message,
        reply: Reply,
        state: FSMContext,
        user_id: int,
        tickets: Tickets,
        outbox: OutboxWorker,
    ) -> None:
        """A card number never gets here: the card guard deleted the message already."""
        if support_chat_id is None:  # the setting was removed while they were writing
            await state.clear()
            await reply.say("support-unavailable")
            return
        wait = await limiter.wait_seconds(user_id)
        if wait:
            log.warning("support.limited")
            await state.clear()
            await reply.say("support-wait", minutes=math.ceil(wait / 60))
            return
        ticket = await open_ticket(
            tickets,
            user_id=user_id,
            chat_id=reply.chat_id,
            language=reply.t.language,
            support_chat_id=support_chat_id,
            text=message.text or "",
        )
        await limiter.written(user_id)
        outbox.wake()
        await state.clear()
        await reply.say("support-sent", ticket=ticket)

    async def not_text(message: Message, reply: Reply) -> None:
        await reply.say("support-text-only")

    router.message.register(support_command, Command("support"), private)
    router.callback_query.register(support_pressed, SupportOpen.filter())
    writing = StateFilter(SupportFlow.writing)
    router.message.register(question, writing, private, text_not_command)
    router.message.register(not_text, writing, private, MagicData(~F.event.text))
    return router


def build_staff_router(support_chat_id: int | None, support_language: str) -> Router | None:
    """The staff's side, first of all routers (none without a support chat): everything said
    in their chat is theirs, a command replied there included; one check passes the rest on."""
    if support_chat_id is None:
        return None
    router = Router(name="support_staff")

    async def in_support_chat(message: Message) -> bool:
        return message.chat.id == support_chat_id

    async def answer(message: Message, l10n: L10n, tickets: Tickets, outbox: OutboxWorker) -> None:
        replied = message.reply_to_message
        assert replied is not None
        t = l10n[support_language]
        ticket = await tickets.of_copy(support_chat_id, replied.message_id)
        if ticket is None:
            await message.reply(t("support-reply-unknown"))
            return
        if not message.text:
            await message.reply(t("support-reply-text-only"))
            return
        if await queue_answer(tickets, ticket, support_chat_id, message.message_id, message.text):
            outbox.wake()

    async def staff_talk(message: Message) -> None:
        """Said in the support chat to colleagues, or a command there: not for the bot to
        answer (a command would run as in the staff member's private chat, for all to read)."""

    router.message.filter(in_support_chat)
    router.message.register(answer, replies_to_bot, not_command)
    router.message.register(staff_talk)
    return router
