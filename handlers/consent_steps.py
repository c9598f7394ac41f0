"""The consent step: before a bill is shown or paid, the payer accepts the operator's texts
as they stand now. The question and its record, shared by the steps that lead to a bill (the
buttons that answer it are handled in handlers.consent)."""

from aiogram.fsm.context import FSMContext

from core.consents import AcceptedText
from core.services import Service
from handlers.states import PayFlow
from storage.users import Users
from ui import keyboards
from ui.i18n import Translator
from ui.official_texts import DocumentKind, consent_documents, current_hashes, official_text
from ui.reply import Reply
from ui.seal import ButtonSeal

# FSM data key: the answers of the consent question a text was opened from, offered again at
# its end (handlers.documents); a new question makes them stale.
CONSENT_ANSWERS = "consent_answers"


def consented(agreed: frozenset[str], service: Service | None = None) -> bool:
    """Whether the texts a payer of `service` must accept, as they stand now, are agreed to."""
    return all(current_hashes(kind) & agreed for kind in consent_documents(service))


async def needs_consent(users: Users, user_id: int, service: Service | None = None) -> bool:
    return not consented(await users.agreed_hashes(user_id), service)


async def ask_consent(
    code: str,
    service: Service | None = None,
    *,
    reply: Reply,
    state: FSMContext,
    seal: ButtonSeal,
) -> None:
    await state.set_state(PayFlow.consent)
    await state.update_data({CONSENT_ANSWERS: None})
    t = reply.t
    kinds = consent_documents(service)
    versions = {kind: official_text(kind, t.language).effective for kind in kinds}
    text = t(
        "consent-ask",
        privacy_version=versions[DocumentKind.PRIVACY_POLICY],
        terms_version=versions[DocumentKind.USER_AGREEMENT],
    )
    auction = DocumentKind.AUCTION_PRIVACY_POLICY in versions
    if auction:
        text += "\n" + t(
            "consent-ask-auction", version=versions[DocumentKind.AUCTION_PRIVACY_POLICY]
        )
    tag = seal.tag(reply.chat_id, code)
    await reply.send(text, reply_markup=keyboards.consent(t, code, tag, auction=auction))


async def record_consent(
    users: Users, user_id: int, t: Translator, update_id: int, kinds: tuple[DocumentKind, ...]
) -> None:
    """The texts of `kinds` in the language they were read in, agreed to by the user."""
    documents = [official_text(kind, t.language) for kind in kinds]
    accepted = [AcceptedText(d.kind.value, d.version, d.sha256, d.language) for d in documents]
    await users.record_consents(user_id, accepted, update_id=update_id)
