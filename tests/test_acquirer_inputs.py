"""What an acquirer's callback may carry: nesting, entities and field names (issue 16)."""

from urllib.parse import urlencode

import pytest

from bot.settings import Settings
from core.statuses import PaymentStatus
from payments.acquirers import CallbackRejected
from payments.acquirers.freedompay.acquirer import DEFAULT_API_URL
from payments.acquirers.freedompay.messages import parse_xml
from tests.test_freedompay import FORM, acquirer_for, callback_fields, form_body, hand_signed

XML = {"Content-Type": "text/xml"}


def test_deeply_nested_xml_callback_is_malformed_not_a_crash():
    body = b"<request>" + b"<a>" * 3000 + b"1" + b"</a>" * 3000 + b"</request>"
    with pytest.raises(CallbackRejected, match="malformed"):
        acquirer_for(session=None).parse_callback(body, XML)
    wrapped = urlencode({"pg_xml": body.decode()}).encode()
    with pytest.raises(CallbackRejected, match="malformed"):
        acquirer_for(session=None).parse_callback(wrapped, FORM)


def test_deeply_nested_form_field_is_malformed_not_a_crash():
    body = urlencode({"pg_order_id" + "[a]" * 3000: "1", "pg_sig": "0" * 32}).encode()
    with pytest.raises(CallbackRejected, match="malformed"):
        acquirer_for(session=None).parse_callback(body, FORM)


@pytest.mark.parametrize(
    "xml",
    [
        # An external entity and a billion-laughs bomb, without the word DOCTYPE spelled plainly
        # for a pattern to find: the parser itself refuses them.
        '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>',
        '<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><r><x>&b;</x></r>',
    ],
)
def test_declarations_are_refused(xml):
    with pytest.raises(ValueError):
        parse_xml(xml)


def test_nesting_within_the_limit_is_read():
    tag, fields = parse_xml("<response><a><b><c>1</c></b></a><d>2</d></response>")
    assert (tag, fields) == ("response", {"a": {"b": {"c": "1"}}, "d": "2"})


def declined_test_mode_callback() -> dict[str, str]:
    fields = callback_fields(pg_result="0", pg_can_reject="0", pg_testing_mode="1")
    return hand_signed("callback", fields)


def test_renamed_fields_of_a_declined_callback_are_not_a_payment():
    """pg_sig covers the values in the order of their names: renaming pg_result, pg_salt and
    pg_testing_mode to names that sort the same way moves "1" onto pg_result, signature intact."""
    captured = declined_test_mode_callback()
    forged = {k: v for k, v in captured.items() if k not in ("pg_result", "pg_salt")}
    forged.pop("pg_testing_mode")
    forged |= {
        "pg_q": captured["pg_result"],  # sorts where pg_result did
        "pg_ra": captured["pg_salt"],  # sorts where pg_salt did
        "pg_result": captured["pg_testing_mode"],  # "1", where pg_testing_mode did
    }
    acquirer = acquirer_for(session=None, testing_mode=True)
    assert acquirer.parse_callback(form_body(captured), FORM).status is PaymentStatus.DECLINED
    with pytest.raises(CallbackRejected) as refused:
        acquirer.parse_callback(form_body(forged), FORM)
    assert refused.value.reason == "unexpected_fields"


@pytest.mark.parametrize(
    "change",
    [
        {"pg_unknown": "1"},  # an extra field, signed
        {"merchant_field": "x"},  # we send no fields of our own, so none come back
    ],
)
def test_unknown_fields_are_refused(change):
    fields = hand_signed("callback", callback_fields(**change))
    with pytest.raises(CallbackRejected) as refused:
        acquirer_for(session=None).parse_callback(form_body(fields), FORM)
    assert refused.value.reason == "unexpected_fields"


@pytest.mark.parametrize("missing", ["pg_salt", "pg_currency", "pg_result"])
def test_missing_fields_are_refused(missing):
    fields = {k: v for k, v in callback_fields().items() if k != missing}
    with pytest.raises(CallbackRejected) as refused:
        acquirer_for(session=None).parse_callback(form_body(hand_signed("callback", fields)), FORM)
    assert refused.value.reason == "unexpected_fields"


def test_freedom_pay_defaults_to_the_kyrgyz_host():
    assert DEFAULT_API_URL == "https://api.freedompay.kg"
    assert str(Settings(_env_file=None).freedompay_api_url) == "https://api.freedompay.kg/"
