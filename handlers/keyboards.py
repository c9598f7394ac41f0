import ipaddress
from urllib.parse import urlsplit

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.documents import Document, DocumentKind
from bot.i18n import LANGUAGES, Translator
from handlers.callbacks import (
    BillAction,
    BillChoice,
    ConsentAction,
    ConsentChoice,
    DocumentFile,
    DocumentOpen,
    DocumentView,
    ForgetChoice,
    LanguageChoice,
)

LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}


def languages(first: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for language in sorted(LANGUAGES, key=lambda lang: lang != first):
        builder.button(
            text=LANGUAGE_NAMES[language], callback_data=LanguageChoice(language=language)
        )
    return builder.adjust(1).as_markup()


def consent(t: Translator, code: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action, label in (
        (ConsentAction.READ_PRIVACY, "button-read-privacy"),
        (ConsentAction.READ_TERMS, "button-read-terms"),
        (ConsentAction.AGREE, "button-agree"),
        (ConsentAction.DECLINE, "button-decline"),
    ):
        builder.button(text=t.plain(label), callback_data=ConsentChoice(action=action, code=code))
    return builder.adjust(1, 1, 2).as_markup()


def bill(t: Translator, code: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t.plain("button-pay"), callback_data=BillChoice(action=BillAction.PAY, code=code)
    )
    builder.button(
        text=t.plain("button-cancel"), callback_data=BillChoice(action=BillAction.CANCEL, code=code)
    )
    return builder.adjust(2).as_markup()


def try_again(t: Translator, code: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t.plain("button-try-again"), callback_data=BillChoice(action=BillAction.PAY, code=code)
    )
    return builder.as_markup()


def new_link(t: Translator, code: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t.plain("button-new-link"),
        callback_data=BillChoice(action=BillAction.NEW_LINK, code=code),
    )
    return builder.as_markup()


def telegram_accepts_url(url: str) -> bool:
    """Telegram refuses URL buttons whose host has no dot (localhost) or is a bare IP."""
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return "." in host
    return False


def payment_page(t: Translator, url: str, code: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if telegram_accepts_url(url):
        builder.button(text=t.plain("button-open-page"), url=url)
    builder.button(
        text=t.plain("button-new-link"),
        callback_data=BillChoice(action=BillAction.NEW_LINK, code=code),
    )
    return builder.adjust(1).as_markup()


def document_languages(kind: DocumentKind, languages: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for language in languages:
        builder.button(
            text=LANGUAGE_NAMES[language],
            callback_data=DocumentView(kind=kind.short, language=language, page=0, turn=False),
        )
    return builder.as_markup()


def document_pages(t: Translator, doc: Document, page: int, pages: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    nav = 0
    for label, target in (("button-previous", page - 1), ("button-next", page + 1)):
        if 0 <= target < pages:
            view = DocumentView(kind=doc.kind.short, language=doc.language, page=target, turn=True)
            builder.button(text=t.plain(label), callback_data=view)
            nav += 1
    builder.button(
        text=t.plain("button-as-file"),
        callback_data=DocumentFile(kind=doc.kind.short, language=doc.language),
    )
    return builder.adjust(*([nav] if nav else []), 1).as_markup()


def documents_menu(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind in DocumentKind:
        builder.button(
            text=f"📄 {t.plain(kind.value)}", callback_data=DocumentOpen(kind=kind.short)
        )
    return builder.adjust(1).as_markup()


def forget_confirm(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t.plain("button-forget"), callback_data=ForgetChoice(erase=True))
    builder.button(text=t.plain("button-keep"), callback_data=ForgetChoice(erase=False))
    return builder.adjust(2).as_markup()
