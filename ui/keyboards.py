import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from ui.callback_data import (
    BillAction,
    BillChoice,
    ConsentAction,
    ConsentChoice,
    DocumentFile,
    DocumentOpen,
    DocumentView,
    ForgetChoice,
    LanguageChoice,
    PaymentRetry,
)
from ui.i18n import LANGUAGES, Translator
from ui.official_texts import Document, DocumentKind

LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}


# Built directly, not with aiogram's InlineKeyboardBuilder, which copies every button on the
# way: keyboards are sent on most steps of a conversation.
def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def rows(*buttons: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in buttons if row])


def languages() -> InlineKeyboardMarkup:
    """Always in the same order (ky, ru, en), so a button is where the user saw it last."""
    return rows(
        *([button(LANGUAGE_NAMES[lang], LanguageChoice(language=lang))] for lang in LANGUAGES)
    )


def consent(t: Translator, code: str, tag: str, *, auction: bool = False) -> InlineKeyboardMarkup:
    def choice(action: ConsentAction, label: str) -> InlineKeyboardButton:
        return button(t.plain(label), ConsentChoice(action=action, code=code, tag=tag))

    reading = [
        [choice(ConsentAction.READ_PRIVACY, "button-read-privacy")],
        [choice(ConsentAction.READ_TERMS, "button-read-terms")],
    ]
    if auction:
        reading.append([choice(ConsentAction.READ_AUCTION, "button-read-auction")])
    agree = ConsentAction.AGREE_WITH_AUCTION if auction else ConsentAction.AGREE
    return rows(
        *reading,
        [choice(agree, "button-agree"), choice(ConsentAction.DECLINE, "button-decline")],
    )


def bill(t: Translator, code: str, tag: str) -> InlineKeyboardMarkup:
    def choice(action: BillAction, label: str) -> InlineKeyboardButton:
        return button(t.plain(label), BillChoice(action=action, code=code, tag=tag))

    return rows([choice(BillAction.PAY, "button-pay"), choice(BillAction.CANCEL, "button-cancel")])


def try_again(t: Translator, code: str) -> InlineKeyboardMarkup:
    retry = PaymentRetry(action=BillAction.NEW_LINK, code=code)
    return rows([button(t.plain("button-try-again"), retry)])


def new_link(t: Translator, code: str) -> InlineKeyboardMarkup:
    retry = PaymentRetry(action=BillAction.NEW_LINK, code=code)
    return rows([button(t.plain("button-new-link"), retry)])


def telegram_accepts_url(url: str) -> bool:
    """Telegram refuses URL buttons whose host has no dot (localhost) or is a bare IP."""
    return _accepted_host(urlsplit(url).hostname or "")


@lru_cache(maxsize=64)  # the acquirers' few hosts; telling a name from an IP raises twice
def _accepted_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return "." in host
    return False


def payment_page(t: Translator, url: str) -> InlineKeyboardMarkup | None:
    """The page's own button; "Get a new link" comes with the notice that the page expired."""
    if not telegram_accepts_url(url):
        return None
    return rows([InlineKeyboardButton(text=t.plain("button-open-page"), url=url)])


def document_languages(kind: DocumentKind, languages: list[str]) -> InlineKeyboardMarkup:
    return rows(
        [
            button(
                LANGUAGE_NAMES[language],
                DocumentView(kind=kind.short, language=language, page=0, turn=False),
            )
            for language in languages
        ]
    )


def document_pages(t: Translator, doc: Document, page: int, pages: int) -> InlineKeyboardMarkup:
    turns = [
        button(
            t.plain(label),
            DocumentView(kind=doc.kind.short, language=doc.language, page=target, turn=True),
        )
        for label, target in (("button-previous", page - 1), ("button-next", page + 1))
        if 0 <= target < pages
    ]
    as_file = button(
        t.plain("button-as-file"), DocumentFile(kind=doc.kind.short, language=doc.language)
    )
    return rows(turns, [as_file])


def documents_menu(t: Translator) -> InlineKeyboardMarkup:
    return rows(
        *(
            [button(f"📄 {t.plain(kind.value)}", DocumentOpen(kind=kind.short))]
            for kind in DocumentKind
        )
    )


def forget_confirm(t: Translator) -> InlineKeyboardMarkup:
    return rows(
        [
            button(t.plain("button-forget"), ForgetChoice(erase=True)),
            button(t.plain("button-keep"), ForgetChoice(erase=False)),
        ]
    )
