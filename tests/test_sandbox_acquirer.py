import json
from datetime import date

import pytest

from core.cards import luhn_valid
from core.money import Money
from core.statuses import PaymentStatus
from payments.acquirers import CallbackRejected
from payments.acquirers.sandbox import (
    APPROVE_CARD,
    DECLINE_CARD,
    SIGNATURE_HEADER,
    CardForm,
    SandboxAcquirer,
    mask_card,
)

TODAY = date(2026, 11, 23)
acquirer = SandboxAcquirer("http://127.0.0.1:1", "secret")


def form(**overrides):
    values = {
        "card_number": "4242 4242 4242 4242",
        "expiry": "12/30",
        "cvc": "123",
        "holder": "ASAN ASANOV",
    }
    return values | overrides


def test_luhn_and_mask():
    assert luhn_valid(APPROVE_CARD) and luhn_valid(DECLINE_CARD)
    assert not luhn_valid("4242424242424241")
    assert mask_card(APPROVE_CARD) == "424242******4242"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"card_number": "4242424242424241"}, "sandbox-error-card-number"),
        ({"expiry": "10/26"}, "sandbox-error-expiry"),
        ({"expiry": "13/30"}, "sandbox-error-expiry"),
        ({"cvc": "12"}, "sandbox-error-cvc"),
        ({"holder": "Асан"}, "sandbox-error-holder"),
        ({"card_number": "5555555555554444"}, "sandbox-error-not-test-card"),
    ],
)
def test_card_form_errors(overrides, error):
    card, errors = CardForm.parse(form(**overrides), TODAY)
    assert card is None
    assert errors == [error]


def test_signed_callback_round_trip_and_tampering():
    card, _ = CardForm.parse(form(card_number=DECLINE_CARD), TODAY)
    body = acquirer.callback_body("TG1", Money(125000, "KGS"), card)
    assert "4000000000000002" not in body.decode()
    headers = {SIGNATURE_HEADER: acquirer.sign(body)}
    notice = acquirer.parse_callback(body, headers)
    assert notice.status is PaymentStatus.DECLINED
    assert notice.amount == Money(125000, "KGS")
    assert notice.card_mask == "400000******0002"

    tampered = json.dumps(json.loads(body) | {"amount": "1.00"}, sort_keys=True).encode()
    with pytest.raises(CallbackRejected, match="bad_signature"):
        acquirer.parse_callback(tampered, headers)
    with pytest.raises(CallbackRejected, match="bad_signature"):
        SandboxAcquirer("http://x", "other").parse_callback(body, headers)
    with pytest.raises(CallbackRejected, match="malformed"):
        acquirer.parse_callback(b"{}", {SIGNATURE_HEADER: acquirer.sign(b"{}")})
    with pytest.raises(CallbackRejected, match="bad_signature"):  # not a TypeError (500)
        acquirer.parse_callback(body, {SIGNATURE_HEADER: "подпись"})
