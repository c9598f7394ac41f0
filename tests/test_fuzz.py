"""Every parser of outside input, fed with hypothesis: no crash, no unhandled exception,
a clear error."""

import json
from datetime import UTC, datetime

from aiogram.types import Update
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.cards import contains_card_number
from core.codes import normalise_code
from payments.acquirers import CallbackRejected
from payments.acquirers.freedompay import FreedomPayAcquirer
from payments.acquirers.sandbox import SIGNATURE_HEADER, CardForm, SandboxAcquirer
from payments.invoices import CSV_HEADER, InvoiceImportError, parse_csv

sandbox = SandboxAcquirer("http://127.0.0.1:1", "fuzz-secret")
anything = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)


@given(anything)
def test_payment_code_normaliser(text):
    code = normalise_code(text)
    assert code is None or (code.isascii() and code.isdigit() and 6 <= len(code) <= 32)


@given(anything)
def test_card_number_detector(text):
    assert contains_card_number(text) in (True, False)


@given(st.lists(st.lists(anything, min_size=0, max_size=9), max_size=6), st.booleans())
def test_invoice_csv_rows_parse_or_name_their_line(rows, with_header):
    lines = [",".join(CSV_HEADER)] if with_header else []
    lines += [",".join(row) for row in rows]
    try:
        parsed = parse_csv("\n".join(lines))
    except InvoiceImportError as error:
        assert error.problems
        assert all(p.startswith("line ") for p in error.problems) or error.problems == [
            "the file has no invoices"
        ]
    else:
        assert parsed and all(row.amount.minor > 0 for row in parsed)


@given(st.binary(max_size=400), st.booleans())
def test_sandbox_callback_bodies(body, signed):
    headers = {SIGNATURE_HEADER: sandbox.sign(body) if signed else "x"}
    try:
        notice = sandbox.parse_callback(body, headers)
    except CallbackRejected as rejected:
        assert rejected.reason in ("bad_signature", "malformed")
    else:
        assert signed and notice.amount.minor > 0


@given(
    st.dictionaries(
        st.sampled_from(["order_id", "status", "amount", "currency", "transaction_id", "x"]),
        st.one_of(anything, st.integers(), st.none(), st.floats(allow_nan=True)),
    )
)
def test_sandbox_callback_json_shapes(payload):
    body = json.dumps(payload).encode()
    try:
        sandbox.parse_callback(body, {SIGNATURE_HEADER: sandbox.sign(body)})
    except CallbackRejected as rejected:
        assert rejected.reason == "malformed"


# parse_callback makes no request: the HTTP session is never touched.
freedompay = FreedomPayAcquirer(
    "552211", "secret", public_base="https://pay.example.kg", session=None
)
form_like = st.dictionaries(
    st.sampled_from(
        [
            "pg_order_id",
            "pg_amount",
            "pg_currency",
            "pg_sig",
            "pg_result",
            "pg_salt",
            "pg_payment_id",
            "x",
        ]
    ),
    anything,
).map(lambda d: "&".join(f"{k}={v}" for k, v in d.items()))


@given(
    body=st.one_of(st.binary(max_size=400), form_like.map(str.encode)),
    content_type=st.sampled_from(
        ["application/x-www-form-urlencoded", "text/xml", "multipart/form-data; boundary=x", ""]
    ),
)
def test_freedompay_callback_bodies(body, content_type):
    try:
        freedompay.parse_callback(body, {"Content-Type": content_type})
    except CallbackRejected as rejected:
        assert rejected.reason in ("malformed", "bad_signature", "wrong_merchant", "testing_mode")


@given(st.dictionaries(st.sampled_from(["card_number", "expiry", "cvc", "holder"]), anything))
def test_card_page_form(form):
    card, errors = CardForm.parse(form, datetime.now(UTC).date())
    assert (card is None) == bool(errors)


events = st.one_of(
    st.fixed_dictionaries(
        {
            "message": st.fixed_dictionaries(
                {
                    "message_id": st.integers(1, 2**31),
                    "date": st.integers(0, 2**31),
                    "chat": st.fixed_dictionaries(
                        {"id": st.integers(1, 2**40), "type": st.just("private")}
                    ),
                    "from": st.fixed_dictionaries(
                        {
                            "id": st.integers(1, 2**40),
                            "is_bot": st.just(False),
                            "first_name": anything,
                        },
                        optional={
                            "language_code": st.sampled_from(["ky", "ru", "en", "de", "", "xx-YY"])
                        },
                    ),
                },
                optional={"text": anything, "caption": anything},
            )
        }
    ),
    st.fixed_dictionaries(
        {
            "callback_query": st.fixed_dictionaries(
                {
                    "id": anything.filter(str.strip),  # Telegram's ids are never empty
                    "chat_instance": anything.filter(str.strip),
                    "from": st.fixed_dictionaries(
                        {
                            "id": st.integers(1, 2**40),
                            "is_bot": st.just(False),
                            "first_name": anything,
                        }
                    ),
                },
                optional={
                    "data": st.one_of(
                        anything,
                        st.sampled_from(
                            [
                                "lang:xx",
                                "consent:agree:",
                                "consent:nope:1",
                                "bill:pay:abc",
                                "bill:relink:1" * 9,
                                "doc:zz:ru:0:1",
                                "doc:pp:en:99:1",
                                "docfile:ap:ru",
                                "hist:-1",
                                "histr:999",
                                "forget:maybe",
                            ]
                        ),
                    )
                },
            )
        }
    ),
)
# Telegram sends every update with one event in it.
updates = st.tuples(st.integers(0, 2**31), events).map(lambda p: {"update_id": p[0], **p[1]})


async def test_telegram_updates_and_user_text_never_break_the_bot(harness):
    """Random updates and random text, straight into the dispatcher: every one is answered or
    ignored, none raises, and every request the bot makes stays within the Bot API (the fake
    server's checks, asserted when the test ends)."""
    examples: list[dict] = []

    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(updates)
    def collect(raw):
        examples.append(raw)

    collect()
    for raw in examples:
        await harness.app.dispatcher.feed_update(harness.app.bot, Update.model_validate(raw))
    assert len(examples) == 60
