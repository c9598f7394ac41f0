from aiogram import Router
from aiogram.types import CallbackQuery, Update

from core.services import Service
from handlers.documents import read_before_consent
from handlers.flow import Conversation, acknowledge, outdated, replace_buttons_with
from ui.callback_data import ConsentAction, ConsentChoice
from ui.official_texts import DocumentKind, consent_documents

_READ = {
    ConsentAction.READ_PRIVACY: DocumentKind.PRIVACY_POLICY,
    ConsentAction.READ_TERMS: DocumentKind.USER_AGREEMENT,
    ConsentAction.READ_AUCTION: DocumentKind.AUCTION_PRIVACY_POLICY,
}


async def consent_choice(
    query: CallbackQuery,
    callback_data: ConsentChoice,
    event_update: Update,
    conversation: Conversation,
) -> None:
    if not conversation.sealed(callback_data.code, callback_data.tag):
        await outdated(query, conversation.t)
        return
    await acknowledge(query)
    if callback_data.action in _READ:
        await read_before_consent(query, conversation, _READ[callback_data.action])
        return
    if callback_data.action is ConsentAction.DECLINE:
        await conversation.state.clear()
        await replace_buttons_with(query, conversation.t("consent-declined"))
        return
    service = (
        Service.PLATE_AUCTION if callback_data.action is ConsentAction.AGREE_WITH_AUCTION else None
    )
    await conversation.record_consent(event_update.update_id, consent_documents(service))
    await conversation.replacing(query, conversation.t("consent-given")).show_code(
        callback_data.code
    )


def build_router() -> Router:
    router = Router(name="consent")
    router.callback_query.register(consent_choice, ConsentChoice.filter())
    return router
