"""Callback data carries everything a button needs, so a button from an old message still works
(or is answered plainly) after a restart.

Any client can send any callback data: every field is bounded, so data out of range does not
match (and gets the answer any stale button gets) instead of reaching the database."""

from enum import StrEnum
from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field, StringConstraints

from core.codes import MAX_CODE_LENGTH, MIN_CODE_LENGTH
from ui.seal import TAG_PATTERN

PaymentCode = Annotated[
    str, StringConstraints(pattern=rf"^[0-9]{{{MIN_CODE_LENGTH},{MAX_CODE_LENGTH}}}$")
]
ButtonTag = Annotated[str, StringConstraints(pattern=TAG_PATTERN)]
ShortKind = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Language = Literal["ky", "ru", "en"]
Page = Annotated[int, Field(ge=0, le=10_000)]
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]  # the ids are INTEGER on PostgreSQL


class LanguageChoice(CallbackData, prefix="lang"):
    language: str


class ConsentAction(StrEnum):
    AGREE = "agree"
    AGREE_WITH_AUCTION = "agree_all"  # the plate auction's privacy policy as well
    DECLINE = "decline"
    READ_PRIVACY = "privacy"
    READ_TERMS = "terms"
    READ_AUCTION = "auction"


class ConsentChoice(CallbackData, prefix="consent"):
    action: ConsentAction
    code: PaymentCode
    tag: ButtonTag  # ui.seal: this code was shown in this chat


class BillAction(StrEnum):
    PAY = "pay"
    CANCEL = "cancel"
    NEW_LINK = "relink"


class BillChoice(CallbackData, prefix="bill"):
    """Pay and Cancel under a bill."""

    action: BillAction
    code: PaymentCode
    tag: ButtonTag  # ui.seal: this code was shown in this chat


class PaymentRetry(CallbackData, prefix="bill"):
    """The "Try again" and "Get a new link" buttons under a payment: honoured only for a code
    the user has opened a payment page for (the form of earlier buttons, which keep working)."""

    action: BillAction
    code: PaymentCode


class DocumentOpen(CallbackData, prefix="docopen"):
    kind: ShortKind


class DocumentView(CallbackData, prefix="doc"):
    kind: ShortKind
    language: Language
    page: Page
    turn: bool  # previous/next: edit the page's own message; else send a new one


class DocumentFile(CallbackData, prefix="docfile"):
    kind: ShortKind
    language: Language


class ForgetChoice(CallbackData, prefix="forget"):
    erase: bool


class HistoryPageChoice(CallbackData, prefix="hist"):
    page: Page


class HistoryReceipt(CallbackData, prefix="histr"):
    payment_id: RowId


class SupportOpen(CallbackData, prefix="support"):
    pass


class DeadlineOptIn(CallbackData, prefix="remind"):
    code: PaymentCode
    tag: ButtonTag  # ui.seal: this code was shown in this chat


class ReminderBill(CallbackData, prefix="rembill"):
    code: PaymentCode
    tag: ButtonTag
