"""Amounts in other currencies, only for the payer's orientation: the charge is in KGS."""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from core.money import MINOR_UNITS, Money


def approximately(amount: Money, rates: Mapping[str, Decimal]) -> list[Money]:
    """The amount in each currency of `rates` (KGS for one unit of it), rounded to its minor
    unit: Decimal all the way."""
    if amount.currency != "KGS":
        return []
    shown = []
    for currency, rate in rates.items():
        if currency == amount.currency:
            continue
        digits = MINOR_UNITS[currency]
        value = (amount.decimal / rate).scaleb(digits).quantize(Decimal(1), ROUND_HALF_UP)
        shown.append(Money(int(value), currency))
    return shown
