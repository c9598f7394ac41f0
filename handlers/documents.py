"""/privacy, /terms and /documents: the operator's official texts, page by page."""

import contextlib

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.documents import DocumentKind, document
from handlers import keyboards
from handlers.callbacks import DocumentFile, DocumentOpen, DocumentView
from handlers.flow import Conversation, acknowledge, document_page


async def show_privacy(message: Message, conversation: Conversation) -> None:
    await conversation.open_document(DocumentKind.PRIVACY_POLICY)


async def show_terms(message: Message, conversation: Conversation) -> None:
    await conversation.open_document(DocumentKind.USER_AGREEMENT)


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
    text, markup = document_page(conversation.t, found, callback_data.page)
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
