"""Fluent bundles for ky, ru and en; every value that goes into HTML is escaped here."""

import html
from datetime import date, datetime
from pathlib import Path

import structlog
from fluent.runtime import FluentBundle, FluentResource
from fluent.runtime.types import FluentNumber, fluent_number

from core.money import Money
from core.paths import PROJECT_ROOT
from ui import formats

log = structlog.get_logger(__name__)

LOCALES_DIR = PROJECT_ROOT / "locales"
LANGUAGES = ("ky", "ru", "en")
DEFAULT_LANGUAGE = "ru"
# Telegram reports the app's language; these speak Russian as the second language most often.
_RUSSIAN_SPEAKING = {"ru", "uk", "be", "kk", "uz", "tg", "tk", "az", "hy", "ka"}


def guess_language(language_code: str | None) -> str:
    """The language to offer first, from Telegram's `language_code` (e.g. `ru-RU`, `ky`)."""
    base = (language_code or "").split("-")[0].lower()
    if base in LANGUAGES:
        return base
    return DEFAULT_LANGUAGE if base in _RUSSIAN_SPEAKING else "en"


class Translator:
    def __init__(self, language: str, bundle: FluentBundle) -> None:
        self.language = language
        self._bundle = bundle
        self._without_arguments: dict[str, str] = {}  # labels and the like, formatted once

    def __call__(self, message_id: str, **args: object) -> str:
        """The message for HTML, with every argument escaped."""
        return self._format(message_id, {k: self._value(v, escape=True) for k, v in args.items()})

    def plain(self, message_id: str, **args: object) -> str:
        """The message for plain text (button labels, alerts), arguments as they are."""
        return self._format(message_id, {k: self._value(v, escape=False) for k, v in args.items()})

    def _value(self, value: object, *, escape: bool) -> str | FluentNumber:
        """Numbers stay numbers, so that plural forms can select on them (printed without
        grouping: they are counts, pages and ids); amounts and moments are worded here."""
        if isinstance(value, int) and not isinstance(value, bool):
            return fluent_number(value, useGrouping=False)
        if isinstance(value, Money):
            text = formats.format_amount(value, self.language)
        elif isinstance(value, datetime):
            text = formats.format_moment(value, self.language)
        elif isinstance(value, date):
            text = formats.format_date(value, self.language)
        else:
            text = str(value)
        return html.escape(text) if escape else text

    def _format(self, message_id: str, args: dict[str, str | FluentNumber]) -> str:
        if not args and message_id in self._without_arguments:
            return self._without_arguments[message_id]
        message = self._bundle.get_message(message_id)
        if message is None or message.value is None:
            log.error("l10n.missing", message_id=message_id, language=self.language)
            return message_id
        text, errors = self._bundle.format_pattern(message.value, args)
        for error in errors:
            log.error("l10n.error", message_id=message_id, language=self.language, error=str(error))
        if not args and not errors:
            self._without_arguments[message_id] = text
        return text


class L10n:
    """One translator per language, loaded once at start."""

    def __init__(self, root: Path = LOCALES_DIR) -> None:
        self._translators = {language: self._load(root, language) for language in LANGUAGES}
        formats.learn_zone_labels(
            {language: t.plain("zone-bishkek") for language, t in self._translators.items()}
        )

    @staticmethod
    def _load(root: Path, language: str) -> Translator:
        bundle = FluentBundle([language], use_isolating=False)
        for path in sorted((root / language).glob("*.ftl")):
            bundle.add_resource(FluentResource(path.read_text(encoding="utf-8")))
        return Translator(language, bundle)

    def __getitem__(self, language: str) -> Translator:
        return self._translators.get(language) or self._translators[DEFAULT_LANGUAGE]
