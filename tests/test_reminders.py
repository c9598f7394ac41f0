"""Reminders: an open payment page closing soon is reminded of once (not twice after a
restart, not by two instances, not once paid); a payer who asked is reminded before an
unpaid code's deadline, in their language, with the amount and Bishkek time."""

import asyncio
import html
import re
from datetime import timedelta

from sqlalchemy import func, select

from core.money import Money
from payments.reminders import ReminderJob
from storage.models import DeadlineReminder, OutboxMessage, Payment
from storage.reminders import Reminders
from tests.conftest import outbox_settled
from tests.test_flow import CODE, l10n, pay_code, pay_on_page, payment_url, walk_to_bill

USER = 8600


def plain(t, message_id, **args) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", t(message_id, **args)))


async def open_page(harness, client, language: str) -> Payment:
    await walk_to_bill(client, language)
    await client.click(l10n[language].plain("button-pay"))
    async with harness.app.sessions() as session:
        return await session.scalar(select(Payment).where(Payment.user_id == client.user_id))


async def outbox_count(harness, kind: str) -> int:
    async with harness.app.sessions() as session:
        return await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == kind)
        )


def texts_with(client, needle: str) -> list[str]:
    return [text for text in client.texts() if needle in text]


async def test_an_open_page_is_reminded_of_once_even_across_a_restart(harness):
    t = l10n["ky"]
    client = harness.client(user_id=USER, language_code="ky")
    payment = await open_page(harness, client, "ky")
    soon = payment.expires_at - timedelta(minutes=5)  # inside the default 10 minutes

    assert await harness.app.reminders.run_once(payment.expires_at - timedelta(minutes=15)) == 0
    assert await harness.app.reminders.run_once(soon) == 1
    reminder = plain(
        t,
        "page-reminder",
        code=CODE,
        amount=Money(125_000, "KGS"),
        expires=payment.expires_at,
    )
    shown = await client.wait_for(lambda text: text.startswith(reminder))
    assert "Бишкек убактысы (UTC+6)" in shown and payment.payment_url in shown

    assert await harness.app.reminders.run_once(soon) == 0
    await harness.restart()
    assert await harness.app.reminders.run_once(soon) == 0
    await asyncio.sleep(0.5)
    assert len(texts_with(client, reminder)) == 1
    assert await outbox_count(harness, "page_reminder") == 1


async def test_two_instances_remind_once(harness):
    client = harness.client(user_id=USER)
    payment = await open_page(harness, client, "ru")
    soon = payment.expires_at - timedelta(minutes=5)
    jobs = [
        ReminderJob(
            Reminders(harness.app.sessions), page_lead=timedelta(minutes=10), interval_seconds=60
        )
        for _ in range(2)
    ]
    queued = await asyncio.gather(*(job.run_once(soon) for job in jobs))
    assert sorted(queued) == [0, 1]
    assert await outbox_count(harness, "page_reminder") == 1


async def test_a_paid_page_is_not_reminded_of(harness):
    client = harness.client(user_id=USER)
    await pay_code(client, "ru")
    async with harness.app.sessions() as session:
        payment = await session.scalar(select(Payment))
    assert await harness.app.reminders.run_once(payment.expires_at - timedelta(minutes=5)) == 0
    assert await outbox_count(harness, "page_reminder") == 0


async def deadline_of(harness) -> DeadlineReminder:
    async with harness.app.sessions() as session:
        return await session.scalar(select(DeadlineReminder))


async def test_a_payer_who_asked_is_reminded_before_the_deadline_once(harness):
    t = l10n["en"]
    client = harness.client(user_id=USER, language_code="en")
    await walk_to_bill(client, "en")
    await client.click(t.plain("button-remind-deadline"))
    stored = await deadline_of(harness)
    assert stored.payment_code == CODE and stored.status == "waiting"
    assert stored.remind_at == stored.deadline - timedelta(hours=24)
    answered = harness.telegram.calls_to("answerCallbackQuery")[-1].params
    assert answered["text"] == t.plain("deadline-reminder-set", when=stored.remind_at)
    await client.click(t.plain("button-remind-deadline"))  # pressed again: still one
    async with harness.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DeadlineReminder)) == 1

    assert await harness.app.reminders.run_once(stored.remind_at - timedelta(minutes=1)) == 0
    assert await harness.app.reminders.run_once(stored.remind_at) == 1
    expected = plain(
        t,
        "deadline-reminder",
        code=CODE,
        amount=Money(125_000, "KGS"),
        deadline=stored.deadline,
    )
    await client.wait_for(lambda text: text == expected)
    await harness.restart()
    assert await harness.app.reminders.run_once(stored.remind_at + timedelta(hours=1)) == 0
    assert (await deadline_of(harness)).status == "queued"

    await client.click(t.plain("button-open-bill"))  # back to the bill
    assert "ASANOV ASAN" in client.last_text()
    client.find_button(t.plain("button-pay"))
    await asyncio.sleep(0.3)
    assert len(texts_with(client, expected)) == 1


async def test_a_deadline_reminder_is_cancelled_once_the_code_is_paid(harness):
    t = l10n["ru"]
    client = harness.client(user_id=USER)
    await walk_to_bill(client, "ru")
    await client.click(t.plain("button-remind-deadline"))
    await client.click(t.plain("button-pay"))
    await pay_on_page(payment_url(client.last_text()))
    await client.wait_for(lambda text: "SBX-" in text)
    stored = await deadline_of(harness)

    assert await harness.app.reminders.run_once(stored.remind_at) == 0
    assert (await deadline_of(harness)).status == "cancelled"
    assert await outbox_count(harness, "deadline_reminder") == 0


async def test_a_forged_reminder_button_stores_nothing(harness):
    t = l10n["ru"]
    client = harness.client(user_id=USER)
    await client.send("/start")
    await client.click("Русский")
    await client.send("/help")
    message, _ = client.find_button("")  # any message of the bot's with a button
    for data in ("remind:999999999999", f"remind:{CODE}", "remind:<b>", "rembill:abc"):
        # an unknown code; a real one whose texts were never agreed to; nonsense
        await client.press_data(message, data)
        answered = harness.telegram.calls_to("answerCallbackQuery")[-1].params
        assert answered["text"] == t.plain("button-outdated"), data
    async with harness.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DeadlineReminder)) == 0


async def test_a_page_paid_after_its_reminder_was_queued_gets_none(harness):
    client = harness.client(user_id=USER)
    payment = await open_page(harness, client, "ru")
    await harness.app.outbox.stop()  # the reminder waits in the outbox ...
    assert await harness.app.reminders.run_once(payment.expires_at - timedelta(minutes=5)) == 1
    await pay_on_page(payment.payment_url)  # ... while the page is paid
    await harness.restart()
    await client.wait_for(lambda text: "SBX-" in text)
    assert await outbox_settled(harness.app.sessions)
    reminder = l10n["ru"].plain("page-reminder", code=CODE, amount="", expires="")[:20]
    assert not texts_with(client, reminder)
