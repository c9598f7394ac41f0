"""Callback data carries everything a button needs, so a button from an old message still works
(or is answered plainly) after a restart."""

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class LanguageChoice(CallbackData, prefix="lang"):
    language: str


class ConsentAction(StrEnum):
    AGREE = "agree"
    AGREE_WITH_AUCTION = "agree_auction"  # the plate auction's privacy policy as well
    DECLINE = "decline"
    READ_PRIVACY = "privacy"
    READ_TERMS = "terms"
    READ_AUCTION = "auction"


class ConsentChoice(CallbackData, prefix="consent"):
    action: ConsentAction
    code: str


class BillAction(StrEnum):
    PAY = "pay"
    CANCEL = "cancel"
    NEW_LINK = "relink"


class BillChoice(CallbackData, prefix="bill"):
    action: BillAction
    code: str


class DocumentOpen(CallbackData, prefix="docopen"):
    kind: str


class DocumentView(CallbackData, prefix="doc"):
    kind: str
    language: str
    page: int
    turn: bool  # previous/next: edit the page's own message; else send a new one


class DocumentFile(CallbackData, prefix="docfile"):
    kind: str
    language: str


class ForgetChoice(CallbackData, prefix="forget"):
    erase: bool


class HistoryPage(CallbackData, prefix="hist"):
    page: int


class HistoryReceipt(CallbackData, prefix="histr"):
    payment_id: int
