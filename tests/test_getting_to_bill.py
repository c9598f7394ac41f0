"""Getting to the bill: a code that comes with /start (a deep link) or /pay, /cancel with a
page open, /history's open page, the consent buttons at the end of a policy, the cards note."""

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from bot.cli import main
from payments.billing import BillingUnavailable
from payments.limits import LookupLimiter, MemoryWindows
from payments.service import PaymentService
from storage.models import Payment
from tests.test_flow import CODE, LANGUAGE_BUTTONS, VERSION_DATE, payment_url, plain, walk_to_bill
from ui.i18n import L10n

l10n = L10n()


@pytest.fixture
def lookups(monkeypatch) -> list[str]:
    """The codes looked up in the billing, in order."""
    seen: list[str] = []
    lookup = PaymentService.lookup

    async def spy(self, code):
        seen.append(code)
        return await lookup(self, code)

    monkeypatch.setattr(PaymentService, "lookup", spy)
    return seen


@pytest.mark.parametrize("command", ["/start", "/pay"])
async def test_a_new_user_with_a_code_goes_language_consent_bill(harness, command, lookups):
    t = l10n["ky"]
    client = harness.client(user_id=8100 + len(command), language_code="ky")
    await client.send(f"{command} {CODE}")
    assert client.last_text() == plain(t, "language-choose")
    assert lookups == []  # nothing personal before the language and the consent

    await client.click(LANGUAGE_BUTTONS["ky"])
    assert lookups == [CODE]
    assert client.last_text().startswith(plain(t, "language-saved") + "\n\n")
    assert VERSION_DATE["ky"] in client.last_text()  # the consent question, for this code
    assert "ASANOV" not in " ".join(client.texts())

    await client.click(t.plain("button-agree"))
    bill = client.last_text()
    assert "ASANOV ASAN" in bill and CODE in bill
    assert client.find_button(t.plain("button-pay"))

    await client.send(command)  # without a code: the question, as before, no stale code
    assert client.last_text() == plain(t, "ask-code")


@pytest.mark.parametrize("command", ["/start", "/pay"])
async def test_a_known_user_with_a_code_goes_straight_to_the_bill(harness, command, lookups):
    t = l10n["ru"]
    client = harness.client(user_id=8200 + len(command))
    await walk_to_bill(client, "ru")
    lookups.clear()

    calls = await client.send(f"{command} 1120-2611-7919")  # spaced as a notice prints it
    assert lookups == [CODE]
    assert [c.method for c in calls] == ["sendMessage"]
    assert "ASANOV ASAN" in client.last_text()
    await client.click(t.plain("button-pay"))
    assert payment_url(client.last_text())


async def test_a_pay_the_billing_did_not_answer_is_not_counted(harness, monkeypatch):
    """A look-up is counted as it is let through; Pay's, which the billing could not answer,
    is taken back: what counts against the user is what was answered."""
    windows = MemoryWindows()
    limiter = LookupLimiter(windows)
    dispatcher = harness.app.dispatcher
    dispatcher["limiter"] = limiter
    dispatcher["checkout"] = replace(dispatcher["checkout"], limiter=limiter)
    t = l10n["ru"]
    client = harness.client(user_id=8300)
    await walk_to_bill(client, "ru")
    windows_of_user = [("user:8300", 60), ("all", 60)]
    before = [count for _, count in await windows.oldest_and_count(windows_of_user)]
    assert before[0] >= 1

    async def away(code: str) -> None:
        raise BillingUnavailable

    monkeypatch.setattr(harness.app.payments.billing, "lookup", away)
    await client.click(t.plain("button-pay"))
    assert client.last_text() == plain(t, "billing-unavailable")
    after = [count for _, count in await windows.oldest_and_count(windows_of_user)]
    assert after == before


async def test_a_code_in_a_link_takes_the_limit_of_typed_codes(harness, lookups):
    t = l10n["ru"]
    client = harness.client(user_id=8300)
    await walk_to_bill(client, "ru")
    for number in range(5):
        await client.send(f"/start 11000000000{number}")
        assert client.last_text() == plain(t, "code-unknown", code=f"11000000000{number}")
    lookups.clear()
    await client.send(f"/start {CODE}")
    assert lookups == []
    assert client.last_text() == plain(t, "lookup-wait", minutes=15)


@pytest.mark.parametrize("payload", ["<b>ASANOV</b>", "abc_DEF-123", "1" * 64, "12345"])
async def test_a_payload_that_is_no_code_is_answered_as_one(harness, payload, lookups):
    t = l10n["en"]
    known = harness.client(user_id=8400, language_code="en")
    await walk_to_bill(known, "en")
    lookups.clear()
    await known.send(f"/start {payload}")
    assert known.last_text() == plain(t, "code-invalid")

    new = harness.client(user_id=8401, language_code="en")
    await new.send(f"/start {payload}")
    await new.click(LANGUAGE_BUTTONS["en"])
    assert new.last_text() == plain(t, "language-saved") + "\n\n" + plain(t, "code-invalid")
    assert lookups == []
    assert not any(payload in text for text in known.texts() + new.texts())
    await new.send(CODE)  # the code is then typed, as the message asks
    assert VERSION_DATE["en"] in new.last_text()


async def test_cancel_with_a_page_open_says_until_when(harness):
    t = l10n["ru"]
    client = harness.client(user_id=8500)
    await walk_to_bill(client, "ru")
    await client.click(t.plain("button-pay"))
    async with harness.app.sessions() as session:
        payment = await session.scalar(select(Payment).where(Payment.user_id == 8500))

    await client.send("/cancel")
    expires = payment.expires_at
    assert client.last_text() == plain(t, "cancel-page-still-open", expires=expires)
    await client.send("/start")  # a new step under way: cancelled, and the page stays
    await client.send("/cancel")
    assert client.last_text() == "\n\n".join(
        (plain(t, "cancelled"), plain(t, "cancel-page-still-open", expires=expires))
    )


async def test_history_offers_the_page_of_an_open_payment(harness):
    t = l10n["en"]
    await harness.stop()  # a host Telegram takes for a URL button (it has a dot)
    await harness.start(public_base_url=f"http://pay.example.test:{harness.port}")
    client = harness.client(user_id=8600, language_code="en")
    await walk_to_bill(client, "en")
    await client.click(t.plain("button-pay"))
    _, page = client.find_button(t.plain("button-open-page"))

    await client.send("/history")
    _, row = client.find_button(t.plain("button-history-open-page", code=CODE))
    assert row["url"] == page["url"]

    async with harness.app.sessions() as session:
        payment_id = await session.scalar(select(Payment.id).where(Payment.user_id == 8600))
    assert await harness.app.payments.expire(payment_id)
    await client.wait_for(lambda text: text == plain(t, "payment-expired", code=CODE))
    await client.send("/history")  # an expired page is no way back
    assert t.plain("payment-status-expired") in client.last_text()
    assert not (client.messages()[-1].get("reply_markup") or {}).get("inline_keyboard")


async def test_history_gives_the_link_as_text_where_telegram_takes_no_button(harness):
    t = l10n["ru"]
    client = harness.client(user_id=8700)
    await walk_to_bill(client, "ru")
    await client.click(t.plain("button-pay"))
    link = payment_url(client.last_text())

    await client.send("/history")
    assert link in client.last_text()
    assert t.plain("payment-status-created") in client.last_text()


def run_link(monkeypatch, tmp_path, capsys, *args: str, username: str = "infocom_pay_bot"):
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("BOT_USERNAME", username)
    code = main(["link", *args])
    out, err = capsys.readouterr()
    return code, out, err


async def test_cli_link_prints_the_deep_link_and_its_qr_opens_the_bill(
    harness, monkeypatch, tmp_path, capsys
):
    qr = tmp_path / "notice.png"
    code, out, _ = run_link(monkeypatch, tmp_path, capsys, "1120 2611-7919", "--qr", str(qr))
    assert code == 0
    link = f"https://t.me/infocom_pay_bot?start={CODE}"
    assert out == link + "\n"
    decoded = [result.text for result in zxingcpp.read_barcodes(Image.open(qr))]
    assert decoded == [link]

    t = l10n["ru"]  # what Telegram sends when the link is opened: /start with its parameter
    client = harness.client(user_id=8800)
    await walk_to_bill(client, "ru")
    (start,) = parse_qs(urlsplit(link).query)["start"]
    await client.send(f"/start {start}")
    assert "ASANOV ASAN" in client.last_text()
    assert client.find_button(t.plain("button-pay"))


@pytest.mark.parametrize(
    ("args", "username", "problem"),
    [
        (["ABC-123"], "infocom_pay_bot", "not a payment code"),
        ([CODE], "", "BOT_USERNAME is not set"),
    ],
)
def test_cli_link_refuses_what_would_be_no_link(
    monkeypatch, tmp_path, capsys, args, username, problem
):
    code, out, err = run_link(monkeypatch, tmp_path, capsys, *args, username=username)
    assert code == 2 and out == "" and problem in err


def test_cli_link_needs_a_bot_username(monkeypatch, tmp_path, capsys):
    code, out, err = run_link(monkeypatch, tmp_path, capsys, CODE, username="@not a bot")
    assert code == 2 and out == "" and "BOT_USERNAME" in err


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
async def test_the_bill_names_the_cards_and_the_charge_in_kgs(harness, language):
    t = l10n[language]
    client = harness.client(user_id=8900 + len(language), language_code=language)
    await walk_to_bill(client, language)
    bill = client.last_text()
    assert plain(t, "bill-cards", cards="Visa, Mastercard, Elcard") in bill
    assert "KGS" in plain(t, "bill-cards", cards="")
    assert "≈" not in bill  # no rates configured: no approximate amount


async def test_the_bill_gives_approximate_amounts_where_rates_are_set(harness):
    t = l10n["en"]
    await harness.stop()
    await harness.start(
        accepted_cards="Visa, Mastercard, Elcard, Mir <test>",
        approximate_rates="USD=87.45, RUB=1.03",
    )
    client = harness.client(user_id=9000, language_code="en")
    await walk_to_bill(client, "en")  # 1 250.00 KGS
    bill = client.last_text()
    assert "Visa, Mastercard, Elcard, Mir <test>" in bill  # escaped on the way, shown as set
    # 1250 / 87.45 = 14.2939..., 1250 / 1.03 = 1213.5922...: Decimal, rounded to a cent
    expected = plain(t, "bill-approximately", amounts="14.29\u00a0USD, ≈ 1,213.59\u00a0RUB")
    assert expected in bill
    assert "approximately" in expected and expected.startswith("≈ 14.29")
    assert "1,250.00\u00a0KGS" in bill


def test_rates_are_decimal_and_checked():
    from decimal import Decimal

    from bot.settings import Settings

    settings = Settings(_env_file=None, approximate_rates="USD=87.4500,KZT=0.17")
    assert settings.approximate_rates == {"USD": Decimal("87.4500"), "KZT": Decimal("0.17")}
    for wrong in ("USD=0", "usd=87", "USD=8e1", "USD", "USD=-1"):
        with pytest.raises(ValueError, match="CUR=RATE"):
            Settings(_env_file=None, approximate_rates=wrong)


def labels(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


async def test_a_policy_read_from_the_consent_step_ends_with_its_answers(harness):
    t = l10n["ru"]
    client = harness.client(user_id=9100)
    await client.send(f"/start {CODE}")
    await client.click(LANGUAGE_BUTTONS["ru"])
    await client.click(t.plain("button-read-privacy"))
    first = client.messages()[-1]
    assert "ПОЛИТИКА конфиденциальности" in first["text"]  # its first page of two
    assert t.plain("button-agree") not in labels(first)  # not before the text is read

    await client.click(t.plain("button-next"))
    last = client.messages()[-1]  # the same message, turned to its last page
    assert last["message_id"] == first["message_id"]
    assert labels(last)[-2:] == [t.plain("button-agree"), t.plain("button-decline")]

    before = len(client.texts())
    await client.click(t.plain("button-agree"))  # the one at the end of the text
    assert len(client.texts()) == before
    bill = client.last_text()
    assert bill.startswith(plain(t, "consent-given") + "\n\n")
    assert "ASANOV ASAN" in bill and client.find_button(t.plain("button-pay"))

    await client.send("/privacy")  # read again, with no question pending: no answers
    await client.click(t.plain("button-next"))
    assert t.plain("button-agree") not in labels(client.messages()[-1])


async def test_an_english_reader_gets_the_answers_at_the_end_of_the_text_chosen(harness):
    t = l10n["en"]
    client = harness.client(user_id=9200, language_code="en")
    await client.send(f"/pay {CODE}")
    await client.click(LANGUAGE_BUTTONS["en"])
    await client.click(t.plain("button-read-terms"))
    await client.click(LANGUAGE_BUTTONS["ky"])  # no English text: Kyrgyz or Russian
    await client.click(t.plain("button-next"))
    assert labels(client.messages()[-1])[-2:] == [
        t.plain("button-agree"),
        t.plain("button-decline"),
    ]
    await client.click(t.plain("button-decline"))
    assert client.last_text() == plain(t, "consent-declined")
    assert "ASANOV" not in " ".join(client.texts())


async def test_the_code_waits_for_the_language_in_redis_too(harness, redis_url):
    t = l10n["ky"]
    await harness.stop()
    await harness.start(redis_url=redis_url)  # the FSM of several instances
    client = harness.client(user_id=9300, language_code="ky")
    await client.send(f"/start {CODE}")
    await harness.stop()  # the answer may reach another process
    await harness.start(redis_url=redis_url)
    await client.click(LANGUAGE_BUTTONS["ky"])
    await client.click(t.plain("button-agree"))
    assert "ASANOV ASAN" in client.last_text()
