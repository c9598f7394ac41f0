import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.cards import contains_card_number, luhn_valid
from core.codes import DIGIT_SEPARATORS, normalise_code

CARDS = [
    "4242 4242 4242 4242",
    "my card 4242-4242-4242-4242 exp 12/30",
    "5555555555554444",
    "2200 0000 0000 0004",  # Mir
    "378282246310005",  # Amex
    "6200000000000005",  # UnionPay
    "4111111111111111 cvc 123",
    "4242\u00a04242\u00a04242\u00a04242",  # no-break spaces, as banking apps copy it
    "4242  4242\t4242\n4242",
    "4242.4242.4242.4242",
    "4242–4242–4242–4242",  # en dashes
    # cards that citizens abroad hold
    "8600 0000 0000 1237",  # UzCard
    "9860 0000 0000 1230",  # Humo
    "9112 0000 0000 1236",  # Belkart
    "8100 0000 0000 1232",  # RuPay
    "8200000000001231",  # RuPay
    "5080 0000 0000 1232",  # RuPay
    "6000 0000 0000 1237",  # RuPay
    "3600 000000 1238",  # Diners Club, 14 digits
    "9417 0000 0000 1238",  # Elcard
    # written out with other separators, or with invisible format characters pasted in
    "4242/4242/4242/4242",
    "4242_4242_4242_4242",
    "4242,4242,4242,4242",
    "4242\u200b4242\u200b4242\u200b4242",
    "\u2068 4242 4242 4242 4242\u2069",
    "\ufeff4242424242424242\u200e",
]
NOT_CARDS = [
    "112026117919",  # a payment code
    "1120 2611 7919",
    "21503199012345",  # a 14-digit personal number (INN)
    "+996 555 123 456",  # a phone number
    "996555123456",
    "4242 4242 4242 4241",  # Luhn fails
    "42424242424242424242",  # too long
    "1300 1234 5678 9012",
    "1120\u200b2611\u200b7919",  # a payment code, pasted with zero-width spaces
]


@pytest.mark.parametrize("text", CARDS)
def test_card_numbers_are_found(text):
    assert contains_card_number(text)


@pytest.mark.parametrize("text", NOT_CARDS)
def test_codes_phones_and_personal_numbers_are_not_cards(text):
    assert not contains_card_number(text)


def test_luhn_valid_payment_codes_are_still_not_cards():
    code = next(f"1120261{n:05d}" for n in range(100000) if luhn_valid(f"1120261{n:05d}"))
    inn = next(f"2150319901{n:04d}" for n in range(10000) if luhn_valid(f"2150319901{n:04d}"))
    assert luhn_valid(code) and not contains_card_number(code)
    assert luhn_valid(inn) and not contains_card_number(inn)


@given(
    st.lists(
        st.from_regex(DIGIT_SEPARATORS, fullmatch=True).filter(lambda sep: len(sep) < 5),
        min_size=3,
        max_size=3,
    )
)
def test_a_card_typed_as_a_code_is_still_a_card(separators):
    """Whatever the payment code reader skips between digit groups, the guard skips too, so a
    card number is never taken for a code (and sent to the billing)."""
    text = "4242" + "".join(separator + "4242" for separator in separators)
    assert normalise_code(text) == "4242424242424242"
    assert contains_card_number(text)
