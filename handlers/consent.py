from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Update

from bot.documents import CONSENT_DOCUMENTS, DocumentKind, official_text
from bot.i18n import Translator
from handlers.callbacks import ConsentAction, ConsentChoice
from handlers.flow import replace_buttons_with, send_document, show_code
from payments.service import PaymentService
from storage.models import Consent
from storage.users import Users

_READ = {
    ConsentAction.READ_PRIVACY: DocumentKind.PRIVACY_POLICY,
    ConsentAction.READ_TERMS: DocumentKind.USER_AGREEMENT,
}


async def consent_choice(
    query: CallbackQuery,
    callback_data: ConsentChoice,
    event_update: Update,
    state: FSMContext,
    t: Translator,
    payments: PaymentService,
    users: Users,
) -> None:
    await query.answer()
    chat_id = query.from_user.id
    if callback_data.action in _READ:
        await send_document(query.bot, chat_id, _READ[callback_data.action], t)
        return
    if callback_data.action is ConsentAction.DECLINE:
        await state.clear()
        await replace_buttons_with(query, t("consent-declined"))
        return
    documents = [official_text(kind, t.language) for kind in CONSENT_DOCUMENTS]
    await users.record_consents(
        query.from_user.id,
        [
            Consent(
                document=doc.kind.value,
                version=doc.version,
                sha256=doc.sha256,
                language=doc.language,
            )
            for doc in documents
        ],
        update_id=event_update.update_id,
    )
    await replace_buttons_with(query, t("consent-given"))
    await show_code(
        query.bot, chat_id, query.from_user.id, callback_data.code, state, t, payments, users
    )


def build_router() -> Router:
    router = Router(name="consent")
    router.callback_query.register(consent_choice, ConsentChoice.filter())
    return router
