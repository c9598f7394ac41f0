"""Gaps found in review of "one checked path for everything from outside": each test fails
without its fix."""

import aiohttp
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from storage.db import create_engine, create_session_factory, migrate, transaction
from storage.models import DeadlineReminder, Invoice, Payment
from tests.card_digits import shows_test_card
from tests.test_flow import CODE, l10n, pay_code, plain, walk_to_bill
from tests.test_support_relay import (
    STAFF,
    SUPPORT_CHAT,
    USER,
    ask_support,
    reply_in,
    start_with_support,
    support_chat,
    ticket_in_support_chat,
)
from ui.seal import ButtonSeal


async def test_a_command_replied_in_the_support_chat_is_not_answered_there(harness):
    """The support chat's replies pass the private-chats rule to be answers; a command among
    them must not run as if the staff's chat were private (their /history, /pay there)."""
    await start_with_support(harness)
    staff = harness.client(user_id=STAFF, language_code="ru")
    await pay_code(staff, "ru")  # the staff member paid something of their own
    client = harness.client(user_id=USER, language_code="ru")
    await client.send("/start")
    await client.click("Русский")
    ticket = await ask_support(client, "Где мой чек?")
    question = await ticket_in_support_chat(harness, ticket)
    async with harness.app.sessions() as session:
        code = await session.scalar(select(Payment.payment_code))

    sent_before = len(harness.telegram.sent_messages(SUPPORT_CHAT))
    for command in ("/history", "/mydata", f"/pay {code}", "/start", "/support", "/help"):
        await reply_in(harness, SUPPORT_CHAT, question, command)
    assert len(harness.telegram.sent_messages(SUPPORT_CHAT)) == sent_before
    assert all(code not in m["text"] for m in support_chat(harness)[1:])


async def test_the_return_page_answers_only_for_the_bots_acquirer(harness):
    """As the callback route: another acquirer's name is not a page of this bot; the page
    speaks the language of the payment it names, and any other order id gets the default."""
    client = harness.client(user_id=USER, language_code="ky")
    await pay_code(client, "ky")
    async with harness.app.sessions() as session:
        order_id = await session.scalar(select(Payment.order_id))
    base = f"http://127.0.0.1:{harness.port}/acquirer"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/sandbox/return", params={"pg_order_id": order_id}) as page:
            assert page.status == 200
            assert l10n["ky"]("return-text") in await page.text()
        too_long = {"pg_order_id": order_id + "0" * 8000}
        async with http.get(f"{base}/sandbox/return", params=too_long) as page:
            assert page.status == 200
            assert l10n["ru"]("return-text") in await page.text()
        async with http.get(f"{base}/other/return", params={"pg_order_id": order_id}) as page:
            assert page.status == 404


async def test_a_card_number_in_a_deep_link_or_pay_is_deleted_and_never_kept(harness, caplog):
    """`/pay <card>` from a new user: the card guard takes it before the command keeps a
    pending code for after the language question."""
    t = l10n["ru"]
    client = harness.client(user_id=9700, language_code="ru")
    await client.send("/pay 4242 4242 4242 4242")
    assert len(harness.telegram.calls_to("deleteMessage", chat_id=9700)) == 1
    assert client.last_text() == plain(t, "card-number-warning")
    await client.send("/start")
    await client.click("Русский")
    assert client.last_text().endswith(plain(t, "ask-code"))
    assert not shows_test_card(caplog.text) and not shows_test_card(" ".join(client.texts()[1:]))


async def test_reminder_buttons_sealed_for_another_chat_are_stale(harness):
    t = l10n["ru"]
    client = harness.client(user_id=9710)
    await walk_to_bill(client, "ru")
    message, _ = client.find_button(t.plain("button-pay"))
    other = ButtonSeal.from_bot_token(harness.app.bot.token).tag(9711, CODE)
    for data in (f"remind:{CODE}:{other}", f"rembill:{CODE}:{other}"):
        calls = await client.press_data(message, data)
        answered = [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]
        assert answered == [t.plain("button-outdated")], data
    async with harness.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DeadlineReminder)) == 0


async def test_a_database_error_never_carries_the_values_it_was_given(database_url):
    """A failed statement's text goes to the logs (a handler's traceback, an outbox delivery's
    failure): its parameters (a payer's name, a support question's text) must not go along."""
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = create_session_factory(engine)
    invoice = {
        "code": "110000000001",
        "payer_name": "ASANOV ASAN",
        "service": "passport_2020",
        "amount_minor": 125000,
        "currency": "KGS",
        "status": "unpaid",
    }
    try:
        async with transaction(sessions) as session:
            await session.execute(insert(Invoice).values(**invoice))
        with pytest.raises(IntegrityError) as error:
            async with transaction(sessions) as session:
                await session.execute(insert(Invoice).values(**invoice))
    finally:
        await engine.dispose()
    assert "invoices" in str(error.value)  # the statement is still named
    assert "ASANOV" not in str(error.value)


async def test_a_policy_ends_with_the_answers_of_the_question_pending_now(harness):
    """A text opened from the consent question of one code, read to its end after another
    code's question was asked: its end must not answer the first code's question."""
    t = l10n["ru"]
    other = "132026149595"
    client = harness.client(user_id=9720)
    await client.send(f"/start {CODE}")
    await client.click("Русский")
    await client.click(t.plain("button-read-privacy"))
    policy, turn = client.find_button(t.plain("button-next"))
    await client.send(other)  # another code, asked about afresh
    assert client.find_button(t.plain("button-agree"))
    await client.press_data(policy, turn["callback_data"])
    [end] = [m for m in client.messages() if m["message_id"] == policy.message_id]
    offered = [
        button
        for row in end["reply_markup"]["inline_keyboard"]
        for button in row
        if button["text"] == t.plain("button-agree")
    ]
    if offered:  # offered at the end of the text: it answers the question pending now
        await client.press_data(policy, offered[0]["callback_data"])
        shown = " ".join(client.texts())
        assert "ASANOV" not in shown  # the first code's bill
