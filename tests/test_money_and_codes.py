from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.clock import bishkek_time, parse_utc
from core.codes import normalise_code
from core.money import Money, MoneyError
from core.statuses import PaymentStatus, can_move


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("112026117919", "112026117919"),
        (" 1120 2611-7919 ", "112026117919"),
        ("1120–2611—7919", "112026117919"),
        ("1120.2611.7919", "112026117919"),
        ("12345", None),
        ("11202611791A", None),
        ("١٢٣٤٥٦٧٨", None),  # Arabic-Indic digits are digits to Python, not to the billing
        ("", None),
        ("1" * 33, None),
        # invisible format characters (Unicode Cf) that apps put in copied text
        ("1120\u200b2611\u200b7919", "112026117919"),
        ("\u200e112026117919\u200f", "112026117919"),
        ("\u2068112026117919\u2069", "112026117919"),
        ("\ufeff1120 2611 7919", "112026117919"),
        ("11202611\u00ad7919", "112026117919"),  # a soft hyphen
    ],
)
def test_payment_code_is_normalised_to_digits(typed, code):
    assert normalise_code(typed) == code


def test_money_is_integer_minor_units():
    amount = Money.parse("1250.5", "kgs")
    assert amount == Money(125050, "KGS")
    assert amount.decimal == Decimal("1250.50")
    assert amount.plain() == "1250.50"
    assert amount.display() == "1\u00a0250.50\u00a0KGS"


@pytest.mark.parametrize(
    "bad",
    [
        "0",
        "0.00",
        "-5",
        "+5",
        "1.001",
        "abc",
        "",
        "NaN",
        "Infinity",
        "1e30",  # quantize() raised decimal.InvalidOperation, an ArithmeticError
        "1E+2",
        "1_000",
        "١٢٣",  # Arabic-Indic digits: Decimal reads them, the billing would not
        "１２３",  # full-width digits
        "1,500.00",
        "1500.",
        ".50",
        "0x10",
        "9" * 16,  # more than a BIGINT holds in minor units
    ],
)
def test_money_refuses_what_is_not_an_amount(bad):
    with pytest.raises(MoneyError):
        Money.parse(bad, "KGS")


@pytest.mark.parametrize(
    ("text", "minor"),
    [("1500", 150000), ("1500.00", 150000), (" 1250.5\n", 125050), ("0.01", 1), ("10.500", 1050)],
)
def test_money_reads_what_acquirers_billing_and_csv_files_send(text, minor):
    assert Money.parse(text, "KGS") == Money(minor, "KGS")


@given(st.text(max_size=40) | st.from_regex(r"\s?[0-9٠-٩._eE+-]{1,24}\s?", fullmatch=True))
def test_money_parses_any_text_or_says_why_not(text):
    try:
        amount = Money.parse(text, "KGS")
    except MoneyError:
        return
    assert 0 < amount.minor < 10**17
    assert Money.parse(amount.plain(), "KGS") == amount


@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_money_parses_any_decimal_or_says_why_not(value):
    try:
        amount = Money.parse(value, "KGS")
    except MoneyError:
        return
    assert amount.decimal == value


def test_money_refuses_unknown_currency():
    with pytest.raises(MoneyError):
        Money.parse("10", "XXX")


def test_receipt_time_is_shown_in_bishkek_with_the_zone_named():
    assert bishkek_time(parse_utc("2026-11-23T19:40:00Z")) == (
        "24.11.2026 01:40:00 (Asia/Bishkek, UTC+06:00)"
    )
    assert parse_utc("2026-01-01T00:00:00").tzinfo is not None


def test_payment_states_move_forward_only():
    assert can_move(PaymentStatus.CREATED, PaymentStatus.PAID)
    assert can_move(PaymentStatus.EXPIRED, PaymentStatus.PAID)
    assert can_move(PaymentStatus.DECLINED, PaymentStatus.PAID)
    assert not can_move(PaymentStatus.PAID, PaymentStatus.DECLINED)
    assert not can_move(PaymentStatus.DECLINED, PaymentStatus.CREATED)
    assert not can_move(PaymentStatus.PAID, PaymentStatus.PAID)
