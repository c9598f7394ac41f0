"""/mydata and /forget: the user's own data, given or erased."""

import json

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, Update

from storage.personal_data import PaymentStillOpen, PersonalData
from storage.users import Users
from ui import keyboards
from ui.callback_data import ForgetChoice
from ui.i18n import Translator
from ui.reply import Reply, acknowledge, replace_buttons_with


async def my_data(
    message: Message, reply: Reply, user_id: int, personal_data: PersonalData
) -> None:
    data = await personal_data.export(user_id)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    await reply.send_file("my-data.json", body, reply.t("mydata-caption"))


async def ask_to_forget(message: Message, reply: Reply) -> None:
    await reply.send(reply.t("forget-confirm"), reply_markup=keyboards.forget_confirm(reply.t))


async def forget_chosen(
    query: CallbackQuery,
    callback_data: ForgetChoice,
    event_update: Update,
    t: Translator,
    state: FSMContext,
    user_id: int,
    users: Users,
) -> None:
    await acknowledge(query)
    if not callback_data.erase:
        await replace_buttons_with(query, t("forget-kept"))
        return
    try:
        await users.forget(user_id, event_update.update_id)
    except PaymentStillOpen as open_payment:
        await replace_buttons_with(query, t("forget-payment-open", expires=open_payment.expires_at))
        return
    await state.clear()
    await replace_buttons_with(query, t("forget-done"))


def build_router() -> Router:
    router = Router(name="mydata")
    router.message.register(my_data, Command("mydata"))
    router.message.register(ask_to_forget, Command("forget"))
    router.callback_query.register(forget_chosen, ForgetChoice.filter())
    return router
