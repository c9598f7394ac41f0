"""/privacy, /terms and /documents: the operator's official texts, page by page."""

import html

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from handlers.consent_steps import CONSENT_ANSWERS
from handlers.states import PayFlow
from ui import keyboards
from ui.callback_data import DocumentFile, DocumentOpen, DocumentView
from ui.i18n import Translator
from ui.official_texts import Document, DocumentKind, available_languages, document, paginate
from ui.reply import Reply, acknowledge, edit_pressed

# Telegram allows 4,096 characters a message after entities are parsed; the header takes some.
DOCUMENT_PAGE_CHARACTERS = 3_900

# The answers under CONSENT_ANSWERS are kept as sent (they go back to the consent handler as
# they are, sealed for their code).
CONSENT_KINDS = frozenset(
    {
        DocumentKind.PRIVACY_POLICY,
        DocumentKind.USER_AGREEMENT,
        DocumentKind.AUCTION_PRIVACY_POLICY,
    }
)


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


async def open_document(reply: Reply, kind: DocumentKind, language: str | None = None) -> None:
    """The first page of an official text, or a choice where there is none in this language."""
    t = reply.t
    found = document(kind, language or t.language)
    if found is None:
        languages = available_languages(kind)
        await reply.send(
            t("document-languages", title=t.plain(kind.value), languages="-".join(languages)),
            reply_markup=keyboards.document_languages(kind, languages),
        )
        return
    await reply.send(*document_page(t, found, 0))


async def send_document_file(reply: Reply, kind: DocumentKind, language: str) -> None:
    found = document(kind, language)
    if found is None:
        return
    t = reply.t
    caption = t("document-file-caption", title=t.plain(kind.value), version=found.effective)
    await reply.send_file(found.filename, found.text.encode("utf-8"), caption)


async def show_privacy(message: Message, reply: Reply) -> None:
    await open_document(reply, DocumentKind.PRIVACY_POLICY)


async def show_terms(message: Message, reply: Reply) -> None:
    await open_document(reply, DocumentKind.USER_AGREEMENT)


async def read_before_consent(
    query: CallbackQuery, kind: DocumentKind, *, reply: Reply, state: FSMContext
) -> None:
    """A text opened from the consent question: its answers (the question's last row of
    buttons) come again at the end of the text, so the reader need not scroll back."""
    question = query.message if isinstance(query.message, Message) else None
    if question is not None and question.reply_markup and question.reply_markup.inline_keyboard:
        answers = question.reply_markup.inline_keyboard[-1]
        dumped = [answer.model_dump(mode="json", exclude_none=True) for answer in answers]
        await state.update_data({CONSENT_ANSWERS: dumped})
    found = document(kind, reply.t.language)
    if found is None:  # a choice of language first; its page comes through turn_page
        await open_document(reply, kind)
        return
    await reply.send(*await page_with_answers(reply.t, state, found, 0))


async def page_with_answers(
    t: Translator, state: FSMContext, doc: Document, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    """A page of an official text; the last one of a text the consent step asks about offers
    that step's answers while the user is at it."""
    text, markup = document_page(t, doc, page)
    last = len(paginate(doc.readable, DOCUMENT_PAGE_CHARACTERS)) - 1
    if doc.kind not in CONSENT_KINDS or min(max(page, 0), last) != last:
        return text, markup
    if await state.get_state() != PayFlow.consent.state:
        return text, markup
    dumped = (await state.get_data()).get(CONSENT_ANSWERS) or []
    answers = [InlineKeyboardButton.model_validate(answer) for answer in dumped]
    return text, keyboards.rows(*markup.inline_keyboard, answers)


async def list_documents(message: Message, reply: Reply) -> None:
    await reply.send(reply.t("documents-list"), reply_markup=keyboards.documents_menu(reply.t))


async def open_from_list(query: CallbackQuery, callback_data: DocumentOpen, reply: Reply) -> None:
    await acknowledge(query)
    kind = DocumentKind.from_short(callback_data.kind)
    if kind is not None:
        await open_document(reply, kind)


async def turn_page(
    query: CallbackQuery, callback_data: DocumentView, reply: Reply, state: FSMContext
) -> None:
    """Previous/next edit the one message; a language chosen for a text sends a new one."""
    await acknowledge(query)
    kind = DocumentKind.from_short(callback_data.kind)
    found = document(kind, callback_data.language) if kind is not None else None
    if found is None:
        return
    text, markup = await page_with_answers(reply.t, state, found, callback_data.page)
    if not (callback_data.turn and isinstance(query.message, Message)):
        await reply.send(text, reply_markup=markup)
        return
    await edit_pressed(query, text, reply_markup=markup)


async def send_as_file(query: CallbackQuery, callback_data: DocumentFile, reply: Reply) -> None:
    await acknowledge(query)
    kind = DocumentKind.from_short(callback_data.kind)
    if kind is not None:
        await send_document_file(reply, kind, callback_data.language)


def build_router() -> Router:
    router = Router(name="documents")
    router.message.register(show_privacy, Command("privacy"))
    router.message.register(show_terms, Command("terms"))
    router.message.register(list_documents, Command("documents"))
    router.callback_query.register(open_from_list, DocumentOpen.filter())
    router.callback_query.register(turn_page, DocumentView.filter())
    router.callback_query.register(send_as_file, DocumentFile.filter())
    return router
