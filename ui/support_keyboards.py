"""Buttons of the support relay and the reminders; callback data of their own."""

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from ui.callback_data import ButtonTag, PaymentCode
from ui.i18n import Translator
from ui.keyboards import button, rows


class SupportOpen(CallbackData, prefix="support"):
    pass


class DeadlineOptIn(CallbackData, prefix="remind"):
    code: PaymentCode
    tag: ButtonTag  # ui.seal: this code was shown in this chat


class ReminderBill(CallbackData, prefix="rembill"):
    code: PaymentCode
    tag: ButtonTag


def write_to_support(t: Translator) -> InlineKeyboardMarkup:
    return rows([button(t.plain("button-write-to-support"), SupportOpen())])


def with_deadline_offer(
    t: Translator, code: str, tag: str, markup: InlineKeyboardMarkup
) -> InlineKeyboardMarkup:
    """The bill's buttons and, under them, "Remind me before the deadline"."""
    offer = button(t.plain("button-remind-deadline"), DeadlineOptIn(code=code, tag=tag))
    return rows(*markup.inline_keyboard, [offer])


def back_to_bill(t: Translator, code: str, tag: str) -> InlineKeyboardMarkup:
    return rows([button(t.plain("button-open-bill"), ReminderBill(code=code, tag=tag))])
