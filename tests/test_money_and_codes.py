from decimal import Decimal

import pytest

from payments.clock import bishkek_time, parse_utc
from payments.codes import normalise_code
from payments.money import Money, MoneyError
from payments.states import PaymentStatus, can_move


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


@pytest.mark.parametrize("bad", ["0", "-5", "1.001", "abc", "NaN", "Infinity"])
def test_money_refuses_what_is_not_an_amount(bad):
    with pytest.raises(MoneyError):
        Money.parse(bad, "KGS")


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
