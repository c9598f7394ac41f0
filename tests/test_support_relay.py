"""Write to support: the user's text reaches the support chat as a ticket (never a card), a
reply to the ticket there reaches the user in their language; nothing else counts as one."""

import asyncio
import html
import itertools
import json
import re
from datetime import UTC, datetime

from aiogram.types import Chat, Message, PhotoSize, Update, User
from sqlalchemy import func, select

from bot.app import App
from storage.alerts import Alerts
from storage.models import DeadlineReminder, OutboxMessage, Payment, SupportMessage
from tests.card_digits import shows_test_card
from tests.conftest import outbox_settled
from tests.test_flow import CODE, l10n, pay_code, walk_to_bill

SUPPORT_CHAT = -100555
OTHER_GROUP = -100777
STAFF = 8100
USER = 8200
ru, ky = l10n["ru"], l10n["ky"]
_update_ids = itertools.count(900_000)


def plain(t, message_id, **args) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", t(message_id, **args)))


async def start_with_support(harness, **overrides) -> App:
    await harness.stop()
    return await harness.start(support_chat_id=SUPPORT_CHAT, **overrides)


def support_chat(harness) -> list[dict]:
    return [
        m for m in harness.telegram.chat_messages(SUPPORT_CHAT) if m.get("from", {}).get("is_bot")
    ]


async def wait_for(condition, timeout: float = 10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if found := condition():
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def ticket_in_support_chat(harness, ticket: int) -> dict:
    heading = plain(
        ru, "support-question", ticket=ticket, user_id=0, language="", payments="", text=""
    )
    heading = heading.split("\n")[0]
    return await wait_for(
        lambda: next((m for m in support_chat(harness) if m["text"].startswith(heading)), None)
    )


async def reply_in(
    harness, chat_id: int, to: dict, text: str | None, *, sender: int = STAFF, **content
) -> None:
    """Someone in chat `chat_id` replies to the message `to` (as Telegram shows it)."""
    chat = (
        Chat(id=chat_id, type="private", first_name="Eve")
        if chat_id > 0
        else Chat(id=chat_id, type="supergroup", title="Support")
    )
    message = Message(
        message_id=harness.telegram.next_message_id(chat_id),
        date=datetime.now(UTC),
        chat=chat,
        from_user=User(id=sender, is_bot=False, first_name="Aigul", language_code="ru"),
        text=text,
        reply_to_message=Message.model_validate(to),
        **content,
    )
    update = Update(update_id=next(_update_ids), message=message)
    harness.telegram.register_update(json.loads(update.model_dump_json(exclude_none=True)))
    await harness.app.dispatcher.feed_update(harness.app.bot, update)


async def ask_support(client, text: str) -> int:
    await client.send("/support")
    await client.send(text)
    return int(re.search(r"\d+", client.last_text().split("№")[-1]).group(0))


async def test_a_question_reaches_support_without_card_data_and_the_answer_comes_back(harness):
    await start_with_support(harness)
    client = harness.client(user_id=USER, language_code="ky")
    await pay_code(client, "ky")  # a payment support will want to see
    async with harness.app.sessions() as session:
        order_id = await session.scalar(select(Payment.order_id))

    await client.send("/support")
    assert client.last_text() == plain(ky, "support-ask")
    await client.send("my card 4242 4242 4242 4242 was charged twice")  # deleted, never relayed
    assert client.last_text() == plain(ky, "card-number-warning")
    ticket = await ask_support(client, "Чек келген жок <b>?</b>")
    assert client.last_text() == plain(ky, "support-sent", ticket=ticket)

    question = await ticket_in_support_chat(harness, ticket)
    text = question["text"]
    assert "Чек келген жок <b>?</b>" in text  # escaped: shown as typed
    assert str(USER) in text and "ky" in text
    assert CODE in text and order_id in text
    assert "Test" not in text and "ASANOV" not in text  # no names
    everything = " ".join(m["text"] for m in support_chat(harness))
    assert not shows_test_card(everything)
    assert "forward_origin" not in question

    await reply_in(harness, SUPPORT_CHAT, question, "Чек кайра жөнөтүлдү <i>& текшериңиз</i>")
    answer = await client.wait_for(lambda t: "Чек кайра" in t)
    assert answer == plain(
        ky, "support-answer", ticket=ticket, text="Чек кайра жөнөтүлдү <i>& текшериңиз</i>"
    )
    _, button = client.find_button(ky.plain("button-write-to-support"))
    assert button["callback_data"] == "support"


async def test_a_forged_reply_from_outside_the_support_chat_is_ignored(harness):
    await start_with_support(harness)
    client = harness.client(user_id=USER)
    await client.send("/start")
    await client.click("Русский")
    ticket = await ask_support(client, "Где мой чек?")
    question = await ticket_in_support_chat(harness, ticket)

    await reply_in(harness, 8300, question, "Ваш код оплачен, переведите ещё раз", sender=8300)
    await reply_in(harness, OTHER_GROUP, question, "Переведите ещё раз на карту", sender=8301)
    await asyncio.sleep(0.5)  # the outbox would have delivered by now

    assert not [t for t in client.texts() if "ещё раз" in t]
    async with harness.app.sessions() as session:
        answers = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "support_answer")
        )
    assert answers == 0


async def test_a_reply_to_something_else_gets_a_note_and_staff_talk_gets_nothing(harness):
    await start_with_support(harness)
    await Alerts(harness.app.sessions).raise_alert("payment_stuck", "o1", order_id="o1", minutes=40)
    alert = await wait_for(lambda: next(iter(support_chat(harness)), None))

    await reply_in(harness, SUPPORT_CHAT, alert, "Кто смотрит?")
    await wait_for(lambda: len(support_chat(harness)) == 2)
    note = support_chat(harness)[-1]
    assert note["text"] == plain(ru, "support-reply-unknown")
    replied_to = harness.telegram.calls_to("sendMessage", SUPPORT_CHAT)[-1].params
    assert replied_to["reply_parameters"]["message_id"] > alert["message_id"]  # the staff's

    sent_before = len(harness.telegram.sent_messages(SUPPORT_CHAT))
    colleague = {**alert, "from": {"id": STAFF + 1, "is_bot": False, "first_name": "Bakyt"}}
    await reply_in(harness, SUPPORT_CHAT, colleague, "Я смотрю")  # staff among themselves
    message = Message(
        message_id=harness.telegram.next_message_id(SUPPORT_CHAT),
        date=datetime.now(UTC),
        chat=Chat(id=SUPPORT_CHAT, type="supergroup", title="Support"),
        from_user=User(id=STAFF, is_bot=False, first_name="Aigul"),
        text="Коллеги, обед",
    )
    await harness.app.dispatcher.feed_update(
        harness.app.bot, Update(update_id=next(_update_ids), message=message)
    )
    assert len(harness.telegram.sent_messages(SUPPORT_CHAT)) == sent_before


async def test_the_answer_is_sent_once_when_the_update_comes_again(harness):
    await start_with_support(harness)
    client = harness.client(user_id=USER, language_code="en")
    await client.send("/start")
    await client.click("English")
    ticket = await ask_support(client, "Where is my receipt?")
    question = await ticket_in_support_chat(harness, ticket)
    message = Message(
        message_id=harness.telegram.next_message_id(SUPPORT_CHAT),
        date=datetime.now(UTC),
        chat=Chat(id=SUPPORT_CHAT, type="supergroup", title="Support"),
        from_user=User(id=STAFF, is_bot=False, first_name="Aigul"),
        text="Sent again",
        reply_to_message=Message.model_validate(question),
    )
    # The same reply handled twice (two instances, or a redelivery after a crash).
    for _ in range(2):
        update = Update(update_id=next(_update_ids), message=message)
        await harness.app.dispatcher.feed_update(harness.app.bot, update)
    await client.wait_for(lambda t: "Sent again" in t)
    assert await outbox_settled(harness.app.sessions)
    assert [t for t in client.texts() if "Sent again" in t] == [
        plain(l10n["en"], "support-answer", ticket=ticket, text="Sent again")
    ]


async def test_writing_to_support_is_limited(harness):
    await start_with_support(harness)
    client = harness.client(user_id=USER)
    await client.send("/start")
    await client.click("Русский")
    for number in range(5):
        await ask_support(client, f"Вопрос {number}")
    await client.send("/support")
    await client.send("Вопрос 5")
    assert client.last_text() == plain(ru, "support-wait", minutes=10)
    async with harness.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(SupportMessage)) == 5


async def test_help_offers_support_and_without_a_support_chat_it_says_so(harness):
    client = harness.client(user_id=USER)
    await client.send("/start")
    await client.click("Русский")
    await client.send("/help")
    await client.click(ru.plain("button-write-to-support"))
    assert client.last_text() == plain(ru, "support-unavailable")  # no SUPPORT_CHAT_ID here

    await start_with_support(harness)
    await client.send("/help")
    await client.click(ru.plain("button-write-to-support"))
    assert client.last_text() == plain(ru, "support-ask")
    await client.send(photo=[PhotoSize(file_id="p", file_unique_id="p", width=9, height=9)])
    assert client.last_text() == plain(ru, "support-text-only")
    await client.send("/cancel")
    assert client.last_text() == plain(ru, "cancelled")


async def test_mydata_shows_tickets_and_reminders_and_forget_erases_them(harness):
    await start_with_support(harness)
    t = l10n["en"]
    client = harness.client(user_id=USER, language_code="en")
    await walk_to_bill(client, "en")
    await client.click(t.plain("button-remind-deadline"))
    ticket = await ask_support(client, "Is my passport fee right?")
    question = await ticket_in_support_chat(harness, ticket)

    await client.send("/mydata")
    sent = harness.telegram.calls_to("sendDocument", chat_id=USER)[-1]
    data = json.loads(sent.params["document"].content)
    assert [entry["ticket"] for entry in data["support_tickets"]] == [ticket]
    assert [entry["payment_code"] for entry in data["deadline_reminders"]] == [CODE]

    await client.send("/forget")
    await client.click(t.plain("button-forget"))
    async with harness.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(SupportMessage)) == 0
        assert await session.scalar(select(func.count()).select_from(DeadlineReminder)) == 0
        payloads = await session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.kind == "support_question")
        )
        assert list(payloads) == [{}]  # the user's text is gone

    await reply_in(harness, SUPPORT_CHAT, question, "It is right")
    await wait_for(lambda: support_chat(harness)[-1]["text"] == plain(ru, "support-reply-unknown"))


async def test_nothing_is_lost_while_telegram_is_down_or_the_user_blocked_the_bot(harness):
    await start_with_support(harness)
    client = harness.client(user_id=USER)
    await client.send("/start")
    await client.click("Русский")
    await harness.app.outbox.stop()  # the process dies before delivering the ticket
    ticket = await ask_support(client, "Где чек?")
    await harness.stop()
    harness.telegram.fail_next("sendMessage", status=502)  # and Telegram is down at first
    await harness.start(support_chat_id=SUPPORT_CHAT)
    question = await ticket_in_support_chat(harness, ticket)

    harness.telegram.fail_next(
        "sendMessage", status=403, description="Forbidden: bot was blocked by the user"
    )
    await reply_in(harness, SUPPORT_CHAT, question, "Чек отправлен")
    async with harness.app.sessions() as session:
        held = await wait_for_status(session, "held")
    assert held
    await client.send("/help")  # back: what was kept for them is delivered
    await client.wait_for(lambda t: "Чек отправлен" in t)


async def wait_for_status(session, status: str) -> bool:
    for _ in range(100):
        found = await session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.kind == "support_answer")
        )
        await session.rollback()  # a fresh snapshot next time
        if found == status:
            return True
        await asyncio.sleep(0.05)
    return False
