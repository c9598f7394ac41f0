import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units of the currencies the operator's payments come in.
MINOR_UNITS = {"KGS": 2, "USD": 2, "EUR": 2, "RUB": 2, "KZT": 2}

# Plain ASCII digits with an optional fraction, as acquirers, the billing and CSV files write
# them ("1500", "1500.00"). Decimal alone would also take "1e30", "1_000" and "١٢٣". Up to 15
# whole digits keep every amount in minor units within a BIGINT column.
AMOUNT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,15})?")


class MoneyError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer minor units (tyiyn for KGS): never a float."""

    minor: int
    currency: str

    @classmethod
    def parse(cls, amount: str | Decimal, currency: str) -> "Money":
        currency = currency.strip().upper()
        if currency not in MINOR_UNITS:
            raise MoneyError(f"unsupported currency {currency!r}")
        text = format(amount, "f") if isinstance(amount, Decimal) else amount.strip()
        if not AMOUNT.fullmatch(text):
            raise MoneyError(f"not an amount: {amount!r}")
        value = Decimal(text)
        if value <= 0:
            raise MoneyError(f"amount must be positive: {amount!r}")
        exponent = Decimal(1).scaleb(-MINOR_UNITS[currency])
        if value.quantize(exponent, rounding=ROUND_HALF_UP) != value:
            raise MoneyError(f"too many decimal places for {currency}: {amount!r}")
        return cls(int(value.scaleb(MINOR_UNITS[currency])), currency)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-MINOR_UNITS[self.currency])

    def plain(self) -> str:
        """`1500.00`: what acquirers and the billing API exchange."""
        return f"{self.decimal:.{MINOR_UNITS[self.currency]}f}"

    def display(self) -> str:
        """`1 500.00 KGS`, grouped with a no-break space so it never wraps on a phone."""
        grouped = f"{self.decimal:,.{MINOR_UNITS[self.currency]}f}".replace(",", "\u00a0")
        return f"{grouped}\u00a0{self.currency}"
