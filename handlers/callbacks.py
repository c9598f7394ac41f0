"""Callback data carries everything a button needs, so a button from an old message still works
(or is answered plainly) after a restart."""

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class LanguageChoice(CallbackData, prefix="lang"):
    language: str


class ConsentAction(StrEnum):
    AGREE = "agree"
    DECLINE = "decline"
    READ_PRIVACY = "privacy"
    READ_TERMS = "terms"


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
