"""Support staff: /find, /stats, /resend for admins only; alerts for the support chat."""

import asyncio
import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from structlog.testing import capture_logs

from bot.alerts import SupportAlerts
from bot.app import App
from bot.i18n import LANGUAGES
from handlers import admin
from handlers.admin import MESSAGE_LIMIT, split_messages
from payments.clock import BISHKEK, utcnow
from payments.outbox import GiveUp, RetryLater
from payments.support import (
    ALERT_FIELDS,
    SupportQueries,
    mask_name,
    queue_alert,
    raise_alert,
)
from storage.db import transaction
from storage.models import OutboxMessage, Payment, Receipt
from tests.test_flow import CODE, l10n, pay_on_page, payment_url, walk_to_bill

ADMIN = 9001
PAYER = 9100
STRANGER = 9200
SUPPORT_CHAT = -100123
ru = l10n["ru"]


def plain(t, message_id, **args) -> str:
    """A Fluent message as the reader sees it: tags gone, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", t(message_id, **args)))


def wire(app: App) -> None:
    """What bot/app.py is to do (a no-op for the parts it already does)."""
    dispatcher = app.dispatcher
    dispatcher.workflow_data.setdefault("support", SupportQueries(app.sessions))
    dispatcher.workflow_data.setdefault("outbox", app.outbox)
    if not any(router.name == "admin" for router in dispatcher.sub_routers):
        dispatcher.include_router(admin.build_router(app.settings.admin_ids))
        # Before the fallback router, which answers everything.
        dispatcher.sub_routers.insert(0, dispatcher.sub_routers.pop())
    alerts = SupportAlerts(
        app.bot, app.settings.support_chat_id, app.l10n[app.settings.support_language]
    )
    app.outbox._handlers.setdefault("alert", alerts.deliver)


async def start_with_support(harness, **overrides) -> App:
    await harness.stop()
    settings = {"admin_ids": frozenset({ADMIN}), "support_chat_id": SUPPORT_CHAT} | overrides
    app = await harness.start(**settings)
    wire(app)
    return app


async def pay_demo_code(harness, user_id: int = PAYER) -> tuple[Payment, Receipt]:
    client = harness.client(user_id=user_id)
    await walk_to_bill(client, "ru")
    await client.click(ru.plain("button-pay"))
    await pay_on_page(payment_url(client.last_text()))
    await client.wait_for(lambda text: "SBX-" in text)
    async with harness.app.sessions() as session:
        payment, receipt = (
            await session.execute(
                select(Payment, Receipt).join(Receipt, Receipt.payment_id == Payment.id)
            )
        ).one()
    return payment, receipt


async def ask(client, text: str) -> list[str]:
    """What the bot answered to one message, as the user reads it."""
    before = len(client.messages())
    await client.send(text)
    return client.texts()[before:]


def receipts_sent(harness, user_id: int) -> int:
    return sum("SBX-" in (c.text or "") for c in harness.telegram.sent_messages(user_id))


async def wait_until(condition, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


def test_mask_name_keeps_the_first_word_and_initials():
    assert mask_name("ASANOV ASAN") == "ASANOV A****"
    assert mask_name("  IVANOV  SERGEI PETROVICH ") == "IVANOV S**** P****"
    assert mask_name("TOKTOGULOV") == "TOKTOGULOV"
    assert mask_name("") == ""


async def test_find_by_code_order_id_and_receipt_number(harness):
    await start_with_support(harness)
    payment, receipt = await pay_demo_code(harness)
    await wait_until(lambda: receipts_sent(harness, PAYER) == 1)
    client = harness.client(user_id=ADMIN)

    for query in ("1120 2611 7919", payment.order_id, payment.order_id.lower(), receipt.number):
        answer = "\n".join(await ask(client, f"/find {query}"))
        assert "ASANOV A****" in answer, query
        assert "ASANOV ASAN" not in answer, query
        for expected in (
            payment.order_id,
            CODE,
            receipt.number,
            "424242******4242",
            payment.acquirer_transaction_id,
            "1\u00a0250.00\u00a0KGS",
            ru.plain("service-id_card_2017"),
            # the acquirer callback recorded for the order, and the receipt's delivery
            f"{ru.plain('payment-status-paid')} → paid",
            f"receipt: {ru.plain('admin-outbox-status-sent')}",
        ):
            assert expected in answer, (query, expected)
    assert "ASANOV ASAN" not in " ".join(client.texts())


async def test_find_and_resend_explain_themselves(harness):
    await start_with_support(harness)
    client = harness.client(user_id=ADMIN)
    assert await ask(client, "/find") == [plain(ru, "admin-find-usage")]
    assert await ask(client, "/find   ") == [plain(ru, "admin-find-usage")]
    assert await ask(client, "/find 110000000000") == [
        plain(ru, "admin-find-nothing", query="110000000000")
    ]
    assert await ask(client, "/find <b>&") == [plain(ru, "admin-find-nothing", query="<b>&")]
    assert await ask(client, "/resend") == [plain(ru, "admin-resend-usage")]
    assert await ask(client, "/resend TGNOSUCHORDER") == [
        plain(ru, "admin-resend-nothing", query="TGNOSUCHORDER")
    ]
    today = utcnow().astimezone(BISHKEK).date().isoformat()
    assert await ask(client, "/stats") == [
        plain(ru, "admin-stats", day=today, total=0, paid=0, amounts="—")
    ]


@pytest.mark.parametrize(
    "command", ["/find {code}", "/find {receipt}", "/stats", "/resend {receipt}"]
)
async def test_others_get_the_fallback_answer(harness, command):
    await start_with_support(harness)
    _, receipt = await pay_demo_code(harness)
    for user_id in (PAYER, STRANGER):
        client = harness.client(user_id=user_id)
        answer = await ask(client, command.format(code=CODE, receipt=receipt.number))
        assert answer == [plain(ru, "unknown-input")], user_id
    await asyncio.sleep(0.3)
    assert receipts_sent(harness, PAYER) == 1
    async with harness.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


async def test_no_admins_answers_nobody(harness):
    await start_with_support(harness, admin_ids=frozenset())
    client = harness.client(user_id=ADMIN)
    assert await ask(client, "/find 112026117919") == [plain(ru, "unknown-input")]


async def test_stats_counts_todays_payments(harness):
    app = await start_with_support(harness)
    await pay_demo_code(harness)
    other = harness.client(user_id=STRANGER)
    await other.send("132026149595")  # Meken-card, consent already given by nobody here
    await other.click(ru.plain("button-agree"))
    await other.click(ru.plain("button-pay"))

    stats = await SupportQueries(app.sessions).stats_today(utcnow())
    assert stats["total"] == 2
    assert stats["by_status"] == {"created": 1, "paid": 1}
    assert stats["by_service"] == {"id_card_2017": 1, "meken_card": 1}
    assert stats["paid"] == 1
    assert [money.display() for money in stats["paid_amounts"].values()] == [
        "1\u00a0250.00\u00a0KGS"
    ]
    tomorrow = await SupportQueries(app.sessions).stats_today(utcnow() + timedelta(days=1))
    assert (tomorrow["total"], tomorrow["paid"], tomorrow["by_status"]) == (0, 0, {})

    answer = "\n".join(await ask(harness.client(user_id=ADMIN), "/stats"))
    assert "Создано: 2" in answer
    assert "Оплачено сегодня: 1 (1\u00a0250.00\u00a0KGS)" in answer
    assert f"• {ru.plain('payment-status-paid')}: 1" in answer
    assert f"• {ru.plain('payment-status-created')}: 1" in answer
    assert f"• {ru.plain('service-meken_card')}: 1" in answer


async def test_resend_sends_the_receipt_again_to_the_payer(harness):
    await start_with_support(harness)
    payment, receipt = await pay_demo_code(harness)
    await wait_until(lambda: receipts_sent(harness, PAYER) == 1)
    client = harness.client(user_id=ADMIN)

    answer = await ask(client, f"/resend {receipt.number}")
    assert answer == [plain(ru, "admin-resend-queued", number=receipt.number)]
    await wait_until(lambda: receipts_sent(harness, PAYER) == 2)
    await ask(client, f"/resend {payment.order_id}")
    await wait_until(lambda: receipts_sent(harness, PAYER) == 3)
    await asyncio.sleep(0.4)
    assert receipts_sent(harness, PAYER) == 3
    assert receipts_sent(harness, ADMIN) == 0
    again = harness.telegram.sent_messages(PAYER)[-1].text
    assert receipt.number in again and "ASANOV ASAN" in again  # the payer's own receipt
    async with harness.app.sessions() as session:
        keys = list(
            await session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "receipt")
            )
        )
    assert len(keys) == 3
    assert sum(key.startswith(f"resend:{payment.id}:") for key in keys) == 2


async def test_long_history_is_split_into_valid_messages(harness):
    app = await start_with_support(harness)
    payment, _ = await pay_demo_code(harness)
    async with transaction(app.sessions) as session:
        for number in range(40):
            session.add(
                OutboxMessage(
                    kind="payment_declined",
                    dedupe_key=f"test:{number}",
                    payment_id=payment.id,
                    chat_id=None,
                    status="failed",
                    last_error=f"<&> error {number} " + "x" * 280,
                )
            )
    before = len(harness.telegram.sent_messages(ADMIN))
    answer = await ask(harness.client(user_id=ADMIN), f"/find {payment.order_id}")
    sent = harness.telegram.sent_messages(ADMIN)[before:]
    assert len(answer) == len(sent) >= 3
    assert all(call.ok for call in sent)
    assert not harness.telegram.violations
    joined = "\n".join(answer)
    assert all(f"<&> error {number} " in joined for number in range(40))
    assert joined.count("ASANOV A****") == 1


def test_split_messages_respects_the_limit():
    blocks = ["<b>head</b>\n" + "\n".join(f"line {i} " + "я" * 300 for i in range(30))] * 3
    parts = split_messages(blocks)
    assert len(parts) > 3
    assert all(len(part.encode("utf-16-le")) // 2 <= MESSAGE_LIMIT for part in parts)
    assert "\n".join(parts).count("line 29 ") == 3
    assert split_messages(["a", "b"]) == ["a\n\nb"]
    huge = split_messages(["<b>" + "&amp;" * 5000 + "</b>"])
    assert len(huge) == 1 and len(huge[0]) <= MESSAGE_LIMIT and "<" not in huge[0]


async def test_queue_alert_once_per_key(harness):
    app = harness.app
    payment, _ = await pay_demo_code(harness)
    async with transaction(app.sessions) as session:
        for _ in range(2):
            await queue_alert(
                session,
                "amount_mismatch",
                payment.order_id,
                order_id=payment.order_id,
                payment_id=payment.id,
                expected="1250.00 KGS",
                got="1.00 KGS",
            )
    await raise_alert(app.sessions, "amount_mismatch", payment.order_id, order_id=payment.order_id)
    await raise_alert(app.sessions, "callback_rejected", "bad_signature:1", reason="bad")
    await raise_alert(app.sessions, "callback_rejected", "bad_signature:1", reason="bad")
    await asyncio.gather(
        *(raise_alert(app.sessions, "payment_stuck", "race", minutes=5) for _ in range(5))
    )
    async with app.sessions() as session:
        alerts = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "alert")
                .order_by(OutboxMessage.id)
            )
        )
    assert [a.dedupe_key for a in alerts] == [
        f"alert:amount_mismatch:{payment.order_id}",
        "alert:callback_rejected:bad_signature:1",
        "alert:payment_stuck:race",
    ]
    first = alerts[0]
    assert first.payment_id == payment.id and first.chat_id is None
    assert first.payload == {
        "alert": "amount_mismatch",
        "order_id": payment.order_id,
        "payment_id": payment.id,
        "expected": "1250.00 KGS",
        "got": "1.00 KGS",
    }
    assert alerts[1].payment_id is None


async def test_alerts_reach_the_support_chat_through_the_outbox(harness):
    app = await start_with_support(harness)
    await raise_alert(
        app.sessions,
        "callback_rejected",
        "unknown_order:TG<1>",
        reason="unknown_order",
        order_id="TG<1>&",
        acquirer="sandbox",
    )
    app.outbox.wake()
    await wait_until(lambda: harness.telegram.sent_messages(SUPPORT_CHAT))
    await asyncio.sleep(0.3)
    sent = harness.telegram.sent_messages(SUPPORT_CHAT)
    assert len(sent) == 1
    text = harness.telegram.chat_messages(SUPPORT_CHAT)[0]["text"]
    assert text == plain(
        ru,
        "alert-callback_rejected",
        reason="unknown_order",
        order_id="TG<1>&",
        acquirer="sandbox",
    )
    async with app.sessions() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "alert"))
    assert row.status == "sent"


async def test_without_a_support_chat_alerts_are_only_logged(harness):
    app = harness.app
    payment, _ = await pay_demo_code(harness)
    await raise_alert(
        app.sessions,
        "receipt_undelivered",
        str(payment.id),
        payment_id=payment.id,
        reason="TelegramForbiddenError",
        payer_name="ASANOV ASAN",
    )
    async with app.sessions() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "alert"))
    before = len(harness.telegram.calls)
    alerts = SupportAlerts(app.bot, None, app.l10n["ru"])
    with capture_logs() as logs:
        await alerts.deliver(row)
    assert harness.telegram.calls[before:] == []
    [entry] = [e for e in logs if e["event"] == "support.alert"]
    assert entry["alert"] == "receipt_undelivered"
    assert entry["payment_id"] == payment.id and entry["reason"] == "TelegramForbiddenError"
    assert "ASANOV" not in repr(logs)

    await SupportAlerts(app.bot, SUPPORT_CHAT, app.l10n["en"]).deliver(row)
    [call] = harness.telegram.sent_messages(SUPPORT_CHAT)
    assert f"Payment no. {payment.id}" in call.text and "ASANOV" not in call.text


@pytest.mark.parametrize(
    ("status", "expected"),
    [(429, RetryLater), (500, RetryLater), (0, RetryLater), (400, GiveUp), (403, GiveUp)],
)
async def test_alert_delivery_maps_telegram_errors(harness, status, expected):
    alerts = SupportAlerts(harness.app.bot, SUPPORT_CHAT, l10n["ru"])
    message = OutboxMessage(id=1, kind="alert", payload={"alert": "payment_stuck", "minutes": 9})
    retry_after = 7 if status == 429 else None
    harness.telegram.fail_next("sendMessage", status=status, retry_after=retry_after)
    with pytest.raises(expected) as raised:
        await alerts.deliver(message)
    if status == 429:
        assert raised.value.delay == 7
    await alerts.deliver(message)  # the next try gets through
    assert len(harness.telegram.sent_messages(SUPPORT_CHAT)) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_alert_kind_has_a_text(language):
    alerts = SupportAlerts(None, SUPPORT_CHAT, l10n[language])  # type: ignore[arg-type]
    for kind, fields in ALERT_FIELDS.items():
        payload = {"alert": kind} | {name: f"<{name}>" for name in fields}
        text = alerts.text(payload)
        assert not text.startswith("alert-"), (language, kind)
        for name in fields:
            assert f"&lt;{name}&gt;" in text, (language, kind, name)
    other = alerts.text({"alert": "new_kind", "order_id": "TG1", "payer_name": "ASANOV ASAN"})
    assert "new_kind" in other and "TG1" in other and "ASANOV" not in other
