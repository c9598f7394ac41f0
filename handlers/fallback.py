"""Whatever the other routers did not take: any text, sticker or stale button, at any step."""

from aiogram import F, Router
from aiogram.filters import MagicData, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from core.codes import normalise_code
from handlers.lookup import Checkout, show_code
from handlers.states import PayFlow
from ui.reply import Reply, answer_outdated


async def expecting_button(message: Message, reply: Reply) -> None:
    await reply.say("use-buttons")


async def expecting_code_text(message: Message, reply: Reply) -> None:
    await reply.say("send-code-as-text")


async def code_without_asking(
    message: Message,
    code: str,
    reply: Reply,
    state: FSMContext,
    user_id: int,
    checkout: Checkout,
) -> None:
    """A user who just sends a code (at any step) means to pay it."""
    await show_code(code, reply=reply, state=state, user_id=user_id, checkout=checkout)


async def anything_else(message: Message, reply: Reply) -> None:
    await reply.say("unknown-input")


async def stale_button(query: CallbackQuery, reply: Reply) -> None:
    await answer_outdated(query, reply.t)


def build_router() -> Router:
    router = Router(name="fallback")
    router.message.register(expecting_button, StateFilter(PayFlow.language))
    router.message.register(expecting_code_text, StateFilter(PayFlow.code))
    router.message.register(
        code_without_asking, MagicData(F.event.text.func(normalise_code).as_("code"))
    )
    router.message.register(expecting_button, StateFilter(PayFlow.consent))
    router.message.register(expecting_button, StateFilter(PayFlow.bill))
    router.message.register(anything_else)
    router.callback_query.register(stale_button)
    return router
