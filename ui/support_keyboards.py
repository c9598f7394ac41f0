"""Buttons of the support relay and the reminders."""

from aiogram.types import InlineKeyboardMarkup

from ui.callback_data import DeadlineOptIn, ReminderBill, SupportOpen
from ui.i18n import Translator
from ui.keyboards import button, rows


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
