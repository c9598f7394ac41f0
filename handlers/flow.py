"""The steps of the payment conversation with one user, shared by the handlers that lead to them."""

import html
import math
from dataclasses import dataclass, replace

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message

from core.codes import normalise_code
from core.services import Service
from core.statuses import BillStatus
from handlers.states import PayFlow
from payments.acquirers import AcquirerError
from payments.billing import Bill, BillingUnavailable
from payments.limits import Limit, LookupLimiter
from payments.receipts import ReceiptView
from payments.service import (
    NotPayable,
    PaymentInProgressElsewhere,
    PaymentService,
    PaymentStillProcessing,
)
from storage.models import Consent
from storage.users import Users
from ui import keyboards, support_keyboards, texts
from ui.i18n import Translator
from ui.official_texts import (
    Document,
    DocumentKind,
    available_languages,
    consent_documents,
    current_hashes,
    document,
    official_text,
    paginate,
)
from ui.seal import ButtonSeal

log = structlog.get_logger(__name__)

# FSM data key: the answers of the consent question a text was opened from, offered again at
# its end (handlers.documents); a new question makes them stale.
CONSENT_ANSWERS = "consent_answers"

WAIT_MESSAGES = {
    Limit.UNKNOWN_CODES: "lookup-wait",
    Limit.USER_LOOKUPS: "lookup-too-often",
    Limit.OVERALL: "lookup-busy",
}


async def replace_buttons_with(query: CallbackQuery, text: str) -> None:
    """Turn the message whose button was pressed into a plain one, so it is not pressed again."""
    if not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_text(text)
    except TelegramBadRequest as error:  # too old to edit, or already says this
        log.info("message.not_edited", reason=error.message)


async def acknowledge(query: CallbackQuery, alert: str | None = None) -> None:
    """Stop the button's spinner, with `alert` shown if given. Telegram refuses an answer
    given late (after a restart or a backlog): the press still counts, so the step goes on."""
    try:
        await query.answer(alert, show_alert=alert is not None)
    except TelegramBadRequest as error:
        log.info("button.not_answered", reason=error.message)


async def outdated(query: CallbackQuery, t: Translator) -> None:
    """The answer to a button that is stale, or was not given to this chat (forged)."""
    await acknowledge(query, alert=t.plain("button-outdated"))


# Telegram allows 4,096 characters a message after entities are parsed; the header takes some.
DOCUMENT_PAGE_CHARACTERS = 3_900


def document_page(t: Translator, doc: Document, page: int) -> tuple[str, InlineKeyboardMarkup]:
    """One page of an official text: a header, the text (escaped), and the page buttons."""
    pages = paginate(doc.readable, DOCUMENT_PAGE_CHARACTERS)
    page = max(0, min(page, len(pages) - 1))
    header = t(
        "document-page-header",
        title=t.plain(doc.kind.value),
        version=doc.effective,
        page=page + 1,
        pages=len(pages),
    )
    text = f"{header}\n\n{html.escape(pages[page], quote=False)}"
    return text, keyboards.document_pages(t, doc, page, len(pages))


def consented(agreed: frozenset[str], service: Service | None = None) -> bool:
    """Whether the texts a payer of `service` must accept, as they stand now, are agreed to."""
    return all(current_hashes(kind) & agreed for kind in consent_documents(service))


@dataclass(slots=True)
class Pressed:
    """The message whose button began this step, with a line saying what the press did.

    The step's first message replaces it (one message edited instead of one edited and one
    sent: a shorter chat on a small screen, and a request fewer to Telegram)."""

    message: Message
    note: str
    used: bool = False


@dataclass(frozen=True, slots=True)
class Conversation:
    """One user's chat with the bot, in their language (injected by ConversationMiddleware)."""

    bot: Bot
    chat_id: int
    user_id: int
    state: FSMContext
    t: Translator
    payments: PaymentService
    users: Users
    limiter: LookupLimiter
    seal: ButtonSeal
    mask_names: bool
    public_base: str
    pressed: Pressed | None = None
    terms: texts.PaymentTerms | None = None

    def speaking(self, t: Translator) -> "Conversation":
        return replace(self, t=t)

    def replacing(self, query: CallbackQuery, note: str) -> "Conversation":
        """This conversation, its next message written over the one whose button was pressed."""
        if not isinstance(query.message, Message):
            return self
        return replace(self, pressed=Pressed(query.message, note))

    async def send(self, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
        pressed = self.pressed
        if pressed is None or pressed.used:
            await self.bot.send_message(self.chat_id, text, reply_markup=reply_markup)
            return
        pressed.used = True
        text = f"{pressed.note}\n\n{text}"
        try:
            await pressed.message.edit_text(text, reply_markup=reply_markup)
        except TelegramBadRequest as error:
            if "not modified" in error.message:  # a redelivered update: this step shows already
                return
            log.info("message.not_edited", reason=error.message)
            await self.bot.send_message(self.chat_id, text, reply_markup=reply_markup)

    async def say(self, message_id: str, **args: object) -> None:
        await self.send(self.t(message_id, **args))

    async def ask_language(self) -> None:
        await self.state.set_state(PayFlow.language)
        await self.send(self.t("language-choose"), reply_markup=keyboards.languages())

    async def ask_code(self) -> None:
        await self.state.set_state(PayFlow.code)
        await self.say("ask-code")

    async def checked_code(self, text: str | None) -> str | None:
        """The one way to a look-up for a code from outside (typed, on a button, in a link):
        normalised and validated, then within the look-up limits. None: refused, and the
        user told why. The caller reports the look-up it makes (`looked_up`)."""
        code = normalise_code(text)
        if code is None:
            await self.say("code-invalid")
            return None
        wait, limit = await self.limiter.wait_for(self.user_id)
        if limit is not None:
            log.warning("lookup.limited", limit=limit.value)
            await self.say(WAIT_MESSAGES[limit], minutes=math.ceil(wait / 60))
            return None
        return code

    async def looked_up(self, *, known: bool) -> None:
        await self.limiter.looked_up(self.user_id, known=known)

    def sealed(self, code: str, tag: str) -> bool:
        """Whether a button's code was put on it by this bot, for this chat."""
        return self.seal.valid(self.chat_id, code, tag)

    async def show_code(self, text: str | None) -> None:
        """What a user sees after sending a code: a refusal, the consent step or the bill."""
        code = await self.checked_code(text)
        if code is None:
            return
        try:
            bill = await self.payments.lookup(code)
        except BillingUnavailable:
            await self.say("billing-unavailable")
            return
        await self.looked_up(known=bill is not None)
        if bill is None or bill.status is not BillStatus.UNPAID:
            await self.state.set_state(PayFlow.code)
            await self.explain_not_payable(code, bill)
            return
        if await self.needs_consent(bill.service):
            await self.ask_consent(bill.code, bill.service)
            return
        await self.state.set_state(PayFlow.bill)
        tag = self.seal.tag(self.chat_id, bill.code)
        markup = keyboards.bill(self.t, bill.code, tag)
        if bill.expires_at is not None:
            markup = support_keyboards.with_deadline_offer(self.t, bill.code, tag, markup)
        await self.send(texts.bill_details(self.t, bill, self.terms), reply_markup=markup)

    async def explain_not_payable(self, code: str, bill: Bill | None) -> None:
        # An unknown code and one we may not show get the same answer: nothing to harvest.
        # The code is not repeated: what was taken for one may be a card number.
        if bill is None:
            await self.say("code-unknown")
            return
        await self.say(f"code-{bill.status.value}", code=code)
        if bill.status is BillStatus.PAID:
            found = await self.payments.receipt_for_code(code)
            if found is not None:
                mask = self.mask_names and await self.needs_consent(Service(found[0].service))
                stranger = found[0].user_id != self.user_id
                await self.send_receipt(ReceiptView.of(*found, mask=mask, stranger=stranger))

    async def explain_busy(self, busy: Exception) -> None:
        """Why a payable code's page cannot be given now."""
        if isinstance(busy, PaymentInProgressElsewhere):
            await self.say("payment-in-progress-elsewhere", expires=busy.payment.expires_at)
        elif isinstance(busy, PaymentStillProcessing):
            await self.say("payment-still-processing")
        else:
            await self.say("payment-page-unavailable")

    async def send_receipt(self, view: ReceiptView) -> None:
        await self.send(texts.receipt_message(self.t, view, self.public_base))

    async def needs_consent(self, service: Service | None = None) -> bool:
        return not consented(await self.users.agreed_hashes(self.user_id), service)

    async def ask_consent(self, code: str, service: Service | None = None) -> None:
        await self.state.set_state(PayFlow.consent)
        await self.state.update_data({CONSENT_ANSWERS: None})
        kinds = consent_documents(service)
        versions = {kind: official_text(kind, self.t.language).effective for kind in kinds}
        text = self.t(
            "consent-ask",
            privacy_version=versions[DocumentKind.PRIVACY_POLICY],
            terms_version=versions[DocumentKind.USER_AGREEMENT],
        )
        auction = DocumentKind.AUCTION_PRIVACY_POLICY in versions
        if auction:
            text += "\n" + self.t(
                "consent-ask-auction", version=versions[DocumentKind.AUCTION_PRIVACY_POLICY]
            )
        tag = self.seal.tag(self.chat_id, code)
        await self.send(text, reply_markup=keyboards.consent(self.t, code, tag, auction=auction))

    async def record_consent(self, update_id: int, kinds: tuple[DocumentKind, ...]) -> None:
        documents = [official_text(kind, self.t.language) for kind in kinds]
        consents = [
            Consent(document=d.kind.value, version=d.version, sha256=d.sha256, language=d.language)
            for d in documents
        ]
        await self.users.record_consents(self.user_id, consents, update_id=update_id)

    async def open_document(self, kind: DocumentKind, language: str | None = None) -> None:
        """The first page of an official text, or a choice where there is none in this language."""
        language = language or self.t.language
        found = document(kind, language)
        if found is None:
            languages = available_languages(kind)
            await self.send(
                self.t(
                    "document-languages",
                    title=self.t.plain(kind.value),
                    languages="-".join(languages),
                ),
                reply_markup=keyboards.document_languages(kind, languages),
            )
            return
        await self.send(*document_page(self.t, found, 0))

    async def send_document_file(self, kind: DocumentKind, language: str) -> None:
        found = document(kind, language)
        if found is None:
            return
        await self.bot.send_document(
            self.chat_id,
            BufferedInputFile(found.text.encode("utf-8"), filename=found.filename),
            caption=self.t(
                "document-file-caption", title=self.t.plain(kind.value), version=found.effective
            ),
        )

    async def pay(self, code: str) -> None:
        """Open (or reopen) the acquirer's payment page for a code and send its link."""
        checked = await self.checked_code(code)
        if checked is None:
            return
        code = checked
        agreed = await self.users.agreed_hashes(self.user_id)
        if not consented(agreed):
            await self.ask_consent(code)
            return
        try:
            started = await self.payments.start_payment(
                code=code,
                user_id=self.user_id,
                chat_id=self.chat_id,
                language=self.t.language,
                description=self.t.plain("payment-description", code=code),
            )
        except BillingUnavailable:
            await self.say("billing-unavailable")
            return
        except NotPayable as refusal:
            await self.looked_up(known=refusal.bill is not None)
            await self.explain_not_payable(code, refusal.bill)
            return
        except (PaymentStillProcessing, PaymentInProgressElsewhere, AcquirerError) as busy:
            await self.looked_up(known=True)
            await self.explain_busy(busy)
            return
        await self.looked_up(known=True)
        payment = started.payment
        service = Service(payment.service)
        if not consented(agreed, service):  # the auction's own policy, from an old button
            await self.ask_consent(code, service)
            return
        await self.state.clear()
        text = self.t(
            "payment-link",
            amount=texts.payment_amount(payment),
            expires=payment.expires_at,
        )
        if not keyboards.telegram_accepts_url(payment.payment_url):
            text += "\n\n" + self.t("payment-link-as-text", url=payment.payment_url)
        await self.send(text, reply_markup=keyboards.payment_page(self.t, payment.payment_url))
