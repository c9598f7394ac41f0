"""The consent question's answers: a text to read first, no, or yes (then the bill)."""

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Update

from core.services import Service
from handlers.consent_steps import record_consent
from handlers.documents import read_before_consent
from handlers.lookup import Checkout, show_code
from ui.callback_data import ConsentAction, ConsentChoice
from ui.official_texts import DocumentKind, consent_documents
from ui.reply import Reply, acknowledge, answer_outdated, replace_buttons_with

_READ = {
    ConsentAction.READ_PRIVACY: DocumentKind.PRIVACY_POLICY,
    ConsentAction.READ_TERMS: DocumentKind.USER_AGREEMENT,
    ConsentAction.READ_AUCTION: DocumentKind.AUCTION_PRIVACY_POLICY,
}


async def consent_answered(
    query: CallbackQuery,
    callback_data: ConsentChoice,
    event_update: Update,
    reply: Reply,
    state: FSMContext,
    user_id: int,
    checkout: Checkout,
) -> None:
    """An answer to the consent question: a text to read first, no, or yes (then the bill)."""
    if not checkout.seal.valid(reply.chat_id, callback_data.code, callback_data.tag):
        await answer_outdated(query, reply.t)
        return
    await acknowledge(query)
    if callback_data.action in _READ:
        await read_before_consent(query, _READ[callback_data.action], reply=reply, state=state)
        return
    if callback_data.action is ConsentAction.DECLINE:
        await state.clear()
        await replace_buttons_with(query, reply.t("consent-declined"))
        return
    service = (
        Service.PLATE_AUCTION if callback_data.action is ConsentAction.AGREE_WITH_AUCTION else None
    )
    await record_consent(
        checkout.users, user_id, reply.t, event_update.update_id, consent_documents(service)
    )
    reply = reply.over(query, reply.t("consent-given"))
    await show_code(
        callback_data.code, reply=reply, state=state, user_id=user_id, checkout=checkout
    )


def build_router() -> Router:
    router = Router(name="consent")
    router.callback_query.register(consent_answered, ConsentChoice.filter())
    return router
