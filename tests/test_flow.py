"""The whole conversation in ky, ru and en, through real HTTP to the fake Bot API."""

import asyncio
import re

import aiohttp
import pytest
from sqlalchemy import func, select

from payments.acquirers.sandbox import APPROVE_CARD, DECLINE_CARD
from storage.models import Consent, OutboxMessage, Payment, Receipt
from ui.i18n import L10n

l10n = L10n()
CODE = "112026117919"  # demo: id_card_2017, ASANOV ASAN, 1 250.00 KGS
LANGUAGE_BUTTONS = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
# What a reader of each language sees: the documents' date, 1250 som, the zone of the receipt.
VERSION_DATE = {
    "ky": "2026-ж., 23-ноябрь",
    "ru": "23 ноября 2026\u202fг.",
    "en": "23 November 2026",
}
AMOUNT = {"ky": "1\u00a0250,00\u00a0сом", "ru": "1\u00a0250,00\u00a0сом", "en": "1,250.00\u00a0KGS"}
ZONE = {
    "ky": "Бишкек убактысы (UTC+6)",
    "ru": "время Бишкека (UTC+6)",
    "en": "Bishkek time (UTC+6)",
}


def plain(t, message_id, **args):
    """A Fluent message as the user reads it: HTML tags gone, entities decoded."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", t(message_id, **args)))


def payment_url(text: str) -> str:
    return re.search(r"http://\S+/sandbox/pay/\w+", text).group(0)


async def pay_on_page(url: str, card: str = APPROVE_CARD) -> str:
    """As a browser: open the page (its form and cookie carry a token), then send the form."""
    form = {"card_number": card, "expiry": "12/30", "cvc": "123", "holder": "ASAN ASANOV"}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(url) as page:
            token = re.search(r'name="csrf" value="([^"]+)"', await page.text())
        if token:
            form["csrf"] = token.group(1)
        async with http.post(url, data=form) as response:
            return await response.text()


async def walk_to_bill(client, language: str, code: str = CODE) -> None:
    await client.send("/start")
    await client.click(LANGUAGE_BUTTONS[language])
    await client.send(" ".join(code[i : i + 4] for i in range(0, len(code), 4)))
    await client.click(l10n[language].plain("button-agree"))


async def pay_code(client, language: str, code: str = CODE) -> str:
    """Walk to the bill, pay with the approving test card; the receipt's text."""
    await walk_to_bill(client, language, code)
    await client.click(l10n[language].plain("button-pay"))
    await pay_on_page(payment_url(client.last_text()))
    return await client.wait_for(lambda text: "SBX-" in text)


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
async def test_pay_a_code_end_to_end(harness, language):
    t = l10n[language]
    client = harness.client(user_id=7000 + len(language), language_code=language)

    await client.send("/start")
    assert client.last_text() == plain(t, "language-choose")
    buttons = client.messages()[-1]["reply_markup"]["inline_keyboard"]
    assert [b["text"] for row in buttons for b in row] == ["Кыргызча", "Русский", "English"]

    await client.click(LANGUAGE_BUTTONS[language])
    (chosen,) = client.texts()  # the question became the answer and the next question
    saved, question = chosen.split("\n\n", 1)
    assert saved == plain(t, "language-saved")
    assert question.startswith(plain(t, "ask-code").split("\n")[0])

    await client.send("1120-2611 7919")
    consent = client.last_text()
    assert consent.count(VERSION_DATE[language]) == 2  # the versions asked for, as dates
    assert "2026-11-23" not in consent
    assert "ASANOV" not in " ".join(client.texts())  # nothing personal before consent

    before = len(client.texts())
    await client.click(t.plain("button-agree"))
    assert len(client.texts()) == before  # the consent question became the bill
    bill = client.last_text()
    assert bill.startswith(plain(t, "consent-given") + "\n\n")
    for expected in (
        "ASANOV ASAN",
        CODE,
        AMOUNT[language],
        t.plain("service-id_card_2017"),
        t.plain("bill-status-unpaid"),
    ):
        assert expected in bill

    await client.click(t.plain("button-pay"))
    link = client.last_text()
    assert AMOUNT[language] in link and ZONE[language] in link
    assert not re.search(r"\d\d:\d\d:\d\d", link)  # no seconds on a deadline
    page = await pay_on_page(payment_url(link))
    assert plain(t, "sandbox-approved") in page

    receipt = await client.wait_for(lambda text: CODE in text and "SBX-" in text)
    for expected in (
        "ASANOV ASAN",
        "424242******4242",
        AMOUNT[language],
        ZONE[language],
        t.plain("payment-status-paid"),
        t.plain("service-id_card_2017"),
    ):
        assert expected in receipt
    async with harness.app.sessions() as session:
        consents = list(await session.scalars(select(Consent)))
        payment = await session.scalar(select(Payment))
    assert {c.document for c in consents} == {"privacy-policy", "user-agreement"}
    assert all(len(c.sha256) == 64 and c.update_id for c in consents)
    assert payment.status == "paid" and payment.amount_minor == 125000


async def test_commands_menu_is_set_in_three_languages(harness):
    calls = harness.telegram.calls_to("setMyCommands")
    by_language = {call.params.get("language_code"): call.params["commands"] for call in calls}
    assert set(by_language) >= {"ky", "ru", "en", None}
    for language in ("ky", "ru", "en"):
        names = [command["command"] for command in by_language[language]]
        assert names == [
            "start",
            "pay",
            "history",
            "language",
            "help",
            "cancel",
            "documents",
            "privacy",
            "terms",
            "mydata",
            "forget",
            "support",
        ]
        assert by_language[language][1]["description"] == l10n[language].plain("command-pay")


async def test_bad_inputs_are_answered_in_the_users_language(harness):
    t = l10n["ky"]
    client = harness.client(user_id=7100, language_code="ky")
    await client.send("/start")
    await client.click("Кыргызча")

    await client.send("ABC-123")
    assert client.last_text() == plain(t, "code-invalid")
    await client.send(
        sticker={
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        }
    )
    assert client.last_text() == plain(t, "send-code-as-text")
    await client.send("110000000000")
    assert client.last_text() == plain(t, "code-unknown")
    await client.send("112026173352")
    assert client.last_text() == plain(t, "code-cancelled", code="112026173352")
    await client.send("162026181271")
    assert client.last_text() == plain(t, "code-expired", code="162026181271")
    await client.send("112026165433")
    assert client.last_text() == plain(t, "code-paid", code="112026165433")

    await client.send(CODE)
    await client.send("hello")  # text at the consent step
    assert client.last_text() == plain(t, "use-buttons")
    await client.send("/start")  # in the middle of a flow: begins again
    assert client.last_text() == plain(t, "ask-code")
    await client.send("/cancel")
    assert client.last_text() == plain(t, "cancelled")
    await client.send("/cancel")
    assert client.last_text() == plain(t, "nothing-to-cancel")
    await client.send("/help")
    assert "support@infocom.kg" in client.last_text()


async def test_decline_consent_stops_politely(harness):
    t = l10n["ru"]
    client = harness.client(user_id=7200)
    await client.send("/start")
    await client.click("Русский")
    await client.send(CODE)
    await client.click(t.plain("button-read-privacy"))
    assert "ПОЛИТИКА конфиденциальности" in client.last_text()  # its first page
    await client.click(t.plain("button-decline"))
    assert plain(t, "consent-declined") in client.texts()  # the consent message, replaced
    with pytest.raises(AssertionError, match="no button"):
        client.find_button(t.plain("button-agree"))
    assert "ASANOV" not in " ".join(client.texts())


async def test_a_question_that_cannot_be_edited_is_answered_in_a_new_message(harness):
    t = l10n["ru"]
    client = harness.client(user_id=7250)
    await client.send("/start")
    harness.telegram.fail_next(
        "editMessageText", status=400, description="Bad Request: message to edit not found"
    )
    await client.click("Русский")
    question, answer = client.texts()
    assert question == plain(t, "language-choose")  # as it was: Telegram refused the edit
    assert answer.startswith(plain(t, "language-saved") + "\n\n")
    await client.send(CODE)  # the conversation goes on
    assert client.find_button(t.plain("button-agree"))


async def test_english_reader_is_told_texts_are_kyrgyz_and_russian(harness):
    t = l10n["en"]
    client = harness.client(user_id=7300, language_code="en")
    await client.send("/start")
    await client.click("English")
    await client.send(CODE)
    await client.click(t.plain("button-read-terms"))
    assert client.last_text() == plain(
        t, "document-languages", title="User agreement", languages="ky-ru"
    )
    await client.click("Русский")
    assert "ПОЛЬЗОВАТЕЛЬСКОЕ СОГЛАШЕНИЕ" in client.last_text().upper()


async def test_consent_is_asked_once_per_version(harness, monkeypatch):
    t = l10n["en"]
    client = harness.client(user_id=7400, language_code="en")
    await walk_to_bill(client, "en")
    await client.send("132026149595")  # another code: no consent asked again
    assert "IVANOV SERGEI" in client.last_text()

    import handlers.consent_steps as consent

    monkeypatch.setattr(consent, "current_hashes", lambda kind: {"new-version-hash"})
    await client.send("132026149595")
    assert client.find_button(t.plain("button-agree"))


async def test_pay_twice_gives_one_payment_and_the_same_link(harness):
    t = l10n["ru"]
    client = harness.client(user_id=7500)
    await walk_to_bill(client, "ru")
    await client.click(t.plain("button-pay"))
    first = payment_url(client.last_text())
    await client.click(t.plain("button-pay"))  # the same button again
    assert payment_url(client.last_text()) == first
    with pytest.raises(AssertionError, match="no button"):  # still valid: nothing to renew
        client.find_button(t.plain("button-new-link"))
    async with harness.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == 1


async def test_cancel_after_pay_cancels_nothing_and_says_so(harness):
    t = l10n["ru"]
    client = harness.client(user_id=7550)
    await walk_to_bill(client, "ru")
    bill, cancel = client.find_button(t.plain("button-cancel"))
    await client.click(t.plain("button-pay"))
    link = payment_url(client.last_text())
    async with harness.app.sessions() as session:
        payment = await session.scalar(select(Payment).where(Payment.user_id == 7550))

    calls = await client.press_data(bill, cancel["callback_data"])
    assert [(c.method, c.params.get("text")) for c in calls] == [
        ("answerCallbackQuery", t.plain("cancel-page-open", expires=payment.expires_at))
    ]
    await pay_on_page(link)
    await client.wait_for(lambda text: "SBX-" in text)
    calls = await client.press_data(bill, cancel["callback_data"])
    assert [(c.method, c.params.get("text")) for c in calls] == [
        ("answerCallbackQuery", t.plain("cancel-already-paid"))
    ]
    assert client.find_button(t.plain("button-pay"))  # the bill was left as it was


async def test_expired_link_is_replaced_by_a_new_one(harness):
    from datetime import timedelta

    from sqlalchemy import update

    from core.clock import utcnow

    t = l10n["ru"]
    client = harness.client(user_id=7600)
    await walk_to_bill(client, "ru")
    await client.click(t.plain("button-pay"))
    old = payment_url(client.last_text())
    async with harness.app.sessions() as session, session.begin():
        await session.execute(update(Payment).values(expires_at=utcnow() - timedelta(minutes=1)))
    async with aiohttp.ClientSession() as http, http.get(old) as response:
        assert response.status == 410
        assert plain(t, "sandbox-expired") in await response.text()
    async with harness.app.sessions() as session:
        expired = await session.scalar(select(Payment.id))
    assert await harness.app.payments.expire(expired)  # as the reconciler does
    await client.wait_for(lambda text: text == plain(t, "payment-expired", code=CODE))

    await client.click(t.plain("button-new-link"))
    new = payment_url(client.last_text())
    assert new != old
    assert plain(t, "sandbox-approved") in await pay_on_page(new)
    await client.wait_for(lambda text: "SBX-" in text)
    async with harness.app.sessions() as session:
        statuses = sorted(await session.scalars(select(Payment.status)))
    assert statuses == ["expired", "paid"]


async def test_a_page_past_its_lifetime_still_being_paid_is_not_replaced(harness, monkeypatch):
    """3-D Secure can outlast the page's lifetime: a second page would lose the first payment
    (nothing would ask about it again) or take the money twice."""
    from datetime import timedelta

    from sqlalchemy import update

    from core.clock import utcnow
    from payments.acquirers import OrderStatus

    t = l10n["ru"]
    client = harness.client(user_id=7650)
    await walk_to_bill(client, "ru")
    bill, pay = client.find_button(t.plain("button-pay"))
    await client.click(t.plain("button-pay"))
    async with harness.app.sessions() as session, session.begin():
        await session.execute(update(Payment).values(expires_at=utcnow() - timedelta(minutes=1)))
    answers = {"status": OrderStatus(in_progress=True)}

    async def get_status(order_id: str) -> OrderStatus:
        return answers["status"]

    monkeypatch.setattr(harness.app.acquirer, "get_status", get_status)
    await client.press_data(bill, pay["callback_data"])
    assert client.last_text() == plain(t, "payment-still-processing")
    async with harness.app.sessions() as session:
        assert list(await session.scalars(select(Payment.status))) == ["created"]

    answers["status"] = OrderStatus()  # nothing under way any more: a new page
    await client.press_data(bill, pay["callback_data"])
    assert payment_url(client.last_text())
    async with harness.app.sessions() as session:
        statuses = list(await session.scalars(select(Payment.status).order_by(Payment.id)))
    assert statuses == ["expired", "created"]


async def test_declined_card_offers_another_try(harness):
    t = l10n["en"]
    client = harness.client(user_id=7700, language_code="en")
    await walk_to_bill(client, "en")
    await client.click(t.plain("button-pay"))
    page = await pay_on_page(payment_url(client.last_text()), card=DECLINE_CARD)
    assert plain(t, "sandbox-declined") in page
    declined = await client.wait_for(lambda text: "declined" in text)
    assert t.plain("decline-reason-insufficient_funds") in declined

    await client.click(t.plain("button-try-again"))
    await pay_on_page(payment_url(client.last_text()))
    await client.wait_for(lambda text: "SBX-" in text)


async def test_paid_code_shows_the_receipt_and_old_buttons_stay_safe(harness):
    t = l10n["ru"]
    client = harness.client(user_id=7800)
    receipt = await pay_code(client, "ru")
    pdf = plain(t, "pdf-caption", number=receipt.split("№ ")[1].split("\n")[0])
    await client.wait_for(lambda text: text == pdf)  # the PDF follows the receipt

    await client.send(CODE)
    assert client.texts()[-2] == plain(t, "code-paid", code=CODE)
    assert client.last_text() == receipt

    await client.click(t.plain("button-pay"))  # the old bill's button
    assert client.last_text() == receipt
    async with harness.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Receipt)) == 1


async def test_someone_else_with_the_paid_code_sees_no_card_or_transaction(harness):
    t = l10n["ru"]
    receipt = await pay_code(harness.client(user_id=7810), "ru")
    assert "424242******4242" in receipt
    async with harness.app.sessions() as session:
        payment = await session.scalar(select(Payment).where(Payment.user_id == 7810))
    assert payment.acquirer_transaction_id in receipt
    stranger = harness.client(user_id=7811)
    await stranger.send("/start")
    await stranger.click("Русский")
    await stranger.send(CODE)
    shown = stranger.last_text()
    assert receipt.split("№ ")[1].split("\n")[0] in shown  # the same receipt
    assert t.plain("payment-status-paid") in shown
    assert "424242******4242" not in shown
    assert payment.acquirer_transaction_id not in shown


async def test_state_survives_a_restart(harness):
    t = l10n["ru"]
    client = harness.client(user_id=7900)
    await client.send("/start")
    await client.click("Русский")
    await harness.restart()
    await client.send("no digits")  # still at the code step after the restart
    assert client.last_text() == plain(t, "code-invalid")
    await client.send(CODE)
    await harness.restart()
    await client.click(t.plain("button-agree"))  # a button from before the restart
    assert "ASANOV ASAN" in client.last_text()
    await client.click(t.plain("button-pay"))
    await harness.restart()
    await pay_on_page(payment_url(client.last_text()))
    await client.wait_for(lambda text: "SBX-" in text)
    for _ in range(50):  # the billing confirmation follows the receipt
        async with harness.app.sessions() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != "sent")
            )
        if pending == 0:
            break
        await asyncio.sleep(0.1)
    assert pending == 0


async def test_pay_pressed_twice_at_once_opens_one_payment(harness):
    import asyncio

    t = l10n["ru"]
    client = harness.client(user_id=7650)
    await walk_to_bill(client, "ru")
    await asyncio.gather(client.click(t.plain("button-pay")), client.click(t.plain("button-pay")))
    links = {payment_url(text) for text in client.texts() if "/sandbox/pay/" in text}
    assert len(links) == 1
    async with harness.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == 1


async def test_a_press_answered_too_late_still_counts(harness):
    """After a restart or a backlog Telegram refuses to answer an old button press; the
    press itself still opens the payment page."""
    t = l10n["ru"]
    client = harness.client(user_id=7560)
    await walk_to_bill(client, "ru")
    harness.telegram.fail_next(
        "answerCallbackQuery",
        status=400,
        description="Bad Request: query is too old and response timeout expired or query ID "
        "is invalid",
    )
    await client.click(t.plain("button-pay"))
    assert payment_url(client.last_text())
