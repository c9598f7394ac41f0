"""Amounts in other currencies, only for the payer's orientation: the charge is in KGS."""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from payments.money import Money

CENT = Decimal("0.01")


def approximately(amount: Money, rates: Mapping[str, Decimal]) -> list[str]:
    """`14.29 USD` for each currency of `rates` (KGS for one unit of it), rounded to a cent."""
    if amount.currency != "KGS":
        return []
    shown = []
    for currency, rate in rates.items():
        if currency == amount.currency:
            continue
        value = (amount.decimal / rate).quantize(CENT, rounding=ROUND_HALF_UP)
        grouped = f"{value:,.2f}".replace(",", "\u00a0")
        shown.append(f"{grouped}\u00a0{currency}")
    return shown
