"""Freedom Pay acquirer: signatures, payment page, result callback, status (docs/freedompay.md).

Expected signatures are computed here by hand (hashlib over a literal string), never with the
module's helpers; the fake Freedom Pay server has its own copy of the algorithm.
"""

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree

import aiohttp
import pytest
from aiohttp import web

from core.money import Money
from core.statuses import PaymentStatus
from payments.acquirers import (
    AcquirerError,
    CallbackAnswer,
    CallbackRejected,
    CheckoutRequest,
    OrderStatus,
    UnknownOrder,
)
from payments.acquirers.freedompay import FreedomPayAcquirer
from payments.acquirers.freedompay.messages import form_fields, parse_form
from payments.acquirers.freedompay.notices import FreedomPayNotice, StatusAnswer
from payments.acquirers.freedompay.signature import flatten, script_name, sign, verify
from tests.fakes.freedompay import FakeFreedomPay

MERCHANT = "552233"
SECRET = "Qw3rTy5ecret"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PUBLIC = "https://bot.example.kg"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def hand_signed(script: str, fields: dict[str, str], secret: str = SECRET) -> dict[str, str]:
    """Flat fields plus the pg_sig a merchant would compute by hand: values by sorted name."""
    values = [fields[name] for name in sorted(fields)]
    return dict(fields, pg_sig=md5(";".join([script, *values, secret])))


def checkout_request(**overrides) -> CheckoutRequest:
    values = {
        "order_id": "TG0A1B2C3D4E5F60718293",
        "amount": Money(125000, "KGS"),
        "description": "Оплата кода 123456",
        "language": "ky",
        "expires_at": NOW + timedelta(hours=1),
    }
    return CheckoutRequest(**(values | overrides))


def acquirer_for(session, api_url="http://127.0.0.1:1", public=PUBLIC, **kwargs):
    kwargs.setdefault("clock", lambda: NOW)
    return FreedomPayAcquirer(
        MERCHANT, SECRET, public_base=public, session=session, api_url=api_url, **kwargs
    )


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def fake() -> AsyncIterator[FakeFreedomPay]:
    async with FakeFreedomPay(MERCHANT, SECRET) as server:
        yield server


# --------------------------------------------------------------------------------------------
# Signature


def test_documented_init_payment_example():
    # Docs: 'init_payment.php;25;test;{{merchant_id}};23;molbulak;{{secret_key}}'
    params = {
        "pg_order_id": "23",
        "pg_merchant_id": MERCHANT,
        "pg_amount": "25",
        "pg_description": "test",
        "pg_salt": "molbulak",
    }
    expected = md5("init_payment.php;25;test;552233;23;molbulak;Qw3rTy5ecret")
    assert expected == "6a7a14e3e9039e14919419ce40318262"
    assert sign("init_payment.php", params, SECRET) == expected
    assert sign("init_payment.php", params | {"pg_sig": "ignored"}, SECRET) == expected
    assert sign("init_payment.php", params, "other") != expected
    assert sign("payment.php", params, SECRET) != expected


def test_documented_get_status_example():
    # Docs: 'get_status.php;{{paybox_merchant_id}};00102;123456789;some random string;{{secret}}'
    params = {
        "pg_merchant_id": MERCHANT,
        "pg_payment_id": "123456789",
        "pg_order_id": "00102",
        "pg_salt": "some random string",
    }
    expected = md5("get_status.php;552233;00102;123456789;some random string;Qw3rTy5ecret")
    assert sign("get_status.php", params, SECRET) == expected


def test_flatten_names_values_like_the_documented_php():
    params = {
        "pg_order_id": "23",
        "pg_amount": "25",
        "pg_receipt_positions": [
            {"count": "2", "name": "Mouse pad", "tax_type": "0", "price": "1000"},
            {"count": "1", "name": "Кабель", "tax_type": "3", "price": "500"},
        ],
        "pg_salt": "s4lt",
    }
    assert flatten(params) == {
        "pg_order_id001": "23",
        "pg_amount002": "25",
        "pg_receipt_positions0030001count001": "2",
        "pg_receipt_positions0030001name002": "Mouse pad",
        "pg_receipt_positions0030001tax_type003": "0",
        "pg_receipt_positions0030001price004": "1000",
        "pg_receipt_positions0031002count001": "1",
        "pg_receipt_positions0031002name002": "Кабель",
        "pg_receipt_positions0031002tax_type003": "3",
        "pg_receipt_positions0031002price004": "500",
        "pg_salt004": "s4lt",
    }
    # Sorted by flattened name: each position's fields by name, positions in order.
    by_hand = "init_payment.php;25;23;2;Mouse pad;1000;0;1;Кабель;500;3;s4lt;" + SECRET
    assert sign("init_payment.php", params, SECRET) == md5(by_hand)
    # The same request as bracketed form fields, read back the way PHP reads them.
    fields = form_fields(params)
    assert ("pg_receipt_positions[1][name]", "Кабель") in fields
    assert sign("init_payment.php", parse_form(fields), SECRET) == md5(by_hand)


def test_flatten_keeps_the_php_quirk_for_ten_or_more_positions():
    # "%03d" after the key: position 10 ("10" + "011") sorts before position 1 ("1" + "002").
    flat = flatten({"p": [str(n) for n in range(11)]})
    in_order = [flat[name] for name in sorted(flat)]
    assert in_order == ["0", "10", *(str(n) for n in range(1, 10))]


def test_flatten_scalars_and_refusals():
    assert flatten({"a": 5, "b": None, "c": True, "d": False}) == {
        "a001": "5",
        "b002": "",
        "c003": "1",
        "d004": "",
    }
    with pytest.raises(TypeError):
        flatten({"pg_amount": 12.5})


def test_verify_is_exact():
    fields = hand_signed("callback", {"pg_order_id": "1", "pg_salt": "x"})
    assert verify("callback", fields, SECRET)
    assert verify("callback", fields | {"pg_sig": fields["pg_sig"].upper()}, SECRET)
    assert not verify("callback", fields | {"pg_order_id": "2"}, SECRET)
    assert not verify("callback", fields | {"pg_sig": "пусто"}, SECRET)
    assert not verify("callback", {"pg_order_id": "1"}, SECRET)
    assert not verify("result", fields, SECRET)


def test_script_name_is_the_last_path_segment():
    assert script_name("https://api.freedompay.kz/init_payment.php") == "init_payment.php"
    assert script_name(f"{PUBLIC}/acquirer/freedompay/callback?x=1") == "callback"


# --------------------------------------------------------------------------------------------
# Callback answers


def read_answer(body: str) -> dict[str, str]:
    root = ElementTree.fromstring(body.encode())  # noqa: S314 - our own output
    assert root.tag == "response"
    return {child.tag: child.text or "" for child in root}


def answer_signature_ok(fields: dict[str, str]) -> bool:
    unsigned = {k: v for k, v in fields.items() if k != "pg_sig"}
    return hand_signed("callback", unsigned)["pg_sig"] == fields["pg_sig"]


def notice(status=PaymentStatus.PAID, can_reject=True) -> FreedomPayNotice:
    return FreedomPayNotice(
        order_id="TG1",
        status=status,
        amount=Money(125000, "KGS"),
        transaction_id="470000001",
        dedupe_key="k",
        can_reject=can_reject,
    )


@pytest.mark.parametrize(
    ("answer", "given", "http_status", "pg_status"),
    [
        (CallbackAnswer.ACCEPTED, notice(), 200, "ok"),
        (CallbackAnswer.ACCEPTED, None, 200, "ok"),
        (CallbackAnswer.REJECTED, notice(), 200, "rejected"),
        (CallbackAnswer.REJECTED, notice(can_reject=False), 200, "error"),
        (CallbackAnswer.REJECTED, notice(PaymentStatus.DECLINED), 200, "error"),
        (CallbackAnswer.REJECTED, None, 200, "error"),
        (CallbackAnswer.RETRY, notice(), 503, "error"),
    ],
)
def test_answers_are_signed_xml(answer, given, http_status, pg_status):
    acquirer = acquirer_for(session=None)
    reply = acquirer.answer(answer, given)
    assert (reply.status, reply.content_type) == (http_status, "application/xml")
    fields = read_answer(reply.body)
    assert fields["pg_status"] == pg_status
    assert set(fields) == {"pg_status", "pg_description", "pg_salt", "pg_sig"}
    by_hand = ";".join(["callback", fields["pg_description"], fields["pg_salt"], pg_status, SECRET])
    assert fields["pg_sig"] == md5(by_hand)
    assert acquirer.answer(answer, given).body != reply.body  # a fresh salt every time


# --------------------------------------------------------------------------------------------
# Parsing callbacks


def callback_fields(**overrides: str) -> dict[str, str]:
    fields = {
        "pg_order_id": "TG1",
        "pg_payment_id": "470000001",
        "pg_amount": "1250.00",
        "pg_currency": "KGS",
        "pg_net_amount": "1218.75",
        "pg_ps_amount": "1250.00",
        "pg_ps_full_amount": "1250.00",
        "pg_ps_currency": "KGS",
        "pg_description": "Оплата кода 123456",
        "pg_result": "1",
        "pg_payment_date": "2026-11-23 12:00:00",
        "pg_can_reject": "1",
        "pg_card_pan": "440043******1234",
        "pg_auth_code": "123456",
        "pg_salt": "a1b2c3",
    }
    return fields | overrides


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def form_body(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()


def test_paid_callback():
    acquirer = acquirer_for(session=None)
    body = form_body(hand_signed("callback", callback_fields()))
    got = acquirer.parse_callback(body, FORM)
    assert got.order_id == "TG1"
    assert got.status is PaymentStatus.PAID
    assert got.amount == Money(125000, "KGS")
    assert got.transaction_id == "470000001"
    assert got.card_mask == "440043******1234"
    assert got.reason is None
    assert got.dedupe_key == sha256("470000001:1")
    assert isinstance(got, FreedomPayNotice) and got.can_reject


def test_declined_callback():
    acquirer = acquirer_for(session=None)
    fields = callback_fields(
        pg_result="0",
        pg_can_reject="0",
        pg_failure_code="10005",
        pg_failure_description="Недостаточно средств",
    )
    got = acquirer.parse_callback(form_body(hand_signed("callback", fields)), FORM)
    assert got.status is PaymentStatus.DECLINED
    assert got.reason == "Недостаточно средств"
    assert got.dedupe_key == sha256("470000001:0")
    assert isinstance(got, FreedomPayNotice) and not got.can_reject


def test_repeated_callback_has_the_same_dedupe_key():
    acquirer = acquirer_for(session=None)
    first = hand_signed("callback", callback_fields(pg_salt="one"))
    second = hand_signed("callback", callback_fields(pg_salt="two"))
    assert (
        acquirer.parse_callback(form_body(first), FORM).dedupe_key
        == acquirer.parse_callback(form_body(second), FORM).dedupe_key
    )


def test_unmasked_card_number_is_masked():
    acquirer = acquirer_for(session=None)
    fields = hand_signed("callback", callback_fields(pg_card_pan="4400430012341234"))
    assert acquirer.parse_callback(form_body(fields), FORM).card_mask == "440043******1234"
    fields = hand_signed("callback", callback_fields(pg_card_pan="5483-18XX-XXXX-0293" * 2))
    assert acquirer.parse_callback(form_body(fields), FORM).card_mask == "5483-18XX-XXXX-02935483-"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (callback_fields(pg_sig="0" * 32), "bad_signature"),
        (callback_fields(), "bad_signature"),  # no pg_sig at all
        (hand_signed("callback", callback_fields(), secret="other"), "bad_signature"),
        (hand_signed("result", callback_fields()), "bad_signature"),
        (hand_signed("callback", callback_fields()) | {"pg_amount": "1.00"}, "bad_signature"),
        (hand_signed("callback", callback_fields()) | {"extra": "1"}, "bad_signature"),
        (hand_signed("callback", callback_fields(pg_merchant_id="999")), "wrong_merchant"),
        (hand_signed("callback", callback_fields(pg_testing_mode="1")), "testing_mode"),
        (hand_signed("callback", callback_fields(pg_result="2")), "malformed"),
        (hand_signed("callback", callback_fields(pg_amount="12.345")), "malformed"),
        (hand_signed("callback", callback_fields(pg_currency="XXX")), "malformed"),
        (hand_signed("callback", callback_fields(pg_payment_id="")), "malformed"),
    ],
)
def test_refused_callbacks(fields, reason):
    acquirer = acquirer_for(session=None)
    with pytest.raises(CallbackRejected) as refused:
        acquirer.parse_callback(form_body(fields), FORM)
    assert refused.value.reason == reason


def test_own_merchant_id_and_testing_mode_are_accepted():
    fields = hand_signed("callback", callback_fields(pg_merchant_id=MERCHANT, pg_testing_mode="1"))
    got = acquirer_for(session=None, testing_mode=True).parse_callback(form_body(fields), FORM)
    assert got.status is PaymentStatus.PAID


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not a form",
        b"\xff\xfe",
        # The same field twice: the signature and our reading could see different values.
        form_body(hand_signed("callback", callback_fields())) + b"&pg_amount=1.00",
    ],
)
def test_malformed_bodies(body):
    with pytest.raises(CallbackRejected, match="malformed"):
        acquirer_for(session=None).parse_callback(body, FORM)


def test_xml_callbacks_in_pg_xml_or_raw():
    acquirer = acquirer_for(session=None)
    fields = hand_signed("callback", callback_fields(pg_description="A & B"))
    inner = "".join(f"<{k}>{v.replace('&', '&amp;')}</{k}>" for k, v in fields.items())
    xml = f'<?xml version="1.0" encoding="utf-8"?><request>{inner}</request>'
    got = acquirer.parse_callback(urlencode({"pg_xml": xml}).encode(), FORM)
    assert (got.status, got.amount) == (PaymentStatus.PAID, Money(125000, "KGS"))
    raw = acquirer.parse_callback(xml.encode(), {"content-type": "text/xml; charset=utf-8"})
    assert raw.transaction_id == "470000001"


def test_xml_with_entities_is_refused():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;">]><request><pg_order_id>&b;</pg_order_id></request>'
    )
    with pytest.raises(CallbackRejected, match="malformed"):
        acquirer_for(session=None).parse_callback(bomb.encode(), {"Content-Type": "text/xml"})


def test_multipart_callback():
    fields = hand_signed("callback", callback_fields())
    boundary = "XyZ"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    got = acquirer_for(session=None).parse_callback(body, headers)
    assert (got.order_id, got.amount) == ("TG1", Money(125000, "KGS"))


# --------------------------------------------------------------------------------------------
# Payment page


async def test_create_checkout_sends_signed_documented_fields(http, fake):
    acquirer = acquirer_for(http, api_url=fake.base_url)
    checkout = await acquirer.create_checkout(checkout_request())
    (sent,) = fake.init_requests()
    payment = fake.payment_for_order("TG0A1B2C3D4E5F60718293")
    assert checkout.url == f"{fake.base_url}/pay/{payment.payment_id}?customer=x&lang=ru"
    assert sent["pg_merchant_id"] == MERCHANT
    assert sent["pg_amount"] == "1250.00"
    assert sent["pg_currency"] == "KGS"
    assert sent["pg_lifetime"] == "3600"
    assert sent["pg_language"] == "kg"
    assert sent["pg_description"] == "Оплата кода 123456"
    assert sent["pg_result_url"] == f"{PUBLIC}/acquirer/freedompay/callback"
    assert sent["pg_success_url"] == f"{PUBLIC}/acquirer/freedompay/return"
    assert sent["pg_failure_url"] == f"{PUBLIC}/acquirer/freedompay/return"
    assert sent["pg_request_method"] == "POST"
    assert sent["pg_testing_mode"] == "0"
    assert sent["pg_salt"].isalnum() and len(sent["pg_salt"]) >= 16
    unsigned = {k: v for k, v in sent.items() if k != "pg_sig"}
    assert sent["pg_sig"] == hand_signed("init_payment.php", unsigned)["pg_sig"]
    assert len(fake.payments) == 1


@pytest.mark.parametrize(
    ("language", "expires_in", "sent_language", "sent_lifetime"),
    [
        ("ru", timedelta(seconds=30), "ru", "300"),
        ("en", timedelta(days=30), "en", "604800"),
        ("de", timedelta(minutes=20), "ru", "1200"),
    ],
)
async def test_language_and_lifetime_limits(
    http, fake, language, expires_in, sent_language, sent_lifetime
):
    acquirer = acquirer_for(http, api_url=fake.base_url, testing_mode=True)
    await acquirer.create_checkout(checkout_request(language=language, expires_at=NOW + expires_in))
    (sent,) = fake.init_requests()
    assert (sent["pg_language"], sent["pg_lifetime"]) == (sent_language, sent_lifetime)
    assert sent["pg_testing_mode"] == "1"


async def test_init_error_answer(http, fake):
    fake.fail_init_next = "Магазин заблокирован"
    acquirer = acquirer_for(http, api_url=fake.base_url)
    with pytest.raises(AcquirerError, match="Магазин заблокирован"):
        await acquirer.create_checkout(checkout_request())
    assert fake.payments == {}
    await acquirer.create_checkout(checkout_request())  # only the next one failed
    assert len(fake.payments) == 1


async def test_init_with_a_wrong_secret_gets_an_unsigned_error(http, fake):
    acquirer = FreedomPayAcquirer(
        MERCHANT, "wrong", public_base=PUBLIC, session=http, api_url=fake.base_url
    )
    with pytest.raises(AcquirerError, match="9998"):
        await acquirer.create_checkout(checkout_request())


async def test_init_answer_with_a_forged_signature_is_refused(http, fake):
    fake.forge_next_answer = True
    acquirer = acquirer_for(http, api_url=fake.base_url)
    with pytest.raises(AcquirerError, match="bad signature"):
        await acquirer.create_checkout(checkout_request())


async def test_init_http_error(http, fake):
    acquirer = acquirer_for(http, api_url=f"{fake.base_url}/missing")
    with pytest.raises(AcquirerError, match="HTTP 404"):
        await acquirer.create_checkout(checkout_request())


async def test_init_timeout(http):
    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    acquirer = acquirer_for(http, api_url=f"http://127.0.0.1:{port}", timeout=0.3)
    started = time.monotonic()
    try:
        with pytest.raises(AcquirerError, match="TimeoutError"):
            await acquirer.create_checkout(checkout_request())
    finally:
        server.close()
    assert time.monotonic() - started < 3


async def test_init_connection_refused(http):
    acquirer = acquirer_for(http, api_url="http://127.0.0.1:1", timeout=2)
    with pytest.raises(AcquirerError):
        await acquirer.create_checkout(checkout_request())


# --------------------------------------------------------------------------------------------
# Status


async def started_payment(http, fake) -> tuple[FreedomPayAcquirer, str]:
    acquirer = acquirer_for(http, api_url=fake.base_url, public="http://127.0.0.1:9")
    await acquirer.create_checkout(checkout_request())
    return acquirer, fake.payment_for_order("TG0A1B2C3D4E5F60718293").payment_id


async def test_status_success(http, fake):
    acquirer, payment_id = await started_payment(http, fake)
    payment = fake.payments[payment_id]
    payment.status, payment.card_pan = "success", "5483-18XX-XXXX-0293"
    got = await acquirer.status("TG0A1B2C3D4E5F60718293")
    assert got == StatusAnswer(
        order_id="TG0A1B2C3D4E5F60718293",
        status=PaymentStatus.PAID,
        amount=Money(125000, "KGS"),
        transaction_id=payment_id,
        card_mask="5483-18XX-XXXX-0293",
        reason=None,
        provider_status="success",
    )
    as_notice = got.as_notice()
    assert as_notice.dedupe_key == sha256(f"{payment_id}:paid")
    assert (as_notice.status, as_notice.transaction_id) == (PaymentStatus.PAID, payment_id)
    (_, sent) = fake.requests[-1]
    assert sent["pg_order_id"] == "TG0A1B2C3D4E5F60718293"
    unsigned = {k: v for k, v in sent.items() if k != "pg_sig"}
    assert sent["pg_sig"] == hand_signed("get_status3.php", unsigned)["pg_sig"]


async def test_status_failed(http, fake):
    acquirer, payment_id = await started_payment(http, fake)
    payment = fake.payments[payment_id]
    payment.status, payment.failure_code = "error", "10005"
    payment.failure_description = "Insufficient funds"
    got = await acquirer.status("TG0A1B2C3D4E5F60718293", payment_id=payment_id)
    assert (got.status, got.reason) == (PaymentStatus.DECLINED, "Insufficient funds")
    assert got.as_notice().dedupe_key == sha256(f"{payment_id}:declined")
    assert fake.requests[-1][1]["pg_payment_id"] == payment_id


@pytest.mark.parametrize(
    ("provider_status", "status", "in_progress"),
    [
        ("new", None, False),
        ("incomplete", PaymentStatus.EXPIRED, False),
        # The payer may be in 3-D Secure, or the bank has not answered: money may be taken.
        ("pending", None, True),
        ("process", None, True),
        ("waiting", None, True),
        ("partial", None, True),
        ("PROCESS", None, True),
        # Not understood: never taken for "nothing happened".
        ("revoked", None, True),
        ("something new", None, True),
    ],
)
async def test_status_pending_and_others(http, fake, provider_status, status, in_progress):
    acquirer, _ = await started_payment(http, fake)
    fake.status_override = provider_status
    got = await acquirer.status("TG0A1B2C3D4E5F60718293")
    assert (got.status, got.provider_status) == (status, provider_status)
    assert got.in_progress is in_progress
    assert got.amount == Money(125000, "KGS")
    if status is None:
        with pytest.raises(ValueError, match="not a final outcome"):
            got.as_notice()
    reconciling = await acquirer.get_status("TG0A1B2C3D4E5F60718293")
    assert reconciling == OrderStatus(outcome=None, in_progress=in_progress)


@pytest.mark.parametrize(
    ("provider_status", "status"), [("success", "paid"), ("error", "declined")]
)
async def test_get_status_gives_an_outcome_as_a_callback_would(http, fake, provider_status, status):
    acquirer, payment_id = await started_payment(http, fake)
    fake.payments[payment_id].status = provider_status
    got = await acquirer.get_status("TG0A1B2C3D4E5F60718293")
    assert not got.in_progress
    assert got.outcome is not None
    assert (got.outcome.status, got.outcome.transaction_id) == (status, payment_id)
    assert got.outcome.dedupe_key == sha256(f"{payment_id}:{status}")


async def test_status_with_nested_refunds_verifies(http, fake):
    acquirer, payment_id = await started_payment(http, fake)
    fake.payments[payment_id].status = "success"
    fake.refund(payment_id, "500.00")
    fake.refund(payment_id, "100.00")
    got = await acquirer.status("TG0A1B2C3D4E5F60718293")
    assert got.status is PaymentStatus.PAID


async def test_status_of_an_order_freedom_pay_does_not_have(http, fake):
    # The process died between committing the payment and init_payment reaching Freedom Pay.
    acquirer, _ = await started_payment(http, fake)
    with pytest.raises(UnknownOrder, match="no such payment"):
        await acquirer.status("TG_NEVER_SENT")
    with pytest.raises(UnknownOrder):
        await acquirer.get_status("TG_NEVER_SENT")
    assert fake.requests[-1][1]["pg_order_id"] == "TG_NEVER_SENT"


async def test_status_errors_are_not_taken_for_an_unknown_order(http, fake):
    acquirer, _ = await started_payment(http, fake)
    fake.fail_status_next = "Платеж не найден"
    with pytest.raises(AcquirerError, match="Платеж не найден") as raised:
        await acquirer.get_status("TG0A1B2C3D4E5F60718293")
    assert not isinstance(raised.value, UnknownOrder)
    fake.forge_next_answer = True  # even "no such payment" counts only when signed
    with pytest.raises(AcquirerError, match="bad signature") as raised:
        await acquirer.get_status("TG_NEVER_SENT")
    assert not isinstance(raised.value, UnknownOrder)
    unreachable = acquirer_for(http, api_url="http://127.0.0.1:1", timeout=2)
    with pytest.raises(AcquirerError) as raised:
        await unreachable.get_status("TG0A1B2C3D4E5F60718293")
    assert not isinstance(raised.value, UnknownOrder)


# --------------------------------------------------------------------------------------------
# Round trip: the fake calls a tiny callback endpoint, as web/routes.py does


class Endpoint:
    def __init__(self, acquirer_factory) -> None:
        self.acquirer_factory = acquirer_factory
        self.acquirer: FreedomPayAcquirer | None = None
        self.notices: list = []
        self.refusals: list[str] = []
        self.decision = CallbackAnswer.ACCEPTED

    async def handle(self, request: web.Request) -> web.Response:
        assert self.acquirer is not None
        body = await request.read()
        notice = None
        try:
            notice = self.acquirer.parse_callback(body, request.headers)
            self.notices.append(notice)
            answer = self.decision
        except CallbackRejected as rejected:
            self.refusals.append(rejected.reason)
            answer = CallbackAnswer.REJECTED
        reply = self.acquirer.answer(answer, notice)
        return web.Response(status=reply.status, text=reply.body, content_type=reply.content_type)


@pytest.fixture
async def endpoint(http, fake) -> AsyncIterator[Endpoint]:
    app = web.Application()
    handler = Endpoint(None)
    app.router.add_post("/acquirer/freedompay/callback", handler.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    public = f"http://127.0.0.1:{runner.addresses[0][1]}"
    handler.acquirer = acquirer_for(http, api_url=fake.base_url, public=public)
    yield handler
    await runner.cleanup()


async def pay(endpoint, fake, **kwargs):
    await endpoint.acquirer.create_checkout(checkout_request())
    payment = fake.payment_for_order("TG0A1B2C3D4E5F60718293")
    return payment, await fake.complete(payment.payment_id, **kwargs)


async def test_round_trip_paid(endpoint, fake):
    payment, delivery = await pay(endpoint, fake)
    assert (delivery.http_status, delivery.answer_status) == (200, "ok")
    assert delivery.answer_signature_ok
    (got,) = endpoint.notices
    assert (got.order_id, got.status) == ("TG0A1B2C3D4E5F60718293", PaymentStatus.PAID)
    assert (got.amount, got.transaction_id) == (Money(125000, "KGS"), payment.payment_id)
    assert got.card_mask == "440043******1234"
    again = await fake.redeliver(payment.payment_id)
    assert again.answer_status == "ok"
    assert endpoint.notices[1].dedupe_key == got.dedupe_key


async def test_round_trip_declined(endpoint, fake):
    _, delivery = await pay(endpoint, fake, success=False, failure_description="Card expired")
    assert delivery.answer_status == "ok" and delivery.answer_signature_ok
    (got,) = endpoint.notices
    assert (got.status, got.reason) == (PaymentStatus.DECLINED, "Card expired")


async def test_round_trip_rejected_revokes_the_payment(endpoint, fake):
    endpoint.decision = CallbackAnswer.REJECTED
    payment, delivery = await pay(endpoint, fake)
    assert delivery.answer_status == "rejected" and delivery.answer_signature_ok
    assert payment.status == "revoked"


async def test_round_trip_rejected_without_can_reject(endpoint, fake):
    endpoint.decision = CallbackAnswer.REJECTED
    payment, delivery = await pay(endpoint, fake, can_reject=False)
    assert delivery.answer_status == "error"
    assert payment.status == "success"


async def test_round_trip_retry_is_not_200(endpoint, fake):
    endpoint.decision = CallbackAnswer.RETRY
    _, delivery = await pay(endpoint, fake)
    assert (delivery.http_status, delivery.answer_status) == (503, "error")
    assert delivery.answer_signature_ok


async def test_round_trip_refused_callback(endpoint, fake):
    _, delivery = await pay(endpoint, fake, extra={"pg_merchant_id": "999"})
    assert endpoint.refusals == ["wrong_merchant"]
    assert delivery.answer_status == "error"


async def test_round_trip_multipart_and_xml(endpoint, fake):
    fake.callback_encoding = "multipart"
    payment, delivery = await pay(endpoint, fake)
    assert delivery.answer_status == "ok"
    payment.request_method = "XML"  # as if pg_request_method=XML had been sent
    again = await fake.redeliver(payment.payment_id)
    assert again.answer_status == "ok"
    assert [n.status for n in endpoint.notices] == [PaymentStatus.PAID, PaymentStatus.PAID]
    assert endpoint.refusals == []
