"""Amounts, dates and the time zone as a reader of ky, ru or en writes them (Babel's CLDR data).

Times are stored in UTC and always shown in Bishkek time, named, so that a citizen abroad
knows which clock a deadline is on.
"""

from datetime import date, datetime
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_decimal

from core.clock import BISHKEK
from core.money import MINOR_UNITS, Money

# English dates day first ("3 Dec 2026"), as in the rest of the world the bot's users are in.
_BABEL_LOCALES = {"ky": "ky", "ru": "ru", "en": "en_GB"}
# The som is "сом" to its readers in either official language; English keeps the ISO code.
_CURRENCY_NAMES = {("KGS", "ky"): "сом", ("KGS", "ru"): "сом"}
_ZONE_LABELS: dict[str, str] = {}


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(_BABEL_LOCALES.get(language, "en_GB"))


@lru_cache(maxsize=4096)  # a handful of prices, shown on every bill
def format_amount(money: Money, locale: str) -> str:
    """`1 250,00 сом` (ky, ru), `1,250.00 KGS` (en); no-break spaces, so it never wraps."""
    digits = MINOR_UNITS[money.currency]
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    number = format_decimal(money.decimal, format=pattern, locale=_locale(locale))
    name = _CURRENCY_NAMES.get((money.currency, locale), money.currency)
    return f"{number}\u00a0{name}".replace(" ", "\u00a0")


def format_datetime(dt_utc: datetime, locale: str, seconds: bool = False) -> str:
    """The moment in Bishkek time: `3 Dec 2026, 02:23` (en), `3 дек. 2026 г., 02:23` (ru),
    `2026-ж., 3-дек. 02:23` (ky); the zone is named by `zone_label`."""
    babel_locale = _locale(locale)
    day = babel_locale.date_formats["medium"].pattern
    clock = "HH:mm:ss" if seconds else "HH:mm"
    pattern = babel_locale.datetime_formats["medium"].replace("{1}", day).replace("{0}", clock)
    return babel_datetime(dt_utc, pattern, tzinfo=BISHKEK, locale=babel_locale)


def format_date(day: date, locale: str) -> str:
    """A calendar date in words: `23 November 2026`, `23 ноября 2026 г.`, `2026-ж., 23-ноябрь`."""
    return babel_date(day, "long", locale=_locale(locale))


def zone_label(locale: str) -> str:
    """`Bishkek time (UTC+6)`: Babel names Asia/Bishkek after a summer time it no longer has,
    so the label is the locales' own (`zone-bishkek`), taken from the first bundles loaded."""
    if not _ZONE_LABELS:
        from ui.i18n import L10n  # imported here: ui.i18n formats its arguments with this module

        L10n()
    return _ZONE_LABELS.get(locale) or _ZONE_LABELS["en"]


def learn_zone_labels(labels: dict[str, str]) -> None:
    _ZONE_LABELS.update(labels)


def format_moment(dt_utc: datetime, locale: str, seconds: bool = False) -> str:
    """A moment with its zone, for running text: `3 Dec 2026, 02:23, Bishkek time (UTC+6)`."""
    return f"{format_datetime(dt_utc, locale, seconds)}, {zone_label(locale)}"
