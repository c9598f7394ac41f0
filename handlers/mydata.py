"""/mydata and /forget: the user's own data, given or erased."""

import json

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message, Update

from handlers.flow import Conversation, acknowledge, replace_buttons_with
from storage.personal_data import PaymentStillOpen, export_user
from ui import keyboards
from ui.callback_data import ForgetChoice


async def my_data(message: Message, conversation: Conversation) -> None:
    data = await export_user(conversation.payments.sessions, conversation.user_id)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    await conversation.bot.send_document(
        conversation.chat_id,
        BufferedInputFile(body, filename="my-data.json"),
        caption=conversation.t("mydata-caption"),
    )


async def ask_to_forget(message: Message, conversation: Conversation) -> None:
    t = conversation.t
    await message.answer(t("forget-confirm"), reply_markup=keyboards.forget_confirm(t))


async def forget_chosen(
    query: CallbackQuery,
    callback_data: ForgetChoice,
    event_update: Update,
    conversation: Conversation,
) -> None:
    await acknowledge(query)
    if not callback_data.erase:
        await replace_buttons_with(query, conversation.t("forget-kept"))
        return
    try:
        await conversation.users.forget(conversation.user_id, event_update.update_id)
    except PaymentStillOpen as open_payment:
        text = conversation.t("forget-payment-open", expires=open_payment.expires_at)
        await replace_buttons_with(query, text)
        return
    await conversation.state.clear()
    await replace_buttons_with(query, conversation.t("forget-done"))


def build_router() -> Router:
    router = Router(name="mydata")
    router.message.register(my_data, Command("mydata"))
    router.message.register(ask_to_forget, Command("forget"))
    router.callback_query.register(forget_chosen, ForgetChoice.filter())
    return router
