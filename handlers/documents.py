"""/privacy, /terms and /documents: the operator's official texts, page by page."""

import contextlib

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers.flow import (
    CONSENT_ANSWERS,
    DOCUMENT_PAGE_CHARACTERS,
    Conversation,
    acknowledge,
    document_page,
)
from handlers.states import PayFlow
from ui import keyboards
from ui.callback_data import DocumentFile, DocumentOpen, DocumentView
from ui.official_texts import Document, DocumentKind, document, paginate

# The answers under CONSENT_ANSWERS are kept as sent (they go back to the consent handler as
# they are, sealed for their code).
CONSENT_KINDS = frozenset(
    {
        DocumentKind.PRIVACY_POLICY,
        DocumentKind.USER_AGREEMENT,
        DocumentKind.AUCTION_PRIVACY_POLICY,
    }
)


async def show_privacy(message: Message, conversation: Conversation) -> None:
    await conversation.open_document(DocumentKind.PRIVACY_POLICY)


async def show_terms(message: Message, conversation: Conversation) -> None:
    await conversation.open_document(DocumentKind.USER_AGREEMENT)


async def read_before_consent(
    query: CallbackQuery, conversation: Conversation, kind: DocumentKind
) -> None:
    """A text opened from the consent question: its answers (the question's last row of
    buttons) come again at the end of the text, so the reader need not scroll back."""
    question = query.message if isinstance(query.message, Message) else None
    if question is not None and question.reply_markup and question.reply_markup.inline_keyboard:
        answers = question.reply_markup.inline_keyboard[-1]
        dumped = [answer.model_dump(mode="json", exclude_none=True) for answer in answers]
        await conversation.state.update_data({CONSENT_ANSWERS: dumped})
    found = document(kind, conversation.t.language)
    if found is None:  # a choice of language first; its page comes through turn_page
        await conversation.open_document(kind)
        return
    await conversation.send(*await page_with_answers(conversation, found, 0))


async def page_with_answers(
    conversation: Conversation, doc: Document, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    """A page of an official text; the last one of a text the consent step asks about offers
    that step's answers while the user is at it."""
    text, markup = document_page(conversation.t, doc, page)
    last = len(paginate(doc.readable, DOCUMENT_PAGE_CHARACTERS)) - 1
    if doc.kind not in CONSENT_KINDS or min(max(page, 0), last) != last:
        return text, markup
    if await conversation.state.get_state() != PayFlow.consent.state:
        return text, markup
    dumped = (await conversation.state.get_data()).get(CONSENT_ANSWERS) or []
    answers = [InlineKeyboardButton.model_validate(answer) for answer in dumped]
    return text, keyboards.rows(*markup.inline_keyboard, answers)


async def list_documents(message: Message, conversation: Conversation) -> None:
    t = conversation.t
    await message.answer(t("documents-list"), reply_markup=keyboards.documents_menu(t))


async def open_from_list(
    query: CallbackQuery, callback_data: DocumentOpen, conversation: Conversation
) -> None:
    await acknowledge(query)
    kind = DocumentKind.from_short(callback_data.kind)
    if kind is not None:
        await conversation.open_document(kind)


async def turn_page(
    query: CallbackQuery, callback_data: DocumentView, conversation: Conversation
) -> None:
    """Previous/next edit the one message; a language chosen for a text sends a new one."""
    await acknowledge(query)
    kind = DocumentKind.from_short(callback_data.kind)
    found = document(kind, callback_data.language) if kind is not None else None
    if found is None:
        return
    text, markup = await page_with_answers(conversation, found, callback_data.page)
    if not (callback_data.turn and isinstance(query.message, Message)):
        await conversation.send(text, reply_markup=markup)
        return
    with contextlib.suppress(TelegramBadRequest):  # pressed twice: the page is shown already
        await query.message.edit_text(text, reply_markup=markup)


async def send_as_file(
    query: CallbackQuery, callback_data: DocumentFile, conversation: Conversation
) -> None:
    await acknowledge(query)
    kind = DocumentKind.from_short(callback_data.kind)
    if kind is not None:
        await conversation.send_document_file(kind, callback_data.language)


def build_router() -> Router:
    router = Router(name="documents")
    router.message.register(show_privacy, Command("privacy"))
    router.message.register(show_terms, Command("terms"))
    router.message.register(list_documents, Command("documents"))
    router.callback_query.register(open_from_list, DocumentOpen.filter())
    router.callback_query.register(turn_page, DocumentView.filter())
    router.callback_query.register(send_as_file, DocumentFile.filter())
    return router
