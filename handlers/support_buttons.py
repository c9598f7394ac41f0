"""Buttons of the support relay and the reminders; callback data of their own."""

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from bot.i18n import Translator
from handlers.keyboards import button, rows


class SupportOpen(CallbackData, prefix="support"):
    pass


class DeadlineOptIn(CallbackData, prefix="remind"):
    code: str


class ReminderBill(CallbackData, prefix="rembill"):
    code: str


def write_to_support(t: Translator) -> InlineKeyboardMarkup:
    return rows([button(t.plain("button-write-to-support"), SupportOpen())])


def with_deadline_offer(
    t: Translator, code: str, markup: InlineKeyboardMarkup
) -> InlineKeyboardMarkup:
    """The bill's buttons and, under them, "Remind me before the deadline"."""
    offer = button(t.plain("button-remind-deadline"), DeadlineOptIn(code=code))
    return rows(*markup.inline_keyboard, [offer])


def back_to_bill(t: Translator, code: str) -> InlineKeyboardMarkup:
    return rows([button(t.plain("button-open-bill"), ReminderBill(code=code))])
